#!/usr/bin/env bash
# The main job on a fresh Debian machine: install what netrig needs, build it, show what this host
# supports, then deploy, check and destroy the built-in default lab. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
bash ci/build.sh
./build/netrig doctor
./build/netrig test --junit build/default-junit.xml
