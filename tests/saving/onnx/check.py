#!/usr/bin/python3
"""onnx.checker.check_model(full_check=True) (Debian's python3-onnx) on every model of
<dir>/index.json (the peer's index, tests/saving/onnx/peer.js). Prints one line per model and exits
1 when any fails.  Usage: check.py <dir>"""
import json
import os
import sys

import onnx

d = sys.argv[1]
failed = 0
for m in json.load(open(os.path.join(d, "index.json"))):
    path = os.path.join(d, m["model"])
    try:
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        print(f"check.py: {m['model']}: ok (opset {model.opset_import[0].version}, {len(model.graph.node)} nodes)")
    except Exception as e:  # the checker's ValidationError, or a file protobuf cannot parse
        print(f"check.py: {m['model']}: {type(e).__name__}: {e}")
        failed += 1
print(f"check.py: onnx {onnx.__version__}: {failed} of {len(json.load(open(os.path.join(d, 'index.json'))))} failed")
sys.exit(1 if failed else 0)
