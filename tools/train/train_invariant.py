"""Train CryptoFaceNet for invariance across photos (issue 17) by distillation from the dlib teacher.

Differences from train.py (whose recipe produced models/cfnet4 and stays reproducible):
  * target = the teacher's descriptor of the CLEAN image: every training row of the face-data set (already a
    re-rendered augmentation: rotation, scale, shift, flip, colour, blur, JPEG) is paired with the teacher's
    descriptor of its identity's unaugmented crop (same parent faces), and on top of it the realistic
    on-the-fly augmentation of augment_real.py (pose warp, lighting, colour, blur, occlusion, noise, JPEG)
    is applied with probability --p-heavy;
  * more identities: tools/face-data/synthesize.mjs's three-parent morphs and region swaps (one clean crop
    and its teacher descriptor each), seen only through on-the-fly augmentation;
  * bootstrap-point term: in the eval-mode stability pass, log1p(relu(max|x| - --boot-limit)^2) per sample
    on block 3's output (the value the encrypted network refreshes by bootstrapping, bound B = 32), so that
    the folded network keeps |x| <= B/1.5 there with margin;
  * steps instead of epochs, resumable: every --ckpt-every steps the model, optimiser, scheduler and every
    RNG state go to <out>/ckpt.pt (atomic rename) and an exportable <out>/model.pt (export.py's format) is
    written; rerunning the same command continues from the checkpoint and gives the same result as an
    uninterrupted run (same seed, thread count and PyTorch build).
Loss per step (P identities x K views): relational KD (cosine-similarity matrix vs the training-mean-centred
clean teacher descriptors) + direct KD (1 - cos(P y^, t^)) + 0.005 jigsaw + norm spread + train-mode range
penalty + eval-mode stability and bootstrap-point penalties, as documented in docs/face-model.md §12.
The calibration identities (10 %, seeded exactly as train.py) are never trained on; the held-out split is
never read.

    nice -n 19 /usr/bin/python3 tools/train/train_invariant.py --threads 2     # resumable, seeded
"""
import argparse
import json
import math
import os
import time

# OpenMP threads sleep instead of spinning while they wait: on a shared machine spinning threads make a
# 2-thread run several times slower than one thread (measured, tools/train/README.md)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

from augment import augment
from augment_real import augment_real
from checkpoint import restore, rng_state, save_atomic
from cfnet import CryptoFaceNet, HerPN2d, preprocess, to_patches
from data import FaceData, find_dataset
from metrics import best_threshold, calib_pairs, embed, pair_dist, roc_auc, unit
from train import split_identities

HERE = os.path.dirname(os.path.abspath(__file__))


def parse():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=None)
    ap.add_argument("--extra", default=os.path.join(HERE, "..", "face-data", "work", "extra"), help="synthesize.mjs output ('' = none)")
    ap.add_argument("--out", default=os.path.join(HERE, "work", "CFNet4-next"))
    ap.add_argument("--init", default=None, help="start from this model.pt's weights and statistics (fine-tuning; fresh optimiser)")
    ap.add_argument("--deployed", action="store_true", help="train the eval-mode network (running statistics frozen, as folded); "
                    "the range term then acts on the deployed function. For fine-tuning with --init")
    ap.add_argument("--steps", type=int, default=700)
    ap.add_argument("--P", type=int, default=16, help="identities per step (16 x 4 views: the forward pass holds ~1 GB)")
    ap.add_argument("--K", type=int, default=4)
    ap.add_argument("--extra-share", type=float, default=0.35, help="share of a batch's identities drawn from the extra set")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--wd", type=float, default=5e-4)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--w-rel", type=float, default=1.0)
    ap.add_argument("--w-dir", type=float, default=1.0)
    ap.add_argument("--w-jig", type=float, default=0.005)
    ap.add_argument("--w-norm", type=float, default=2.0)
    ap.add_argument("--w-range", type=float, default=1.0)
    ap.add_argument("--range-bound", type=float, default=5.0)
    ap.add_argument("--w-stress", type=float, default=1.0)
    ap.add_argument("--w-boot", type=float, default=1.0)
    ap.add_argument("--boot-limit", type=float, default=12.0, help="penalise |block 3 output| above this (B/1.5 = 21.3)")
    ap.add_argument("--stress-batch", type=int, default=15)
    ap.add_argument("--p-heavy", type=float, default=0.8, help="probability of the full augment_real chain (the curriculum's end value)")
    ap.add_argument("--p-heavy-start", type=float, default=None,
                    help="curriculum: start at this probability and raise it towards --p-heavy at every checkpoint (default: constant --p-heavy)")
    ap.add_argument("--p-heavy-ramp", type=int, default=0, help="curriculum: steps over which the probability would rise from start to end if never held")
    ap.add_argument("--curriculum-hold", type=float, default=float("inf"),
                    help="curriculum: raise the probability after a checkpoint window only if that window's mean eval-mode "
                         "stability + bootstrap-point penalty is at most this (otherwise hold it)")
    ap.add_argument("--grad-ckpt", action="store_true",
                    help="per-patch gradient checkpointing (non-reentrant): the backward pass recomputes one patch network "
                         "at a time instead of holding all four patches' activations (batches of 128 within ~3 GB)")
    ap.add_argument("--proj-fit", type=int, default=0,
                    help="with --init from a run without a checkpointed projection (train.py's model.pt): fit the direct-KD "
                         "projection by least squares on this many clean fit rows (eval mode) instead of a random one")
    ap.add_argument("--calib-frac", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=20261130)
    ap.add_argument("--split-seed", type=int, default=20250830, help="seed of the fit/calibration split (train.py's)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ckpt-every", type=int, default=25)
    ap.add_argument("--eval-every", type=int, default=350)
    return ap.parse_args()


def clean_rows(ds, rows):
    """For each training row, the row of its identity's unaugmented crop with the same parent faces."""
    with open(os.path.join(ds.root, "details.json")) as f:
        det = json.load(f)["items"]
    key = lambda i: (ds.items[i]["identity"], tuple(sorted(p["face"] for p in det[i]["parents"])))
    clean = {key(i): i for i in rows if not ds.items[i]["augmented"]}
    return np.array([clean[key(i)] for i in rows], dtype=np.int64)


def load_extra(path):
    if not path or not os.path.exists(os.path.join(path, "manifest.json")):
        return None
    with open(os.path.join(path, "manifest.json")) as f:
        m = json.load(f)
    img = np.fromfile(os.path.join(path, "images.u8"), dtype=np.uint8).reshape(m["count"], 112, 112, 3)
    t = np.fromfile(os.path.join(path, "teacher.f32"), dtype="<f4").reshape(m["count"], m["teacher"]["dim"])
    return {"images": torch.from_numpy(img), "teacher": t, "identities": [it["identity"] for it in m["items"]], "manifest": m}


def rss_mb():
    """Resident memory of this process (MB), logged so that the 3 GB budget of the shared machine is visible."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return -1


def forward_checkpointed(model, x):
    """model(x) in train mode with per-patch gradient checkpointing; also returns the sum of the HerPN range
    penalties, which must leave each checkpointed segment as an output to receive a gradient. PyTorch 1.13's
    non-reentrant checkpoint refuses a saved tensor that is unpacked twice (x * x), so this is the reentrant
    form; its outputs need an input that requires grad, hence the dummy."""
    dummy = torch.ones(1, requires_grad=True)
    feats, pen = [], 0
    for net, p in zip(model.nets, to_patches(x, model.grid)):
        hs = [m for m in net.modules() if isinstance(m, HerPN2d)]

        def run(p_, d_, net=net, hs=hs):
            return net(p_), sum(h.penalty for h in hs)

        f, q = checkpoint(run, p, dummy, use_reentrant=True)
        feats.append(f)
        pen = pen + q
    return model.fbn(model.fc(torch.cat(feats, 1))), feats, pen


def backward(loss, bns, grad_ckpt):
    """loss.backward(); with gradient checkpointing (forward_checkpointed) the recomputed forward must not update
    the running statistics of the batch-norm modules `bns` a second time."""
    if grad_ckpt:
        for m in bns:
            m.track_running_stats = False
    try:
        loss.backward()
    finally:
        if grad_ckpt:
            for m in bns:
                m.track_running_stats = True


def main():
    a = parse()
    try:  # at most 2 malloc arenas: with several threads glibc otherwise keeps freed activations per arena
        import ctypes
        ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # M_ARENA_MAX
    except OSError:
        pass
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    data_dir = find_dataset(a.data)
    ds = FaceData(data_dir)
    tr = ds.indices("train")
    fit_ids, cal_ids = split_identities(ds.identities(tr), a.calib_frac, a.split_seed)
    fit_set = set(fit_ids)
    fit = np.array([i for i in tr if ds.items[i]["identity"] in fit_set], dtype=np.int64)
    cal = np.array([i for i in tr if ds.items[i]["identity"] not in fit_set], dtype=np.int64)
    target_row = clean_rows(ds, fit)
    extra = load_extra(a.extra)
    n_extra = 0 if extra is None else len(extra["identities"])
    print(f"data {data_dir}: {len(fit)} fit rows / {len(fit_ids)} ids, {len(cal)} calibration rows / {len(cal_ids)} ids; "
          f"extra identities {n_extra}", flush=True)

    # uint8 (N,112,112,3): fit rows then extra identities, copied in chunks into one buffer (memory < 1 GB)
    images = torch.empty((len(fit) + n_extra, 112, 112, 3), dtype=torch.uint8)
    for s0 in range(0, len(fit), 1024):
        images[s0:min(len(fit), s0 + 1024)] = torch.from_numpy(np.ascontiguousarray(ds.images[fit[s0:s0 + 1024]]))
    T = ds.teacher[target_row].astype(np.float64)
    if extra is not None:
        images[len(fit):] = extra.pop("images")
        T = np.concatenate([T, extra["teacher"].astype(np.float64)], 0)
    T = torch.from_numpy(T)
    t_mean = T.mean(0)
    Tn = F.normalize(T - t_mean, dim=1).float()
    by_id = {}
    for k, name in enumerate(ds.identities(fit)):
        by_id.setdefault(name, []).append(k)
    orig_ids = sorted(by_id)
    extra_ids = [[len(fit) + k] for k in range(n_extra)]
    orig_rows = [np.array(by_id[n]) for n in orig_ids]

    torch.manual_seed(a.seed)  # before any parameter is initialised: the run depends on the seed only
    model = CryptoFaceNet("CFNet4")
    herpns = [m for m in model.modules() if isinstance(m, HerPN2d)]
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for h in herpns:
        h.range_bound = a.range_bound
    S = model.input_size
    proj = nn.Linear(256, Tn.shape[1], bias=False)
    if a.init:
        model.load_state_dict(torch.load(a.init)["state_dict"])
        init_ckpt = os.path.join(os.path.dirname(a.init), "ckpt.pt")
        if os.path.exists(init_ckpt):  # the training-only projection of the same run
            proj.load_state_dict(torch.load(init_ckpt)["proj"])
        elif a.proj_fit > 0 and not os.path.exists(os.path.join(a.out, "ckpt.pt")):
            # least-squares projection (256 -> teacher dim) of the initial model's unit embeddings of clean fit rows
            # onto their centred unit teacher targets; its own seeded draw, so the training RNG streams are unchanged
            # up to 1,024 further rows of the same draw are NOT used in the fit: direct KD on them checks overfitting
            draw = np.random.default_rng(a.seed + 7).choice(len(fit), min(a.proj_fit + 1024, len(fit)), replace=False)
            dkd = {}
            for part, pr in (("fit", np.sort(draw[:a.proj_fit])), ("other", np.sort(draw[a.proj_fit:]))):
                if len(pr) == 0:
                    continue
                with torch.no_grad():
                    e = embed(model, preprocess(images[torch.from_numpy(pr)], S))
                ok = np.isfinite(e).all(1)
                yh0, t0 = unit(e[ok]), Tn[torch.from_numpy(pr[ok])]
                if part == "fit":
                    W = np.linalg.lstsq(yh0, t0.double().numpy(), rcond=None)[0]
                    proj.weight.data.copy_(torch.from_numpy(W.T).float())
                with torch.no_grad():
                    d0 = (1 - F.cosine_similarity(proj(torch.from_numpy(yh0).float()), t0, dim=1)).mean()
                dkd[part] = (float(d0), int(ok.sum()), len(pr))
            print(f"projection fitted by least squares on {dkd['fit'][1]} of {dkd['fit'][2]} clean fit rows (non-finite "
                  f"{dkd['fit'][2] - dkd['fit'][1]}); direct KD there {dkd['fit'][0]:.4f}" +
                  (f", on {dkd['other'][1]} of {dkd['other'][2]} other fit rows not used in the fit {dkd['other'][0]:.4f}"
                   if "other" in dkd else ""), flush=True)
    decay, no_decay = [], []
    for _, p in model.named_parameters():
        (no_decay if p.ndim == 1 else decay).append(p)
    extra_params = list(proj.parameters())
    opt = torch.optim.AdamW([{"params": decay + extra_params, "weight_decay": a.wd}, {"params": no_decay, "weight_decay": 0.0}], lr=a.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: min(1.0, (k + 1) / a.warmup) * 0.5 * (1 + math.cos(math.pi * min(k, a.steps) / a.steps)))
    torch.manual_seed(a.seed)
    np_rng = np.random.default_rng(a.seed)
    step, log, elapsed = 0, [], 0.0
    curriculum = a.p_heavy_start is not None
    p_cur = a.p_heavy_start if curriculum else a.p_heavy
    p_inc = (a.p_heavy - a.p_heavy_start) * a.ckpt_every / max(1, a.p_heavy_ramp) if curriculum else 0.0
    ckpt = os.path.join(a.out, "ckpt.pt")
    if os.path.exists(ckpt):
        c = torch.load(ckpt)
        if c["args"]["seed"] != a.seed or c["args"]["steps"] != a.steps:
            raise SystemExit(f"{ckpt} was made with other --seed/--steps; use another --out")
        restore(c, np_rng, [(model, "model"), (proj, "proj"), (opt, "opt"), (sched, "sched")])
        step, log, elapsed = c["step"], c["log"], c["elapsed"]
        p_cur = c.get("p_cur", p_cur)
        print(f"resumed from {ckpt} at step {step}", flush=True)

    Xc = ds.preprocessed(cal, S)
    ds.images = None  # unmap the dataset file (its pages would count towards this process's memory)
    print(f"data loaded, rss {rss_mb()} MB", flush=True)
    cal_gen, cal_imp = calib_pairs(ds.identities(cal), np.random.default_rng(a.split_seed + 1))
    n_ext = int(round(a.P * a.extra_share)) if n_extra else 0
    sums, n_sum, t_last = {}, 0, time.time()

    def save():
        state = {"model": model.state_dict(), "proj": proj.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                 "rng": rng_state(np_rng), "step": step, "log": log, "elapsed": elapsed, "args": vars(a), "p_cur": p_cur}
        save_atomic(state, ckpt)
        save_atomic({"state_dict": model.state_dict(), "variant": "CFNet4",
                    "args": {**vars(a), "seed": a.split_seed, "train_seed": a.seed, "p_heavy": p_cur, "p_heavy_end": a.p_heavy},
                    "data": data_dir, "fit_identities": fit_ids, "calib_identities": cal_ids, "teacher_mean": t_mean.tolist(),
                    "extra": a.extra, "extra_identities": n_extra, "log": log, "train_seconds": elapsed, "step": step}, os.path.join(a.out, "model.pt"))

    while step < a.steps:
        t_step = time.time()
        model.train(not a.deployed)
        # P identities: (P - n_ext) from the face-data set, n_ext from the extra set; K views each
        ids = np_rng.choice(len(orig_ids), a.P - n_ext, replace=False)
        rows = [np_rng.choice(orig_rows[i], a.K, replace=len(orig_rows[i]) < a.K) for i in ids]
        if n_ext:
            ex = np_rng.choice(n_extra, n_ext, replace=False)
            rows += [np.full(a.K, extra_ids[e][0]) for e in ex]
        b = torch.from_numpy(np.concatenate(rows))
        x = preprocess(augment_real(images[b], p_cur), S)
        if a.grad_ckpt:
            y, feats, range_sum = forward_checkpointed(model, x)
        else:
            y, feats = model(x)
            range_sum = sum(h.penalty for h in herpns)
        yh = F.normalize(y, dim=1)
        th = Tn[b]
        st, tt = yh @ yh.t(), th @ th.t()
        off = ~torch.eye(len(b), dtype=torch.bool)
        parts = {"rel": F.mse_loss(st[off], tt[off]), "dir": (1 - F.cosine_similarity(proj(yh), th, dim=1)).mean()}
        logits, target = model.jigsaw_logits(feats)
        parts["jig"] = F.cross_entropy(logits, target)
        parts["range"] = range_sum / len(herpns)
        ls = torch.log((y * y).sum(1))
        parts["norm"] = ((ls - ls.mean()) ** 2).mean()
        loss = a.w_rel * parts["rel"] + a.w_dir * parts["dir"] + a.w_jig * parts["jig"] + a.w_range * parts["range"] + a.w_norm * parts["norm"]
        if a.w_stress > 0 or a.w_boot > 0:  # eval mode (running statistics = the deployed function)
            sb = torch.from_numpy(np_rng.choice(len(images), a.stress_batch))
            q = a.stress_batch // 3
            xs = preprocess(images[sb], S)
            xs = torch.cat([augment(xs[:q], 0.0, 0.0, 0.0), augment(xs[q:2 * q], 1.0, 1.0, 1.0), preprocess(augment_real(images[sb[2 * q:]], 1.0), S)])
            model.eval()
            boot = []
            for net, p in zip(model.nets, to_patches(xs, model.grid)):
                tr_ = {}
                net(p, tr_)
                boot.append(tr_["block3"].abs().flatten(1).amax(1))
            model.train(not a.deployed)
            parts["stress"] = sum(h.penalty for h in herpns) / len(herpns)
            worst = torch.stack(boot, 1).amax(1)
            parts["boot"] = torch.log1p(torch.relu(worst - a.boot_limit) ** 2).mean()
            parts["boot_max"] = worst.max().detach()
            loss = loss + a.w_stress * parts["stress"] + a.w_boot * parts["boot"]
        opt.zero_grad()
        backward(loss, bns, a.grad_ckpt)
        torch.nn.utils.clip_grad_norm_(list(model.parameters()) + extra_params, 5.0)
        opt.step()
        sched.step()
        step += 1
        elapsed += time.time() - t_step
        for k, v in parts.items():
            sums[k] = max(sums.get(k, 0.0), float(v)) if k == "boot_max" else sums.get(k, 0.0) + float(v)
        n_sum += 1
        if step % a.ckpt_every == 0 or step == a.steps:
            rec = {"step": step, "p_heavy": round(p_cur, 4), "sec_per_step": round((time.time() - t_last) / n_sum, 2), "lr": round(sched.get_last_lr()[0], 6), "rss_mb": rss_mb(),
                   **{k: round(v / (1 if k == "boot_max" else n_sum), 5) for k, v in sums.items()}}
            if step % a.eval_every == 0 or step == a.steps:
                e = embed(model, Xc)
                g, i_ = pair_dist(unit(e), cal_gen), pair_dist(unit(e), cal_imp)
                rec["calib_auc"] = round(float(roc_auc(g, i_)), 5)
                rec["calib_acc"] = round(best_threshold(g, i_)[1], 5)
                s = np.sum(e ** 2, axis=1)
                rec["calib_norm_cv"] = round(float(np.std(s) / np.mean(s)), 4)
            if curriculum:  # next window's probability, decided on this window's eval-mode stability
                watch = (sums.get("stress", 0.0) + sums.get("boot", 0.0)) / n_sum
                if watch <= a.curriculum_hold:
                    p_cur = min(a.p_heavy, p_cur + p_inc) if p_inc >= 0 else max(a.p_heavy, p_cur + p_inc)
                else:
                    rec["curriculum"] = "hold"
            print(json.dumps(rec), flush=True)
            log.append(rec)
            sums, n_sum, t_last = {}, 0, time.time()
            save()
    print(f"trained {a.steps} steps in {elapsed:.0f}s; model in {a.out}/model.pt", flush=True)


if __name__ == "__main__":
    main()
