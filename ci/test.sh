#!/usr/bin/env bash
# The test suite on a fresh Debian machine: install what netrig needs, build, run every test
# (unit tests and, as root, integration tests against the real kernel). Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
bash ci/build.sh
cd build
ctest --output-on-failure --timeout 600
