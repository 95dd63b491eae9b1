#!/usr/bin/env bash
# Installs everything Graft needs on a fresh Debian machine, then builds it:
#   - Debian packages: libdnnl-dev (native oneDNN kernels), chromium (report check in tests);
#     with --bench also python3-torch (the benchmark peer).
#   - npm packages (npm ci), then the TypeScript compiled (npm run build).
#   - the native kernels (scripts/build-native.mjs, also the package's install script, which npm ci
#     runs; skipped with a message where oneDNN is absent).
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=()
dpkg -s libdnnl-dev >/dev/null 2>&1 || pkgs+=(libdnnl-dev)
# h5py: the independent reader of the Keras 3 tests (scripts/keras-listing.py)
dpkg -s python3-h5py >/dev/null 2>&1 || pkgs+=(python3-h5py)
command -v chromium >/dev/null 2>&1 || pkgs+=(chromium)
if [ "${1:-}" = "--bench" ]; then
  # the peer: Debian torch, with OpenBLAS behind libblas.so.3 (the reference BLAS is ~6x slower)
  dpkg -s python3-torch >/dev/null 2>&1 || pkgs+=(python3-torch)
  dpkg -s libopenblas-dev >/dev/null 2>&1 || pkgs+=(libopenblas-dev)
fi
if [ ${#pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: apt-get install ${pkgs[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
  else
    echo "setup: missing Debian packages ${pkgs[*]}; install them with: sudo apt-get install -y ${pkgs[*]}" >&2
  fi
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
node scripts/build-native.mjs --if-needed || echo "setup: native kernels not built; Graft runs on the wasm path (see graft doctor)" >&2
