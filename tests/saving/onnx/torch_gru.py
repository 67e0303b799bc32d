#!/usr/bin/python3
"""PyTorch's own ONNX export of a torch.nn.GRU, for tests/saving/test_onnx_torch.cpp: writes
<dir>/torch_gru.onnx (torch.onnx.export, batch_first, dynamic batch and sequence axes, output 0 the
sequence) and <dir>/torch_gru.npz (its state_dict, float32), which loom loads into a GRU and exports
itself. Needs Debian's python3-torch.  Usage: torch_gru.py <dir> <input_size> <hidden_size>"""
import os
import sys

import numpy as np
import torch

d, n_in, n_hidden = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.manual_seed(20)
gru = torch.nn.GRU(n_in, n_hidden, batch_first=True)
with torch.no_grad():  # biases away from zero so that their mapping is checked
    for name, p in gru.named_parameters():
        if name.startswith("bias"):
            p.uniform_(-0.5, 0.5)
x = torch.randn(2, 4, n_in)
torch.onnx.export(gru, (x,), os.path.join(d, "torch_gru.onnx"), input_names=["input"],
                  output_names=["output", "state"], opset_version=14,
                  dynamic_axes={"input": {0: "batch", 1: "sequence"}, "output": {0: "batch", 1: "sequence"}})
np.savez(os.path.join(d, "torch_gru.npz"),
         **{k: v.detach().numpy().astype(np.float32) for k, v in gru.state_dict().items()})
print("torch_gru.py: torch", torch.__version__, "exported torch_gru.onnx")
