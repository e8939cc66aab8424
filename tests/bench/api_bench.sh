#!/usr/bin/env bash
# wrk against `netrig serve` (issue 13): GET /api/v1/labs/{lab} of a deployed 50-node lab for 10 s
# while a check run streams events to an SSE client, RUNS times, and in each run the same body
# served as a static file by busybox httpd (Debian's busybox; a process per request, so a reference
# point, not a floor). serve runs with its defaults (no --threads). Writes its section of
# docs/PERFORMANCE.md (between the api-bench markers; OUT=FILE elsewhere, OUT= not at all) and
# appends the raw figures to tests/bench/last-api-results.jsonl. Run as root, under the lab lock:
#
#   sudo flock -o /tmp/netrig-lab.lock tests/bench/api_bench.sh
#
# Environment: RUNS (3), QUIET_RUNS (2: runs after those with the check runs stopped, the same
# serve: what the streaming costs), NODES (50), SECONDS_PER_RUN (10), CHECKS=0 (no check runs at
# all), NETRIG (build/netrig), SERVE_ARGS (more serve options), OUT (docs/PERFORMANCE.md), RESULTS
# (tests/bench/last-api-results.jsonl).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
netrig=${NETRIG:-build/netrig}
nodes=${NODES:-50}
seconds=${SECONDS_PER_RUN:-10}
runs=${RUNS:-3}
checks=${CHECKS:-1}
out=${OUT-docs/PERFORMANCE.md}
results=${RESULTS:-tests/bench/last-api-results.jsonl}
read -ra serve_args <<<"${SERVE_ARGS:-}"
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
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
python3 tests/bench/gen_topology.py star "$nodes" --pingall --static-neighbors -o "$work/lab.yaml"
"$netrig" deploy "$work/lab.yaml" --name "$lab" >/dev/null
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/token"
chmod 600 "$work/token"
"$netrig" serve --listen 127.0.0.1:0 "${serve_args[@]}" --token-file "$work/token" --jobs-dir "$work/jobs" >"$work/serve.out" 2>&1 &
serve_pid=$!
pids+=("$serve_pid")
for _ in $(seq 100); do grep -q 'netrig serve: http' "$work/serve.out" && break; sleep 0.1; done
port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$work/serve.out" | head -1)
url="http://127.0.0.1:$port/api/v1/labs/$lab"
curl -sf "$url" >"$work/body.json"
# The reference: busybox httpd with the same bytes as a file.
mkdir -p "$work/www"
cp "$work/body.json" "$work/www/lab.json"
# busybox cannot print a kernel-chosen port: pick one that is free now.
floor_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
busybox httpd -f -p "127.0.0.1:$floor_port" -h "$work/www" &
pids+=("$!")
sleep 0.3
# Events flowing during the runs: an SSE client, and check runs started one after another.
curl -sN "http://127.0.0.1:$port/api/v1/events" >"$work/events.txt" &
pids+=("$!")
touch "$work/posts.txt"
[[ $checks == 0 ]] || (
  while [[ -d $work && ! -e $work/stop-checks ]]; do
    curl -s -H "Authorization: Bearer $(cat "$work/token")" -H "Content-Type: application/json" -d "{}" "$url/checks" >>"$work/posts.txt"
    sleep 1
  done 2>/dev/null
) &
pids+=("$!")
run_wrk() { wrk -t2 -c16 -d"${seconds}s" --latency "$1" 2>&1; }
field() {  # field "<wrk output>" what
  case $2 in
    rps) sed -n 's/^Requests\/sec: *//p' <<<"$1" ;;
    p50) awk '$1=="50%"{print $2}' <<<"$1" ;;
    p99) awk '$1=="99%"{print $2}' <<<"$1" ;;
    errors) { grep -E 'Socket errors|Non-2xx' <<<"$1" || echo none; } | tr '\n' ' ' | sed 's/ *$//' ;;
  esac
}
commit=$(git rev-parse --short HEAD)
invocation=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
bytes=$(wc -c <"$work/body.json")
sleep 1  # the first check job is running
quiet_runs=${QUIET_RUNS:-2}
[[ $checks != 0 ]] || quiet_runs=0
for run in $(seq "$((runs + quiet_runs))"); do
  if ((run == runs + 1)); then
    # The same serve with no check run: what the checks' streaming costs.
    touch "$work/stop-checks"
    for _ in $(seq 600); do
      [[ $(curl -s "http://127.0.0.1:$port/api/v1/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs_running"])') == 0 ]] && break
      sleep 0.1
    done
    checks=0
  fi
  events0=$(grep -c "^id: " "$work/events.txt" || true)
  jobs0=$({ grep -o "\"job\":{" "$work/posts.txt" || true; } | wc -l)
  n=$(run_wrk "$url")
  events=$(($(grep -c "^id: " "$work/events.txt" || true) - events0))
  jobs=$(($({ grep -o "\"job\":{" "$work/posts.txt" || true; } | wc -l) - jobs0))
  load_n=$(cut -d' ' -f1 /proc/loadavg)
  rss_kb=$(awk '/VmRSS/{print $2}' "/proc/$serve_pid/status")
  threads=$(awk '/Threads/{print $2}' "/proc/$serve_pid/status")
  f=$(run_wrk "http://127.0.0.1:$floor_port/lab.json")
  INVOCATION=$invocation python3 - "$run" "$nodes" "$bytes" "$seconds" "$checks" "$events" "$jobs" "$load_n" "$rss_kb" "$threads" "$commit" \
    "$(field "$n" rps)" "$(field "$n" p50)" "$(field "$n" p99)" "$(field "$n" errors)" \
    "$(field "$f" rps)" "$(field "$f" p50)" "$(field "$f" p99)" "$(field "$f" errors)" <<'PY' | tee -a "$work/results.jsonl"
import json, os, sys, time
a = sys.argv[1:]
def ms(v):  # wrk prints 312.00us, 1.56ms, 1.02s
    for unit, k in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if v.endswith(unit):
            return round(float(v[: -len(unit)]) * k, 3)
    return None
print(json.dumps({"invocation": os.environ["INVOCATION"], "run": int(a[0]), "nodes": int(a[1]), "bytes": int(a[2]), "seconds": int(a[3]), "checks": a[4] != "0",
                  "events": int(a[5]), "jobs": int(a[6]), "load1": float(a[7]), "rss_mib": round(int(a[8]) / 1024, 1),
                  "serve_threads": int(a[9]), "commit": a[10], "time": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                  "serve": {"rps": float(a[11] or 0), "p50_ms": ms(a[12]), "p99_ms": ms(a[13]), "errors": a[14]},
                  "busybox": {"rps": float(a[15] or 0), "p50_ms": ms(a[16]), "p99_ms": ms(a[17]), "errors": a[18]}}))
PY
done
cat "$work/results.jsonl" >>"$results"
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
[[ -n $out ]] || exit 0
python3 - "$work/results.jsonl" "$out" "$load_start" "$load_end" "$results" <<'PY'
import json, re, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
out, load0, load1, raw = sys.argv[2:]
history = [json.loads(l) for l in open(raw) if l.strip()]
r0 = rows[0]
k = lambda v: f"{v:,.0f}"
m = lambda v: "—" if v is None else f"{v:.2f} ms"
lines = ["<!-- api-bench start -->", "## HTTP status API under load (tests/bench/api_bench.sh)", "",
         f"`wrk -t2 -c16 -d{r0['seconds']}s --latency` against `GET /api/v1/labs/{{lab}}` of a deployed {r0['nodes']}-node "
         f"star lab (`gen_topology.py star {r0['nodes']} --pingall --static-neighbors`, a {r0['bytes']:,}-byte answer), "
         "while an SSE client follows `/api/v1/events` and checks jobs (the lab's pingall) run one after another "
         "through `POST /api/v1/labs/{lab}/checks`; after each, the same bytes served as a static file by busybox "
         "httpd (a process per request: a reference point on this machine, not a floor). serve with its defaults "
         "(8 workers kept ready, more started whenever a connection finds none idle: api/worker_pool.h; no "
         "`--threads`). GET /labs/{lab} sends the body its snapshot thread serialized at the last refresh (every "
         "second), shared, not copied: no netlink, no file, no JSON work per request.", "",
         f"Generated on {r0['time']} at commit {r0['commit']}, {len(rows)} runs one after another under the lab lock; "
         f"load average (1/5/15 min; 2 cores shared with other engineers' builds and tests, and this benchmark's own "
         f"wrk, serve and check jobs) {load0} at the start, {load1} at the end.", "",
         "| run | load (1 min) at its end | check runs streaming | requests/s | p50 | p99 | errors | serve RSS | serve threads |",
         "|---|--:|---|--:|--:|--:|---|--:|--:|"]
for r in rows:
    s = r["serve"]
    streaming = f"yes ({r['events']} events, {r['jobs']} jobs started)" if r["checks"] else f"no ({r['events']} events)"
    lines.append(f"| {r['run']} | {r['load1']:.2f} | {streaming} | {k(s['rps'])} | {m(s['p50_ms'])} | {m(s['p99_ms'])} | "
                 f"{s['errors']} | {r['rss_mib']:.0f} MiB | {r['serve_threads']} |")
bb = [r["busybox"] for r in rows]
lines += ["", f"busybox httpd with the same bytes, in the same runs: {k(min(b['rps'] for b in bb))}-{k(max(b['rps'] for b in bb))} "
          f"requests/s, p50 {m(min(b['p50_ms'] for b in bb))}-{m(max(b['p50_ms'] for b in bb))}, "
          f"p99 {m(min(b['p99_ms'] for b in bb))}-{m(max(b['p99_ms'] for b in bb))}, errors: "
          f"{', '.join(sorted(set(b['errors'] for b in bb)))}.", ""]
streamed = [r for r in rows if r["checks"]] or rows
quiet = [r for r in rows if not r["checks"]]
p99 = [r["serve"]["p99_ms"] for r in streamed]
rps = [r["serve"]["rps"] for r in streamed]
errs = [r["serve"]["errors"] for r in streamed]
ok_p99 = [v is not None and v < 5 for v in p99]
verdict = lambda ok: "**met**" if all(ok) else ("**missed**" if not any(ok) else f"**met in {sum(ok)} of {len(ok)} runs**")
lines += [f"Target from issue 13: ≥ 10,000 requests/s, p99 < 5 ms, zero errors while a check run streams events. "
          f"Throughput ({k(min(rps))}-{k(max(rps))} requests/s): {verdict([v >= 10000 for v in rps])}; "
          f"p99 ({m(min(p99))}-{m(max(p99))}): {verdict(ok_p99)}; errors: {verdict([e == 'none' for e in errs])}."
          + (" No run had a check run streaming (`CHECKS=0`): the target is not measured." if not any(r["checks"] for r in rows) else ""), ""]
if quiet and any(r["checks"] for r in rows):
    q99 = [r["serve"]["p99_ms"] for r in quiet]
    lines += [f"The same serve after the check runs were stopped ({len(quiet)} runs): {k(min(r['serve']['rps'] for r in quiet))}-"
              f"{k(max(r['serve']['rps'] for r in quiet))} requests/s, p99 {m(min(q99))}-{m(max(q99))}. The p50 stays "
              f"at {m(min(r['serve']['p50_ms'] for r in rows))}-{m(max(r['serve']['p50_ms'] for r in rows))} throughout; "
              "the p99 moves with the load of the moment (2 cores; other engineers' compilers were most of it).", ""]
# The last other invocations in the raw file: one invocation's luck is not the figure.
others = {}
for h in history:
    if h.get("invocation") and h["invocation"] != r0.get("invocation") and h["checks"]:
        others.setdefault(h["invocation"], []).append(h)
others = dict(sorted(others.items())[-4:])
if others:
    parts = []
    for inv, hs in sorted(others.items()):
        v = [h["serve"]["p99_ms"] for h in hs]
        parts.append(f"{inv[:16]} UTC at {hs[0]['commit']}: {len(hs)} runs at load {min(h['load1'] for h in hs):.1f}-{max(h['load1'] for h in hs):.1f}, "
                     f"{k(min(h['serve']['rps'] for h in hs))}-{k(max(h['serve']['rps'] for h in hs))} requests/s, "
                     f"p99 {m(min(v))}-{m(max(v))} ({sum(x < 5 for x in v)} of {len(v)} under 5 ms)")
    lines += [f"Earlier invocations with check runs streaming (raw figures in "
              f"tests/bench/last-api-results.jsonl): " + "; ".join(parts) + ". Read the verdict with the load.", ""]
lines += [
          "serve's RSS grows with the check jobs it keeps (each job's record holds its JSON report); it stays flat "
          "over runs without them (24.5-24.7 MiB over three 5 s `CHECKS=0` runs on 2026-12-08).", "",
          "Side by side (2026-12-08 01:12-01:17 UTC, load 7.6-15.3, four invocations of 2 runs with check runs "
          "streaming, alternating): commit 5155a80's serve with `--threads 24` (fixed pool, body copied per GET, "
          "regex gate) 14,770-18,349 requests/s, p50 0.52-0.62 ms, p99 2.68-4.67 ms; this serve with its defaults "
          "18,012-18,592 requests/s, p50 0.46-0.53 ms, p99 2.48-4.01 ms and one run at 10.22 ms. So neither the "
          "throughput (overlapping, this one a little higher) nor the p99 of the hot-path changes is something this "
          "loaded machine tells apart from its noise; what changes is that the defaults work (no `--threads`).", "",
          "Before (2026-12-07 16:48 UTC, commit 3ae9d47, five runs at load 13-20): a fixed pool that needed "
          "`--threads 24` (each SSE client holds a worker; with the default 16 and 16 wrk connections one connection "
          "starved), and each GET copied the body and looked the lab's state directory up: 28,317-38,663 requests/s, "
          "p50 0.26-0.38 ms, p99 5.80-11.45 ms with a check run streaming (4.78 ms without one), no errors, 28 MiB. "
          "Earlier still, before TCP_NODELAY: 347 requests/s with p50 44 ms (a ~30 KB answer's last segment waited "
          "for the client's delayed ACK).",
          "<!-- api-bench end -->"]
section = "\n".join(lines)
text = open(out).read()
pat = re.compile(r"<!-- api-bench start -->.*?<!-- api-bench end -->", re.S)
if pat.search(text):
    text = pat.sub(lambda _: section, text)
else:
    # The hand-written section this one replaces, if it is still there.
    old = re.compile(r"## HTTP status API under load \(tests/bench/api_bench\.sh\).*?(?=\n<!-- |\n## |\Z)", re.S)
    text = old.sub(lambda _: section, text, count=1) if old.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(out, "w").write(text)
print(section)
PY
