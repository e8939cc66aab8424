#!/usr/bin/env bash
# Builds the loader's fuzz target with clang and runs it for SECONDS (default 60) over the corpus
# in tests/fuzz/corpus (new inputs go to build/fuzz/new-corpus, not into the tree). Exit 0 when
# no crash, leak, hang (-timeout 5 s per input) or memory blow-up (-rss_limit_mb) was found.
#   tests/fuzz/run.sh [SECONDS] [BUILD_DIR]
set -euo pipefail
seconds=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${2:-$root/build/fuzz}
if ! command -v clang++ >/dev/null; then
  echo "SKIPPED: clang++ is not installed (apt-get install clang libclang-rt-14-dev)"
  exit 77
fi
cmake -S "$root/tests/fuzz" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ >/dev/null
ninja -C "$out" parse_topology_fuzz >/dev/null
mkdir -p "$out/new-corpus" "$out/artifacts"
cd "$out"
exec ./parse_topology_fuzz -max_total_time="$seconds" -timeout=5 -rss_limit_mb=1024 -max_len=4096 \
  -dict="$root/tests/fuzz/topology.dict" -artifact_prefix="$out/artifacts/" -print_final_stats=1 \
  "$out/new-corpus" "$root/tests/fuzz/corpus"
