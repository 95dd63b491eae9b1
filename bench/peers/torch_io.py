#!/usr/bin/python3
"""PyTorch peer of bench/checkpoint-io.ts (adapted from shared/peers/torch_io.py, ENGINE-STUDY W3/W4).

usage: /usr/bin/python3 torch_io.py PATH save REPEATS TENSORS ELEMENTS
       /usr/bin/python3 torch_io.py PATH load-once
save: a state_dict of TENSORS float32 tensors of ELEMENTS each; torch.save (no fsync) and
      torch.save + flush + os.fsync, REPEATS times each; leaves the file at PATH.
load-once: one torch.load in this (fresh) process, every tensor touched.
Prints one JSON object a line: {"bench","engine":"pytorch","op","gb_per_s",...}.
Threads: torch.set_num_threads(2) as in the study; the caller sets OPENBLAS_NUM_THREADS=1 and
OMP_WAIT_POLICY=PASSIVE so the 2 cores are not oversubscribed (docs/design/ENGINE-STUDY.md).
"""
import json, os, statistics, sys, time
import torch

torch.set_num_threads(2)
path, mode = sys.argv[1], sys.argv[2]


def emit(op, seconds, nbytes, **extra):
    gbs = [nbytes / s / 1e9 for s in seconds]
    print(json.dumps({"bench": "checkpoint-io", "engine": "pytorch", "op": op,
                      "gb_per_s": round(statistics.median(gbs), 3), "runs_gb_per_s": [round(g, 3) for g in gbs],
                      "seconds": [round(s, 4) for s in seconds], "bytes": nbytes, "torch": torch.__version__, **extra}),
          flush=True)


if mode == "load-once":
    t0 = time.perf_counter()
    sd = torch.load(path)
    s = sum(float(t[0]) for t in sd.values())  # touch every tensor so lazy paths cannot hide work
    dt = time.perf_counter() - t0
    nb = sum(t.numel() * t.element_size() for t in sd.values())
    emit("load_fresh_process", [dt], nb)
    sys.exit(0)

reps, ntensors, nelem = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
sd = {f"layer{i:03d}/weights": torch.randn(nelem) for i in range(ntensors)}
nbytes = sum(t.numel() * t.element_size() for t in sd.values())
res = {"save": [], "save_fsync": []}
for r in range(reps):
    if os.path.exists(path):
        os.remove(path)
    t0 = time.perf_counter()
    torch.save(sd, path)
    res["save"].append(time.perf_counter() - t0)
    os.remove(path)
    t0 = time.perf_counter()
    with open(path, "wb") as f:
        torch.save(sd, f)
        f.flush()
        os.fsync(f.fileno())
    res["save_fsync"].append(time.perf_counter() - t0)
emit("save", res["save"], nbytes)
emit("save_fsync", res["save_fsync"], nbytes)
