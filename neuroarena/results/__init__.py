"""Immutable result records and the store that holds them."""
