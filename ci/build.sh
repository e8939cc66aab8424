#!/usr/bin/env bash
# Configures and builds netrig (the binary and the test binary) into build/. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build
