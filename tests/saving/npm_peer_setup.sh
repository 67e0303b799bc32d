#!/usr/bin/env bash
# Installs an npm peer of tests/saving (tfjs/ or onnx/: package.json + package-lock.json) into
# <dest>/node_modules with `npm ci`, and does nothing when it is there already for that lockfile.
# Usage: npm_peer_setup.sh <peer folder> <dest> <package the peer needs>
#   (the ctest entries saving.tfjs_peer_setup and saving.onnx_peer_setup, and .ci/deps-test)
set -euo pipefail
peer="$(cd "${1:?usage: npm_peer_setup.sh <peer folder> <dest> <package>}" && pwd)"
dest="${2:?usage: npm_peer_setup.sh <peer folder> <dest> <package>}"
package="${3:?usage: npm_peer_setup.sh <peer folder> <dest> <package>}"
name="$(basename "$peer") peer"
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  echo "$name: node and npm are not installed (run .ci/deps-test)" >&2
  exit 1
fi
mkdir -p "$dest"
stamp="$dest/node_modules/.loom-lock.sha256"
want="$(sha256sum "$peer/package-lock.json" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$dest/node_modules/$package/package.json" ]; then
  exit 0
fi
cp "$peer/package.json" "$peer/package-lock.json" "$dest/"
echo "$name: npm ci into $dest ($package, as pinned by $peer/package-lock.json)"
if ! (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error); then
  echo "$name: npm ci failed; is the npm registry reachable? (npm config get registry: $(npm config get registry))" >&2
  exit 1
fi
echo "$want" > "$stamp"
