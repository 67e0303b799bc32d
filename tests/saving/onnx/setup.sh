#!/usr/bin/env bash
# Installs the ONNX Runtime peer of tests/saving (package.json + package-lock.json beside this
# script) into <dest>/node_modules with `npm ci`, and does nothing when it is there already for this
# lockfile. Usage: setup.sh <dest>  (CMake's ctest entry saving.onnx_peer_setup passes <build>/onnx).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="${1:?usage: setup.sh <dest folder, e.g. build/onnx>}"
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  echo "onnx peer: node and npm are not installed (run .ci/deps-test)" >&2
  exit 1
fi
mkdir -p "$dest"
stamp="$dest/node_modules/.loom-lock.sha256"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$dest/node_modules/onnxruntime-web/package.json" ]; then
  exit 0
fi
cp "$here/package.json" "$here/package-lock.json" "$dest/"
echo "onnx peer: npm ci into $dest (onnxruntime-web 1.30.0)"
if ! (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error); then
  echo "onnx peer: npm ci failed; is the npm registry reachable? (npm config get registry: $(npm config get registry))" >&2
  exit 1
fi
echo "$want" > "$stamp"
