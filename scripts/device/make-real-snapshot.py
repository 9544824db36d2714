"""On the device machine (PyTorch + CUDA): records a small real workload with PyTorch's own memory history and dumps
the snapshot, for Heapscope's reader tests (agent/src/test/resources/.../pytorch-2.11-snapshot.pickle).
usage: python scripts/device/make-real-snapshot.py OUT.pickle"""
import sys
import torch

torch.cuda.memory._record_memory_history(max_entries=5000, stacks="python")
model = torch.nn.Sequential(torch.nn.Linear(512, 2048), torch.nn.ReLU(), torch.nn.Linear(2048, 512)).cuda()
opt = torch.optim.AdamW(model.parameters())
for step in range(3):
    x = torch.randn(64, 512, device="cuda")
    loss = model(x).square().mean()
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
try:
    torch.empty(1 << 50, dtype=torch.uint8, device="cuda")  # an out-of-memory entry in the trace
except torch.OutOfMemoryError:
    pass
torch.cuda.synchronize()
torch.cuda.memory._dump_snapshot(sys.argv[1])
snap = torch.cuda.memory._snapshot()
print("torch", torch.__version__, "segments", len(snap["segments"]), "trace entries",
      sum(len(t) for t in snap["device_traces"]), "keys", sorted(snap.keys()))
