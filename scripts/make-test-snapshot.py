#!/usr/bin/env python3
"""Writes a PyTorch-memory-snapshot-shaped pickle with the Python standard library only (no torch), for tests.

Same shape as torch.cuda.memory._dump_snapshot(): top-level keys segments, device_traces, allocator_settings,
external_annotations; segments with blocks that tile them; trace entries with action, addr, size, stream, time_us,
frames, compile_context, user_metadata; actions alloc / free_requested / free_completed / segment_alloc /
segment_free / oom. Deterministic (seeded): usage  scripts/make-test-snapshot.py OUT.pickle
"""
import pickle
import random
import sys

rng = random.Random(13)
MB = 1 << 20
frames_a = [{"filename": "/usr/lib/python3/site-packages/torch/nn/modules/linear.py", "line": 125, "name": "forward"},
            {"filename": "/home/user/train.py", "line": 42, "name": "step"},
            {"filename": "/home/user/train.py", "line": 88, "name": "main"}]
frames_b = [{"filename": "/usr/lib/python3/site-packages/torch/optim/adamw.py", "line": 410, "name": "_multi_tensor_adamw"},
            {"filename": "/home/user/optim.py", "line": 17, "name": "update"}]
sites = [frames_a, frames_b]

trace = []
t = 1_700_000_000_000_000
segments = {}   # addr -> size
live = {}       # addr -> (size, frames)
next_seg = 0x7f0000000000


def entry(action, addr, size, frames=(), **extra):
    global t
    t += rng.randint(1, 50)
    e = {"action": action, "addr": addr, "size": size, "stream": 0, "time_us": t, "frames": list(frames),
         "compile_context": "N/A", "user_metadata": ""}
    e.update(extra)
    trace.append(e)


for step in range(200):
    seg_size = 20 * MB
    base = next_seg
    next_seg += seg_size
    entry("segment_alloc", base, seg_size)
    segments[base] = seg_size
    off = 0
    mine = []
    for _ in range(rng.randint(2, 5)):
        size = rng.choice([512, 2048, MB, 2 * MB, 4 * MB])
        if off + size > seg_size:
            break
        frames = sites[rng.randint(0, 1)]
        entry("alloc", base + off, size, frames)
        live[base + off] = (size, frames)
        mine.append(base + off)
        off += size
    if step % 3 != 0:
        for a in mine:
            size, frames = live.pop(a)
            entry("free_requested", a, size, frames)
            entry("free_completed", a, size, frames)
        entry("segment_free", base, seg_size)
        del segments[base]
entry("oom", 0, 64 * MB, frames_a, device_free=12 * MB)

seg_list = []
for base, size in sorted(segments.items()):
    blocks = []
    cur = base
    allocated = 0
    for a in sorted(x for x in live if base <= x < base + size):
        if a > cur:
            blocks.append({"address": cur, "size": a - cur, "requested_size": 0, "state": "inactive", "frames": []})
        s, frames = live[a]
        blocks.append({"address": a, "size": s, "requested_size": s, "state": "active_allocated", "frames": frames})
        allocated += s
        cur = a + s
    if cur < base + size:
        blocks.append({"address": cur, "size": base + size - cur, "requested_size": 0, "state": "inactive", "frames": []})
    seg_list.append({"device": 0, "address": base, "total_size": size, "allocated_size": allocated,
                     "active_size": allocated, "requested_size": allocated, "stream": 0, "segment_type": "large",
                     "segment_pool_id": (0, 0), "is_expandable": False, "frames": [], "blocks": blocks})

snapshot = {"segments": seg_list, "device_traces": [trace],
            "allocator_settings": {"PYTORCH_CUDA_ALLOC_CONF": "", "max_split_size": -1,
                                   "garbage_collection_threshold": 0.0, "expandable_segments": False},
            "external_annotations": []}
with open(sys.argv[1], "wb") as f:
    pickle.dump(snapshot, f)
print(f"{sys.argv[1]}: {len(seg_list)} segments, {len(trace)} trace entries, "
      f"{sum(1 for e in trace if e['action'] == 'alloc')} allocs")
