from neuroarena.cli import main

main()
