#!/usr/bin/env bash
# Configures and builds netrig (the binary and the test binary) into build/. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
if command -v ccache >/dev/null; then
  # Compiler command lines hold no clone-specific path (see orchestrator/util/build_paths.h.in), so
  # with paths made relative to the parent folder, clones of one machine share one cache.
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(dirname "$PWD")}" CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
ninja -C build
