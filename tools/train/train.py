"""Train CryptoFaceNet by distillation from the dlib teacher descriptors of the face-data set.

Loss (per batch of P identities x K crops; flip + photometric/background/cut-out augmentation, augment.py):
  w_rel * relational KD  : MSE between the cosine-similarity matrices of student embeddings and of the
                           (training-mean-centred) teacher descriptors — centring keeps the teacher's L2
                           geometry but spreads its cosines;
  w_dir * direct KD      : 1 - cos(P y^, t^) with a learned projection P: 256 -> 128 (training only);
  w_id  * identity term  : optional CosFace (s=30, m=0.2) on the training identities (default off);
  0.005 * jigsaw CE      : Linear(256 -> L) on each patch feature predicts the patch index (reference §2.5);
  w_range * range penalty: mean(log1p(relu(|z| - 5)^2)) at every HerPN input, z = input normalised by the
                           batch statistics (keeps the polynomial network's activations bounded, which both
                           float stability and CKKS need);
  w_stress * stability   : log1p(max(|z| - 8, 0)^2) per sample and HerPN layer in EVAL mode (z normalised by
                           the running statistics, as at inference) on a small batch of clean and strongly
                           augmented crops: a degree-2^11 polynomial network blows up doubly exponentially
                           once an input leaves its stable region, and in train mode an outlier hides by
                           inflating its own batch statistics;
  w_norm * norm spread   : batch variance of log||y||^2, so that the degree-2 polynomial approximation of
                           1/sqrt(s) (reference §2.6) stays accurate over the range of s.
A fixed slice of training identities ("calibration identities", --calib-frac) is never trained on; it
drives checkpoint selection and the threshold tau later (export.py). The held-out pairs are never used here.

    /usr/bin/python3 tools/train/train.py            # defaults = the committed CFNet4 recipe

Resumable: after every epoch the model, the projection, the optimiser, the scheduler and both RNG states (NumPy's
batch order, torch's augmentation draws) go to <out>/ckpt.pt (written to a temporary file, then renamed). Rerunning
the same command continues after the last finished epoch and ends with the same model.pt as an uninterrupted run
(bit for bit at the same --threads). Other arguments than --threads/--out with an existing ckpt.pt are refused;
--fresh starts over.
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from augment import augment
from checkpoint import restore, rng_state, save_atomic
from cfnet import CryptoFaceNet, HerPN2d, to_patches
from data import FaceData, find_dataset
from metrics import best_threshold, calib_pairs, embed, pair_dist, roc_auc, unit


def parse():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=None, help="dataset dir (default: tools/face-data/work/dataset, else synthetic)")
    ap.add_argument("--variant", default="CFNet4", choices=["CFNet4", "CFNet9", "CFNet16"])
    ap.add_argument("--out", default=None, help="run dir (default tools/train/work/<variant>)")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--P", type=int, default=32, help="identities per batch")
    ap.add_argument("--K", type=int, default=4, help="crops per identity in a batch")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--wd", type=float, default=5e-4)
    ap.add_argument("--w-rel", type=float, default=1.0)
    ap.add_argument("--w-dir", type=float, default=1.0)
    ap.add_argument("--w-id", type=float, default=0.0)
    ap.add_argument("--w-jig", type=float, default=0.005)
    ap.add_argument("--w-norm", type=float, default=2.0, help="penalty on the batch variance of log||y||^2 (keeps the norm polynomial accurate)")
    ap.add_argument("--w-range", type=float, default=1.0, help="weight of the HerPN activation-range penalty")
    ap.add_argument("--range-bound", type=float, default=5.0, help="|normalised HerPN input| above this is penalised")
    ap.add_argument("--w-stress", type=float, default=1.0, help="weight of the eval-mode stability loss on strongly augmented inputs")
    ap.add_argument("--stress-batch", type=int, default=32)
    ap.add_argument("--p-colour", type=float, default=0.5)
    ap.add_argument("--p-background", type=float, default=0.3)
    ap.add_argument("--p-cutout", type=float, default=0.3)
    ap.add_argument("--calib-frac", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=20250830)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="debug: use at most this many training rows")
    ap.add_argument("--fresh", action="store_true", help="ignore (and overwrite) an existing <out>/ckpt.pt")
    ap.add_argument("--stop-after", type=int, default=0,
                    help="debug: exit after this many finished epochs of this invocation (tests the resume path)")
    return ap.parse_args()


def split_identities(ids, frac, seed):
    """Deterministic fit/calibration split of the training identities (sorted, then seeded permutation)."""
    uniq = sorted(set(ids))
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(uniq))
    ncal = max(2, int(round(frac * len(uniq)))) if frac > 0 else 0
    calib = {uniq[i] for i in perm[:ncal]}
    return [u for u in uniq if u not in calib], sorted(calib)


def pk_batches(labels, P, K, rng):
    """Batches of P identities x up to K crops each; every row appears exactly once per epoch."""
    by = {}
    for i, l in enumerate(labels):
        by.setdefault(l, []).append(i)
    chunks = []
    for rows in by.values():
        rows = list(rng.permutation(rows))
        chunks += [rows[s:s + K] for s in range(0, len(rows), K)]
    order = rng.permutation(len(chunks))
    batches = []
    for s in range(0, len(order), P):
        b = [r for c in order[s:s + P] for r in chunks[c]]
        if len(b) >= 8:
            batches.append(np.array(b, dtype=np.int64))
    return batches


class CosFace(nn.Module):
    def __init__(self, dim, n, s=30.0, m=0.2):
        super().__init__()
        self.w = nn.Parameter(torch.randn(n, dim) * 0.01)
        self.s, self.m = s, m

    def forward(self, yhat, lab):
        cos = yhat @ F.normalize(self.w, dim=1).t()
        return F.cross_entropy(self.s * (cos - self.m * F.one_hot(lab, cos.shape[1])), lab)


# Arguments that do not change what is computed (threads only changes float summation order).
RESUME_FREE = {"out", "threads", "fresh", "stop_after"}


def load_checkpoint(path, a):
    c = torch.load(path)
    diff = sorted(k for k in set(c["args"]) | set(vars(a)) if k not in RESUME_FREE and c["args"].get(k) != vars(a).get(k))
    if diff:
        raise SystemExit(f"{path} was made with other arguments ({', '.join(f'--{k.replace(chr(95), chr(45))}' for k in diff)}); "
                         "rerun with the same ones, or pass --fresh to start over, or use another --out")
    if c["args"].get("threads") != a.threads:
        print(f"warning: {path} was made with --threads {c['args'].get('threads')}; continuing with {a.threads} "
              "(the result will not be bit-identical to an uninterrupted run)", flush=True)
    return c


def main():
    a = parse()
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    torch.set_num_threads(a.threads)
    data_dir = find_dataset(a.data)
    out = a.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), "work", a.variant)
    os.makedirs(out, exist_ok=True)
    ds = FaceData(data_dir)
    tr = ds.indices("train")
    if a.limit:
        tr = tr[: a.limit]
    fit_ids, cal_ids = split_identities(ds.identities(tr), a.calib_frac, a.seed)
    fit_set = set(fit_ids)
    fit = np.array([i for i in tr if ds.items[i]["identity"] in fit_set], dtype=np.int64)
    cal = np.array([i for i in tr if ds.items[i]["identity"] not in fit_set], dtype=np.int64)
    print(f"data {data_dir}: {len(fit)} fit rows / {len(fit_ids)} ids, {len(cal)} calibration rows / {len(cal_ids)} ids", flush=True)

    model = CryptoFaceNet(a.variant)
    herpns = [m for m in model.modules() if isinstance(m, HerPN2d)]
    for h in herpns:
        h.range_bound = a.range_bound if (a.w_range > 0 or a.w_stress > 0) else None
    S = model.input_size
    t0 = time.time()
    X = ds.preprocessed(fit, S)
    Xc = ds.preprocessed(cal, S)
    print(f"preprocessed in {time.time() - t0:.1f}s", flush=True)
    T = torch.from_numpy(ds.teacher[fit].astype(np.float64))
    t_mean = T.mean(0)
    Tn = F.normalize(T - t_mean, dim=1).float()
    lab_names = ds.identities(fit)
    lab_index = {n: k for k, n in enumerate(sorted(set(lab_names)))}
    labels = torch.tensor([lab_index[n] for n in lab_names])

    proj = nn.Linear(256, Tn.shape[1], bias=False)
    cosface = CosFace(256, len(lab_index)) if a.w_id > 0 else None
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (no_decay if p.ndim == 1 else decay).append(p)
    extra = list(proj.parameters()) + (list(cosface.parameters()) if cosface else [])
    opt = torch.optim.AdamW([{"params": decay + extra, "weight_decay": a.wd}, {"params": no_decay, "weight_decay": 0.0}], lr=a.lr)

    rng = np.random.default_rng(a.seed)
    cal_gen, cal_imp = calib_pairs(ds.identities(cal), np.random.default_rng(a.seed + 1)) if len(cal) else (None, None)
    steps_per_epoch = len(pk_batches(labels.tolist(), a.P, a.K, np.random.default_rng(0)))
    total = steps_per_epoch * a.epochs
    warm = steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: min(1.0, (k + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(k, total) / total)))
    log, done, before = [], 0, 0.0
    ckpt = os.path.join(out, "ckpt.pt")
    if os.path.exists(ckpt) and not a.fresh:
        c = load_checkpoint(ckpt, a)
        restore(c, rng, [(model, "state_dict"), (proj, "proj"), (opt, "opt"), (sched, "sched")] + ([(cosface, "cosface")] if cosface is not None else []))
        log, done, before = c["log"], c["epoch"], c["train_seconds"]
        print(f"resumed from {ckpt} after epoch {done} of {a.epochs}", flush=True)
    t_start = time.time()
    for ep in range(done, a.epochs):
        model.train()
        sums, n = {}, 0
        te = time.time()
        for b in pk_batches(labels.tolist(), a.P, a.K, rng):
            bt = torch.from_numpy(b)
            x = augment(X[bt], a.p_colour, a.p_background, a.p_cutout)
            y, feats = model(x)
            yh = F.normalize(y, dim=1)
            th = Tn[bt]
            st, tt = yh @ yh.t(), th @ th.t()
            off = ~torch.eye(len(b), dtype=torch.bool)
            parts = {"rel": F.mse_loss(st[off], tt[off]), "dir": (1 - F.cosine_similarity(proj(yh), th, dim=1)).mean()}
            logits, target = model.jigsaw_logits(feats)
            parts["jig"] = F.cross_entropy(logits, target)
            loss = a.w_rel * parts["rel"] + a.w_dir * parts["dir"] + a.w_jig * parts["jig"]
            if cosface is not None:
                parts["id"] = cosface(yh, labels[bt])
                loss = loss + a.w_id * parts["id"]
            if a.w_range > 0:
                parts["range"] = sum(h.penalty for h in herpns) / len(herpns)
                loss = loss + a.w_range * parts["range"]
            if a.w_stress > 0:  # eval-mode (running statistics) forward of strongly augmented crops
                xs = X[torch.randint(len(X), (a.stress_batch,))]  # half clean (flip only), half strongly augmented
                h_ = a.stress_batch // 2
                xs = torch.cat([augment(xs[:h_], 0.0, 0.0, 0.0), augment(xs[h_:], 1.0, 1.0, 1.0)])
                model.eval()
                for net, p in zip(model.nets, to_patches(xs, model.grid)):
                    net(p)
                model.train()
                parts["stress"] = sum(h.penalty for h in herpns) / len(herpns)
                loss = loss + a.w_stress * parts["stress"]
            if a.w_norm > 0:
                ls = torch.log((y * y).sum(1))
                parts["norm"] = ((ls - ls.mean()) ** 2).mean()
                loss = loss + a.w_norm * parts["norm"]
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(list(model.parameters()) + extra, 5.0)
            opt.step()
            sched.step()
            for k, v in parts.items():
                sums[k] = sums.get(k, 0.0) + float(v)
            n += 1
        rec = {"epoch": ep + 1, "sec": round(time.time() - te, 1), **{k: round(v / n, 5) for k, v in sums.items()}}
        if cal_gen is not None and len(cal_gen):
            e = unit(embed(model, Xc))
            g, i_ = pair_dist(e, cal_gen), pair_dist(e, cal_imp)
            rec["calib_auc"] = round(float(roc_auc(g, i_)), 5)
            rec["calib_acc"] = round(best_threshold(g, i_)[1], 5)
            s = np.sum(embed(model, Xc) ** 2, axis=1)
            rec["calib_norm_cv"] = round(float(np.std(s) / np.mean(s)), 4)
            with torch.random.fork_rng():  # stability under strong photometric changes (fixed draw)
                torch.manual_seed(12345)
                ys = embed(model, augment(Xc, 1.0, 1.0, 1.0))
            rec["stress_max_abs_y"] = float(f"{np.nanmax(np.abs(ys)):.3g}") if np.isfinite(ys).any() else None
            rec["stress_nonfinite"] = int((~np.isfinite(ys).all(1)).sum())
        print(json.dumps(rec), flush=True)
        log.append(rec)
        state = {"state_dict": model.state_dict(), "proj": proj.state_dict(),
                 "cosface": cosface.state_dict() if cosface is not None else None,
                 "opt": opt.state_dict(), "sched": sched.state_dict(),
                 "rng": rng_state(rng), "epoch": ep + 1, "log": log, "train_seconds": before + time.time() - t_start, "args": vars(a)}
        save_atomic(state, ckpt)
        if a.stop_after and ep + 1 - done >= a.stop_after and ep + 1 < a.epochs:
            print(f"stopped after epoch {ep + 1} (--stop-after); rerun the command to resume", flush=True)
            return
    elapsed = before + time.time() - t_start
    torch.save({"state_dict": model.state_dict(), "variant": a.variant, "args": vars(a), "data": data_dir,
                "fit_identities": fit_ids, "calib_identities": cal_ids, "teacher_mean": t_mean.tolist(),
                "log": log, "train_seconds": elapsed}, os.path.join(out, "model.pt"))
    print(f"trained {a.epochs} epochs in {elapsed:.0f}s; final model saved to {out}/model.pt", flush=True)


if __name__ == "__main__":
    main()
