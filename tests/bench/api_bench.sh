#!/usr/bin/env bash
# wrk against `netrig serve`: GET /api/v1/labs/{lab} of a deployed 50-node lab for 10 s while a
# check run streams events to an SSE client, and, in the same run, the same body served as a static
# file by busybox httpd (Debian's busybox; a process per request, so a reference point, not a
# floor). Prints one markdown table; docs/PERFORMANCE.md keeps the latest. Run as root, under the
# lab lock: flock /tmp/netrig-lab.lock tests/bench/api_bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
netrig=${NETRIG:-build/netrig}
nodes=${NODES:-50}
seconds=${SECONDS_PER_RUN:-10}
command -v wrk >/dev/null || { echo "api_bench: SKIPPED: wrk not installed (Debian package wrk)"; exit 0; }
work=$(mktemp -d)
lab="apibench$$"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$netrig" destroy "$lab" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
python3 tests/bench/gen_topology.py star "$nodes" --pingall --static-neighbors -o "$work/lab.yaml"
"$netrig" deploy "$work/lab.yaml" --name "$lab" >/dev/null
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/token"
chmod 600 "$work/token"
"$netrig" serve --listen 127.0.0.1:0 --threads 24 --token-file "$work/token" --jobs-dir "$work/jobs" >"$work/serve.out" 2>&1 &
serve_pid=$!
pids+=("$serve_pid")
for _ in $(seq 100); do grep -q 'netrig serve: http' "$work/serve.out" && break; sleep 0.1; done
port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$work/serve.out" | head -1)
url="http://127.0.0.1:$port/api/v1/labs/$lab"
curl -sf "$url" >"$work/body.json"
# The floor: busybox httpd with the same bytes as a file.
mkdir -p "$work/www"
cp "$work/body.json" "$work/www/lab.json"
busybox httpd -f -p 127.0.0.1:0 -h "$work/www" >/dev/null 2>&1 &
# busybox cannot print a kernel-chosen port: pick one that is free now.
floor_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
kill $! 2>/dev/null || true
busybox httpd -f -p "127.0.0.1:$floor_port" -h "$work/www" &
pids+=("$!")
sleep 0.3
# Events flowing during the run: an SSE client, and check runs started one after another.
curl -sN "http://127.0.0.1:$port/api/v1/events" >"$work/events.txt" &
pids+=("$!")
# CHECKS=0 leaves the check runs out (to tell their cost from serve's).
[[ ${CHECKS:-1} == 0 ]] || (
  while [[ -d $work ]]; do
    curl -s -H "Authorization: Bearer $(cat "$work/token")" -H "Content-Type: application/json" -d "{}" "$url/checks" >>"$work/posts.txt"
    sleep 1
  done 2>/dev/null
) &
pids+=("$!")
touch "$work/posts.txt"
run_wrk() { wrk -t2 -c16 -d"${seconds}s" --latency "$1" 2>&1; }
netrig_out=$(run_wrk "$url")
floor_out=$(run_wrk "http://127.0.0.1:$floor_port/lab.json")
rss_kb=$(awk '/VmRSS/{print $2}' "/proc/$serve_pid/status")
events=$(grep -c "^id: " "$work/events.txt" || true); jobs=$(grep -c "\"job\"" "$work/posts.txt" || true)
field() {  # field "<wrk output>" what
  case $2 in
    rps) sed -n 's/^Requests\/sec: *//p' <<<"$1" ;;
    p50) awk '$1=="50%"{print $2}' <<<"$1" ;;
    p99) awk '$1=="99%"{print $2}' <<<"$1" ;;
    errors) { grep -E 'Socket errors|Non-2xx' <<<"$1" || echo none; } | tr '\n' ' ' ;;
  esac
}
echo "| server | requests/s | p50 | p99 | errors |"
echo "|---|---|---|---|---|"
echo "| netrig serve, GET /api/v1/labs/{lab} ($nodes nodes, $(wc -c <"$work/body.json") bytes) | $(field "$netrig_out" rps) | $(field "$netrig_out" p50) | $(field "$netrig_out" p99) | $(field "$netrig_out" errors) |"
echo "| busybox httpd (a process per request), the same bytes as a static file | $(field "$floor_out" rps) | $(field "$floor_out" p50) | $(field "$floor_out" p99) | $(field "$floor_out" errors) |"
echo
echo "serve RSS after the run: $((rss_kb / 1024)) MiB; events streamed to the SSE client during the run: $events (check jobs started: $jobs);" \
  "wrk -t2 -c16 -d${seconds}s; load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)"
