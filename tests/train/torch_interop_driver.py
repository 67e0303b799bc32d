"""The PyTorch side of tests/train/test_torch_interop.cpp, batched into one python start.

    python3 torch_interop_driver.py {gru|lstm} WORK_DIR TOOLS_DIR

Exit code 77 when torch is not importable (the C++ test then skips). In WORK_DIR it reads
<mode>_loom.npz (loom's weights in torch format, written by the C++ test) and writes:
  <mode>_torch.npz  a random torch.nn.GRU/LSTM(5, 4, num_layers=2, bidirectional=True,
                    batch_first=True) exported with tools/torch_export.py
  <mode>_ref.npz    x (3, 6, 5), that module's output (3, 6, 8), h_n (4, 3, 4) and, for LSTM, c_n
  <mode>_rt.npz     <mode>_loom.npz -> torch_import.py -> load_state_dict into the same module
                    -> state_dict -> torch_export.py (GRU: the command lines; LSTM: loom wrote the
                    keys with torch_prefix "rnn.", the module is the submodule `rnn` of a Net, and
                    the Python API strips the prefix again)
"""
import os
import sys

try:
    import numpy as np
    import torch
except ImportError:
    sys.exit(77)

mode, work, tools = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, tools)
import torch_export  # noqa: E402
import torch_import  # noqa: E402

I, H, B, T = 5, 4, 3, 6
Cls = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[mode]
spec = f"{Cls.__name__}({I}, {H}, num_layers=2, bidirectional=True, batch_first=True)"


def new_module():
    return Cls(I, H, num_layers=2, bidirectional=True, batch_first=True)


def path(name):
    return os.path.join(work, name)


# 1. torch runs first: random weights (wider than the default init, so that gate mix-ups show).
torch.manual_seed(20251125 if mode == "gru" else 7)
m = new_module()
with torch.no_grad():
    for p in m.parameters():
        p.normal_(0.0, 0.5)
x = torch.randn(B, T, I)
with torch.no_grad():
    out, state = m(x)
ref = {"x": x.numpy(), "output": out.numpy()}
if mode == "lstm":
    ref["h_n"], ref["c_n"] = state[0].numpy(), state[1].numpy()
else:
    ref["h_n"] = state.numpy()
np.savez(path(f"{mode}_ref.npz"), **ref)
torch.save(m.state_dict(), path(f"{mode}_torch.pt"))
torch_export.main([path(f"{mode}_torch.pt"), path(f"{mode}_torch.npz")])

# 2. Round trip of loom's weights through a real torch module.
if mode == "gru":
    torch_import.main([path("gru_loom.npz"), path("gru_rt.pt"), "--check-module", spec])
    back = new_module()
    back.load_state_dict(torch.load(path("gru_rt.pt"), weights_only=True), strict=True)
    torch.save(back.state_dict(), path("gru_rt2.pt"))
    torch_export.main([path("gru_rt2.pt"), path("gru_rt.npz")])
else:
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = new_module()
            self.head = torch.nn.Linear(2 * H, 1)

    net = Net()
    net.load_state_dict({**torch_import.npz_to_state_dict(path("lstm_loom.npz")),
                         "head.weight": net.head.weight, "head.bias": net.head.bias}, strict=True)
    torch_export.export_state_dict(net, path("lstm_rt.npz"), prefix="rnn.")
print("driver ok", mode)
