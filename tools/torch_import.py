#!/usr/bin/python3
"""Turn a numpy .npz (as loom writes with WeightsFormat::torch) into a PyTorch state_dict file.

    python3 tools/torch_import.py weights.npz model.pt [--prefix rnn.] [--check-module "GRU(5, 4, 2)"]

Every array becomes a tensor under its key (with --prefix in front), dtype unchanged, and the
dict is written with torch.save. Load it with module.load_state_dict(torch.load("model.pt")).
--check-module builds the given torch.nn module (an expression in torch.nn's namespace, e.g.
"GRU(5, 4, num_layers=2, bidirectional=True, batch_first=True)") and loads the state_dict into it
with strict=True before writing, so that a wrong key or shape fails here rather than later.

From Python: `npz_to_state_dict("weights.npz", prefix="")` returns the OrderedDict.
The write is atomic: a temporary file in the same folder, then a rename.
Needs Debian's python3-torch (and python3-numpy). See docs/interop.md.
"""
import argparse
import collections
import os
import sys
import tempfile

import numpy as np
import torch


def npz_to_state_dict(path, prefix=""):
    sd = collections.OrderedDict()
    with np.load(path, allow_pickle=False) as z:
        for key in z.files:
            sd[prefix + key] = torch.from_numpy(np.ascontiguousarray(z[key]))
    if not sd:
        raise SystemExit(f"torch_import: {path}: arrays expected, received an empty file")
    return sd


def save_state_dict(sd, path):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".torch_import.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(sd, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("input", help=".npz with torch keys")
    p.add_argument("output", help="state_dict file to write (torch.save)")
    p.add_argument("--prefix", default="", help="put in front of every key (e.g. 'rnn.')")
    p.add_argument("--check-module", default=None,
                   help="a torch.nn constructor call to load the state_dict into (strict) before writing")
    a = p.parse_args(argv)
    sd = npz_to_state_dict(a.input, a.prefix)
    if a.check_module:
        module = eval(a.check_module, {"__builtins__": {}}, vars(torch.nn))  # constructor names only
        module.load_state_dict(sd, strict=True)
    save_state_dict(sd, a.output)
    for k, v in sd.items():
        print(f"{k}\t{v.dtype}\t{tuple(v.shape)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
