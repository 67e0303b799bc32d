#!/usr/bin/python3
"""Write a PyTorch state_dict as a numpy .npz that loom reads with WeightsFormat::torch.

    python3 tools/torch_export.py model.pt weights.npz [--prefix rnn.] [--key model] [--unsafe-pickle]

model.pt is what torch.save wrote: a state_dict (the usual), a checkpoint dict holding one under
--key, or (with --unsafe-pickle) a whole pickled nn.Module, whose class must then be importable
(run from the folder of the code that defines it). Every tensor is written as an array
under its state_dict key, with its dtype unchanged (float32 stays float32, so loom reads the exact
bits). --prefix keeps only the keys that start with it and strips it ("rnn." for the submodule
`rnn`), which is what loom expects when torch_prefix is empty.

From Python: `export_state_dict(module_or_state_dict, "weights.npz", prefix="")`.
The write is atomic: a temporary file in the same folder, then a rename.
Needs Debian's python3-torch (and python3-numpy). See docs/interop.md.
"""
import argparse
import os
import sys
import tempfile

import numpy as np
import torch


def state_dict_arrays(obj, prefix=""):
    """The tensors of a module or state_dict as {key: numpy array}, selected and stripped by prefix."""
    sd = obj.state_dict() if hasattr(obj, "state_dict") else obj
    if not isinstance(sd, dict):
        raise SystemExit(f"torch_export: a state_dict or nn.Module expected, received {type(sd).__name__}")
    out = {}
    for key, value in sd.items():
        if not key.startswith(prefix) or not torch.is_tensor(value):
            continue
        out[key[len(prefix):]] = value.detach().cpu().contiguous().numpy()
    if not out:
        raise SystemExit(f"torch_export: tensors with keys starting with '{prefix}' expected, "
                         f"received keys {list(sd.keys())[:10]}")
    return out


def write_npz(path, arrays):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".torch_export.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)  # a file object: numpy does not append ".npz"
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def export_state_dict(obj, path, prefix=""):
    arrays = state_dict_arrays(obj, prefix)
    write_npz(path, arrays)
    return arrays


def load_pt(path, key=None, unsafe_pickle=False):
    if unsafe_pickle:
        obj = torch.load(path, map_location="cpu")
    else:
        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:  # a pickled module, or a torch without weights_only
            raise SystemExit(f"torch_export: {path}: a plain state_dict expected, received something that "
                             f"needs unpickling ({e}); pass --unsafe-pickle if you trust the file")
    if key is not None:
        if not isinstance(obj, dict) or key not in obj:
            raise SystemExit(f"torch_export: {path}: key '{key}' expected in the saved dict, received "
                             f"{list(obj.keys()) if isinstance(obj, dict) else type(obj).__name__}")
        obj = obj[key]
    return obj


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("input", help="file written by torch.save (state_dict or checkpoint)")
    p.add_argument("output", help=".npz to write")
    p.add_argument("--prefix", default="", help="keep only keys with this prefix, stripped (e.g. 'rnn.')")
    p.add_argument("--key", default=None, help="the state_dict is this entry of a saved dict (e.g. 'model')")
    p.add_argument("--unsafe-pickle", action="store_true",
                   help="allow a whole pickled module (runs code from the file: trusted files only)")
    a = p.parse_args(argv)
    arrays = export_state_dict(load_pt(a.input, a.key, a.unsafe_pickle), a.output, a.prefix)
    for k, v in arrays.items():
        print(f"{k}\t{v.dtype}\t{tuple(v.shape)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
