"""Why cross-subject movie pretraining helps Challenge 1 and not Challenge 2: what its encoder keeps of the subject.

    python benchmarks/eeg2025_pretraining_probe.py --checkpoint PT [--home DIR] [--dataset simulated-hbn]
                                                   [--seed 33]

The contrastive objective pulls together two subjects' windows at the same movie time, so it rewards features
that do not depend on who is watching: the subject-level trait of Challenge 2 (on simulated-hbn, frontal-midline
theta power) is exactly such a dependence. For the pretrained encoder and for the same net at its seeded
initialisation, on the Challenge 2 windows (``externalizing`` task, its own split), this prints:

- subject identity: accuracy of a logistic regression telling the training subjects apart from their window
  embeddings (half of each subject's windows fit it, the other half test it; chance 1 / n subjects);
- externalizing: NRMSE on the test subjects of a ridge regression from each subject's mean embedding (fitted on
  the training subjects), per subject (1.0 = the training mean's level, as the challenge scores it);
- the same ridge on each subject's mean log theta power (5-7 Hz) at the frontal-midline channel E11 (Fz), the
  feature the simulation put the trait in: what a decoder that kept it could reach.
"""
from __future__ import annotations

import argparse

import numpy as np


def embed(net, X: np.ndarray) -> np.ndarray:
    """The net's outputs on ``X`` (n, n_chans, n_times), shape (n, n_outputs), in batches."""
    import torch

    out = []
    with torch.inference_mode():
        for start in range(0, len(X), 128):
            out.append(net(torch.from_numpy(np.ascontiguousarray(X[start:start + 128]))).float().numpy())
    return np.concatenate(out)


def subject_identity(emb: np.ndarray, subject: np.ndarray, seed: int) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(seed)
    first = np.zeros(len(subject), dtype=bool)
    for s in np.unique(subject):
        mine = np.flatnonzero(subject == s)
        first[rng.permutation(mine)[: len(mine) // 2]] = True
    scaler = StandardScaler().fit(emb[first])
    model = LogisticRegression(max_iter=2000).fit(scaler.transform(emb[first]), subject[first])
    return float((model.predict(scaler.transform(emb[~first])) == subject[~first]).mean())


def subject_nrmse(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray) -> float:
    """NRMSE (ddof 0) on the test subjects of a ridge (alpha by leave-one-out on the training subjects)."""
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-2, 4, 13))).fit(train_x, train_y)
    pred = model.predict(test_x)
    return float(np.sqrt(np.mean((pred - test_y) ** 2)) / test_y.std())


def by_subject(values: np.ndarray, subject: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    names = np.unique(subject)
    return names, np.stack([values[subject == s].mean(axis=0) for s in names])


def main() -> None:
    import lightning as L
    from scipy.signal import welch

    from neuroarena.models.registry import build_model, get_model
    from neuroarena.runner.checkpoints import load_checkpoint, rebuild_net
    from neuroarena.runner.job import JobSpec, job_context

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", required=True, help="a `neuroarena pretrain movies` checkpoint")
    parser.add_argument("--home", default="/tmp/neuroarena-eeg2025-bench")
    parser.add_argument("--dataset", default="simulated-hbn")
    parser.add_argument("--seed", type=int, default=33)
    args = parser.parse_args()
    payload = load_checkpoint(args.checkpoint)
    context = job_context(JobSpec(task="externalizing", dataset=args.dataset, model=payload["model"], seed=args.seed,
                                  home=args.home))
    store, targets = context.store, context.targets
    L.seed_everything(args.seed, verbose=False)
    untrained = build_model(get_model(payload["model"]), n_chans=store.n_chans, n_outputs=payload["n_outputs"],
                            n_times=store.n_times, sfreq=store.sfreq, chs_info=store.chs_info,
                            target_kind="embedding", params=payload["model_params"]).eval()
    encoders = {"pretrained": rebuild_net(payload), "untrained": untrained}
    parts = {p: (store.take(targets.windows[p]), targets.subject[p],
                 targets.values(p, np.arange(len(targets.windows[p])))[:, 0]) for p in ("train", "test")}
    fz = store.ch_names.index("E11")
    n_train, n_test = (len(np.unique(parts[p][1])) for p in ("train", "test"))
    print(f"Challenge 2 windows of {args.dataset}: {len(parts['train'][0])} train ({n_train} subjects), "
          f"{len(parts['test'][0])} test ({n_test} subjects)")
    print(f"  {'features':22s}{'subject id acc':>15s}{'chance':>8s}{'C2 NRMSE/subject':>18s}")
    for name, net in encoders.items():
        emb = {p: embed(net, X) for p, (X, _, _) in parts.items()}
        acc = subject_identity(emb["train"], parts["train"][1], args.seed)
        (_, tx), (_, vx) = by_subject(emb["train"], parts["train"][1]), by_subject(emb["test"], parts["test"][1])
        _, ty = by_subject(parts["train"][2], parts["train"][1])
        _, vy = by_subject(parts["test"][2], parts["test"][1])
        print(f"  {name + ' encoder':22s}{acc:15.3f}{1 / len(np.unique(parts['train'][1])):8.3f}"
              f"{subject_nrmse(tx, ty, vx, vy):18.3f}")
    theta = {}
    for p, (X, subject, y) in parts.items():
        freqs, power = welch(X[:, fz], fs=store.sfreq, nperseg=min(X.shape[-1], 128))
        band = (freqs >= 5) & (freqs <= 7)
        _, theta[p] = by_subject(np.log(power[:, band].mean(axis=1))[:, None], subject)
    _, ty = by_subject(parts["train"][2], parts["train"][1])
    _, vy = by_subject(parts["test"][2], parts["test"][1])
    print(f"  {'theta power at Fz':22s}{'':>15s}{'':>8s}{subject_nrmse(theta['train'], ty, theta['test'], vy):18.3f}")


if __name__ == "__main__":
    main()
