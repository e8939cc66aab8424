#!/usr/bin/env bash
# netrig benchmark harness: netrig, Mininet (Debian's package, Python API) and two hand-written
# floors, side by side in one run, each measurement repeated; writes docs/PERFORMANCE.md.
#
#   sudo tests/bench/run.sh [--runs N] [--netrig PATH] [--out FILE] [--keep-work] [--no-profile] [--standin]
#
# --standin: in the first run also time the old stand-in for an all-pairs check (2,450 `ip netns exec
# ping` processes), with dynamic and with static ARP. It runs anyway if netrig has no pingall check.
#
# Scenarios: star of 50 and of 200 netns nodes on one bridge; a line of 50 bridges with a host at
# each end; an all-pairs ping of 50 nodes (2,450 pairs). Every run does every tool on every
# scenario, rotating the order of the tools from run to run; the report takes medians.
#
# Host safety: it only creates lab namespaces and devices with its own names (netrig labs bench*,
# floors bfl-* / bnl-* in their own interface groups, Mininet's sN / sN-ethM / hN), refuses to start
# if any of them already exists, and its trap removes only what this run created - netrig labs
# through `netrig destroy`, Mininet leftovers by the exact names and PIDs mininet_bench.py recorded.
# It never runs `mn`, `mn -c`, pkill or killall. All traffic stays inside the lab namespaces.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
runs=3
netrig=$repo/build-bench/netrig
out=$repo/docs/PERFORMANCE.md
keep_work=0
profile=1
standin=0
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --netrig) netrig=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --keep-work) keep_work=1; shift ;;
    --no-profile) profile=0; shift ;;
    --standin) standin=1; shift ;;
    -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

die() { echo "run.sh: $*" >&2; exit 3; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
((EUID == 0)) || die "needs root (network namespaces)"
[[ -x $netrig ]] || die "no netrig binary at $netrig; build it: cmake -S $repo -B $repo/build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C $repo/build-bench netrig"
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing: apt-get install time"
/usr/bin/python3 -c 'import mininet.net' 2>/dev/null || die "Debian's mininet package is missing: apt-get install mininet"
command -v brctl >/dev/null || die "brctl missing (Mininet's LinuxBridge needs it): apt-get install bridge-utils"

labs=(bench50 bench200 benchline50 benchping50)
# Refuse to start if anything with our names exists: we would not know it is not ours.
for lab in "${labs[@]}"; do
  if "$netrig" inspect "$lab" >/dev/null 2>&1; then die "a netrig lab named $lab is deployed; destroy it or run later"; fi
done
existing_ns=$(ip netns list | awk '{print $1}')
existing_dev=$(ls /sys/class/net)
if grep -qE '^(bench[a-z0-9]*|bfl|bnl)-' <<<"$existing_ns"; then die "namespaces bench*-, bfl-* or bnl-* exist"; fi
if grep -qE '^(s[0-9]+(-eth[0-9]+)?|bfl-.*|bnl-.*)$' <<<"$existing_dev"; then die "devices named sN, sN-ethM, bfl-* or bnl-* exist"; fi

work=$(mktemp -d /tmp/netrig-bench.XXXXXX)
results=$work/results.jsonl
: >"$results"
deployed=()     # netrig labs this run deployed and has not destroyed yet
floor_active=() # floor scripts that may have left something
bg_pids=()      # background processes this run started

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${bg_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for lab in "${deployed[@]}"; do
    "$netrig" inspect "$lab" >/dev/null 2>&1 || continue
    log "cleanup: netrig destroy $lab"
    "$netrig" destroy "$lab" >/dev/null 2>&1 || log "cleanup: netrig destroy $lab failed"
  done
  if [[ -e $work/mn.state ]]; then
    log "cleanup: Mininet leftovers recorded in $work/mn.state"
    /usr/bin/python3 "$here/mininet_bench.py" cleanup --state "$work/mn.state" >&2 || true
  fi
  for f in "${floor_active[@]}"; do
    case $f in
      ipbatch) "$here/ip_batch_floor.sh" cleanup >/dev/null 2>&1 || true ;;
      netlink) /usr/bin/python3 "$here/netlink_floor.py" cleanup >/dev/null 2>&1 || true ;;
    esac
  done
  if ((keep_work)) || ((rc != 0)); then log "work files kept in $work"; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ns() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", (b - a) / 1e9 }'; }
# record TOOL SCENARIO RUN JSON-OBJECT
record() { printf '{"tool": "%s", "scenario": "%s", "run": %s, "data": %s}\n' "$1" "$2" "$3" "$4" >>"$results"; }
json_str() { /usr/bin/python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }
remove_deployed() { local keep=() l; for l in "${deployed[@]}"; do [[ $l == "$1" ]] || keep+=("$l"); done; deployed=("${keep[@]}"); }
settle() { sleep "${1:-1}"; }  # lets the kernel finish freeing namespaces (it does that asynchronously)

# Topology files.
gen() { /usr/bin/python3 "$here/gen_topology.py" "$@"; }
gen star 50 --name bench50 -o "$work/star50.yaml"
gen star 200 --name bench200 -o "$work/star200.yaml"
gen line 50 --name benchline50 -o "$work/line50.yaml"
gen star 50 --name benchping50 --pingall -o "$work/ping50.yaml"
gen star 50 --name benchping50 --pingall --static-neighbors -o "$work/ping50s.yaml"
declare -A topo=([star50]=$work/star50.yaml [star200]=$work/star200.yaml [line50]=$work/line50.yaml)
declare -A lab=([star50]=bench50 [star200]=bench200 [line50]=benchline50)
declare -A shape=([star50]="star 50" [star200]="star 200" [line50]="line 50")

# netrig: deploy and destroy as the user runs them (whole process, wall clock), peak RSS of each.
bench_netrig() {  # scenario run
  local sc=$1 r=$2 t0 t1 t2 t3 err
  t0=$(now_ns)
  if ! /usr/bin/time -f '%M' -o "$work/rss.deploy" "$netrig" deploy "${topo[$sc]}" >"$work/netrig.out" 2>"$work/netrig.err"; then
    t1=$(now_ns)
    err=$(grep -m1 'error' "$work/netrig.err" || head -1 "$work/netrig.err")
    record netrig "$sc" "$r" "{\"error\": $(json_str "$err"), \"deploy_s\": $(secs "$t0" "$t1")}"
    log "netrig $sc: deploy failed: $err"
    if "$netrig" inspect "${lab[$sc]}" >/dev/null 2>&1; then "$netrig" destroy "${lab[$sc]}" >/dev/null 2>&1 || true; fi
    return 0
  fi
  t1=$(now_ns)
  deployed+=("${lab[$sc]}")
  local verified=null
  if [[ $sc == line50 ]]; then
    if ip netns exec benchline50-h1 ping -n -q -c1 -W3 10.0.0.2 >/dev/null 2>&1; then verified=true; else verified=false; fi
  else
    local n=${sc#star}
    if ip netns exec "${lab[$sc]}-h1" ping -n -q -c1 -W3 "10.0.$((n / 256)).$((n % 256))" >/dev/null 2>&1; then verified=true; else verified=false; fi
  fi
  t2=$(now_ns)
  /usr/bin/time -f '%M' -o "$work/rss.destroy" "$netrig" destroy "${lab[$sc]}" >/dev/null 2>"$work/netrig.err" || log "netrig destroy ${lab[$sc]} failed: $(cat "$work/netrig.err")"
  t3=$(now_ns)
  remove_deployed "${lab[$sc]}"
  record netrig "$sc" "$r" "{\"deploy_s\": $(secs "$t0" "$t1"), \"destroy_s\": $(secs "$t2" "$t3"), \"deploy_rss_kb\": $(tail -1 "$work/rss.deploy"), \"destroy_rss_kb\": $(tail -1 "$work/rss.destroy"), \"verified\": $verified}"
}

bench_mininet() {  # scenario run
  local sc=$1 r=$2 extra=() j
  [[ $sc == line50 ]] && extra=(--verify)
  j=$(/usr/bin/python3 "$here/mininet_bench.py" ${shape[$sc]} "${extra[@]}" --state "$work/mn.state" 2>"$work/mn.err") || log "mininet $sc failed: $(tail -3 "$work/mn.err")"
  if [[ -n $j ]]; then record mininet "$sc" "$r" "$j"; fi
}

bench_ipbatch() {
  local sc=$1 r=$2 j
  floor_active+=(ipbatch)
  j=$("$here/ip_batch_floor.sh" ${shape[$sc]} --verify 2>"$work/floor.err") || log "ip -batch floor $sc failed: $(cat "$work/floor.err")"
  if [[ -n $j ]]; then record ipbatch "$sc" "$r" "$j"; fi
}

bench_netlink() {
  local sc=$1 r=$2 j
  floor_active+=(netlink)
  j=$(/usr/bin/python3 "$here/netlink_floor.py" ${shape[$sc]} --verify 2>"$work/floor.err") || log "netlink floor $sc failed: $(cat "$work/floor.err")"
  if [[ -n $j ]]; then record netlink "$sc" "$r" "$j"; fi
}

arp_table_fulls() {  # sum of the per-CPU "table_fulls" counters of the (host-wide) ARP table
  local s=0 v
  for v in $(awk 'NR > 1 { print $NF }' /proc/net/stat/arp_cache); do s=$((s + 16#$v)); done
  echo "$s"
}

# The all-pairs stand-in: 2,450 `ping -c1` processes through `ip netns exec`, 50 at a time.
standin_pings() {  # run variant(dynamic|static)
  local r=$1 variant=$2 t0 t1 fails fulls0 fulls1
  local pairs=$work/pairs.txt
  : >"$pairs"
  for ((s = 1; s <= 50; s++)); do for ((d = 1; d <= 50; d++)); do ((s == d)) || echo "benchping50-h$s 10.0.0.$d" >>"$pairs"; done; done
  if [[ $variant == static ]]; then
    # Mininet's autoStaticArp, by hand: permanent neighbour entries inside each lab namespace (untimed).
    for ((i = 1; i <= 50; i++)); do
      echo "10.0.0.$i $(ip -n "benchping50-h$i" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)"
    done >"$work/macs.txt"
    for ((i = 1; i <= 50; i++)); do
      awk -v me="10.0.0.$i" '$1 != me { print "neigh replace " $1 " lladdr " $2 " dev eth0 nud permanent" }' "$work/macs.txt" |
        ip -n "benchping50-h$i" -batch -
    done
  fi
  fulls0=$(arp_table_fulls)
  t0=$(now_ns)
  fails=$(xargs -P 50 -L1 sh -c 'ip netns exec "$0" ping -n -q -c1 -W1 "$1" >/dev/null 2>&1 || echo x' <"$pairs" | wc -l)
  t1=$(now_ns)
  fulls1=$(arp_table_fulls)
  record standin "ping50-$variant" "$r" "{\"pingall_s\": $(secs "$t0" "$t1"), \"pairs\": 2450, \"failed_pairs\": $fails, \"arp_table_fulls\": $((fulls1 - fulls0))}"
}

# netrig's built-in all-pairs check: a `pingall:` test run by `netrig test`; the check's own duration
# comes from --json-report.
netrig_pingall() {  # file scenario run
  local file=$1 sc=$2 r=$3 j t0 t1 rc=0 fulls0 fulls1
  deployed+=(benchping50)  # `netrig test` destroys it itself; this is for an interrupted run
  fulls0=$(arp_table_fulls)
  t0=$(now_ns)
  /usr/bin/time -f '%M' -o "$work/rss.test" "$netrig" test "$file" --json-report "$work/test.json" >"$work/test.out" 2>&1 || rc=$?
  t1=$(now_ns)
  fulls1=$(arp_table_fulls)
  if [[ -s $work/test.json ]]; then
    j=$(/usr/bin/python3 - "$work/test.json" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1]))
res = [r for r in d.get("checks", []) if r.get("type") == "pingall"]
r = res[0] if res else {}
print(json.dumps({"status": r.get("status", "missing"), "pingall_s": r.get("seconds"), "message": r.get("message", "")[:400],
                  "deploy_s": d.get("timings", {}).get("deploy"), "destroy_s": d.get("timings", {}).get("destroy")}))
EOF2
)
  else
    j="{\"status\": \"error\", \"message\": $(json_str "$(tail -2 "$work/test.out")")}"
  fi
  rm -f "$work/test.json"
  j=${j%\}}", \"exit_code\": $rc, \"wall_s\": $(secs "$t0" "$t1"), \"rss_kb\": $(tail -1 "$work/rss.test"), \"arp_table_fulls\": $((fulls1 - fulls0))}"
  record netrig-pingall "$sc" "$r" "$j"
  if "$netrig" inspect benchping50 >/dev/null 2>&1; then "$netrig" destroy benchping50 >/dev/null 2>&1 || true; fi
  remove_deployed benchping50
}

bench_pingall() {  # run
  local r=$1 j have_pingall=0
  # Mininet: net.pingAll() on SingleSwitchTopo(50).
  j=$(/usr/bin/python3 "$here/mininet_bench.py" star 50 --pingall --state "$work/mn.state" 2>"$work/mn.err") || log "mininet pingall failed: $(tail -3 "$work/mn.err")"
  if [[ -n $j ]]; then record mininet ping50 "$r" "$j"; fi
  settle 6  # let the ARP entries of the previous measurement age out (see PERFORMANCE.md)

  # netrig's `pingall:` check, used whenever this netrig accepts it: with `settings: {static_neighbors:
  # true}` every run (the way to run it at this size), and with default dynamic ARP in the first run.
  if "$netrig" validate "$work/ping50s.yaml" >/dev/null 2>&1; then
    have_pingall=1
    netrig_pingall "$work/ping50s.yaml" ping50-static "$r"
    settle
    if ((r == 1)); then
      netrig_pingall "$work/ping50.yaml" ping50-dynamic "$r"
      settle 6
    fi
  elif "$netrig" validate "$work/ping50.yaml" >/dev/null 2>&1; then
    have_pingall=1
    netrig_pingall "$work/ping50.yaml" ping50-dynamic "$r"
    settle 6
  fi

  # Stand-in from before netrig had a pingall check: deploy with netrig, then 2,450 ping processes.
  # Runs when this netrig has no pingall check, or once with --standin for comparison.
  if ((!have_pingall)) || ((standin && r == 1)); then
    for variant in dynamic static; do
      "$netrig" deploy "$work/ping50.yaml" >/dev/null 2>"$work/netrig.err" || { log "stand-in deploy failed: $(cat "$work/netrig.err")"; continue; }
      deployed+=(benchping50)
      standin_pings "$r" "$variant"
      "$netrig" destroy benchping50 >/dev/null
      remove_deployed benchping50
      settle 6
    done
  fi
}

tools=(netrig mininet ipbatch netlink)
log "work dir $work; $runs runs; netrig $("$netrig" --version 2>/dev/null || echo '?')"
for ((r = 1; r <= runs; r++)); do
  # Rotate the order so no tool always runs first (or right after a slow teardown).
  order=("${tools[@]:$(((r - 1) % 4))}" "${tools[@]:0:$(((r - 1) % 4))}")
  for sc in star50 star200 line50; do
    for t in "${order[@]}"; do
      log "run $r/$runs: $t $sc"
      "bench_$t" "$sc" "$r"
      settle
    done
  done
  log "run $r/$runs: all-pairs ping of 50 nodes"
  bench_pingall "$r"
done

# Where netrig's time goes: extra, untimed deploys + destroys of N = 200, once under `perf record`
# (CPU: kernel vs netrig's own code, and which kernel paths) and once under `strace -c` (call counts).
if ((profile)); then
  if command -v perf >/dev/null; then
    log "profile: perf record of netrig deploy/destroy at N = 200"
    for phase in deploy destroy; do
      if [[ $phase == deploy ]]; then cmd=(deploy "$work/star200.yaml"); else cmd=(destroy bench200); fi
      if perf record -q -F 1999 -g -o "$work/perf.$phase.data" "$netrig" "${cmd[@]}" >/dev/null 2>"$work/perf.err"; then
        [[ $phase == deploy ]] && deployed+=(bench200)
        [[ $phase == destroy ]] && remove_deployed bench200
        perf report -i "$work/perf.$phase.data" --no-children --sort dso -g none --stdio >"$work/perf.$phase.dso" 2>/dev/null || true
        perf report -i "$work/perf.$phase.data" --children --sort sym -g none --stdio >"$work/perf.$phase.sym" 2>/dev/null || true
      else
        log "perf record failed: $(tail -1 "$work/perf.err")"
        if [[ $phase == deploy ]] && "$netrig" inspect bench200 >/dev/null 2>&1; then deployed+=(bench200); fi
      fi
    done
    if "$netrig" inspect bench200 >/dev/null 2>&1; then "$netrig" destroy bench200 >/dev/null; fi
    remove_deployed bench200
    settle
  fi
  if command -v strace >/dev/null; then
    log "profile: strace -c -f -w of netrig deploy/destroy at N = 200"
    if strace -f -w -c -o "$work/strace.deploy" "$netrig" deploy "$work/star200.yaml" >/dev/null 2>&1; then
      deployed+=(bench200)
      strace -f -w -c -o "$work/strace.destroy" "$netrig" destroy bench200 >/dev/null 2>&1 || true
    fi
    if "$netrig" inspect bench200 >/dev/null 2>&1; then "$netrig" destroy bench200 >/dev/null; fi
    remove_deployed bench200
  fi
fi

# Machine facts for the report.
{
  echo "{\"nproc\": $(nproc), \"kernel\": $(json_str "$(uname -r)"), \"date\": $(json_str "$(date -u '+%Y-%m-%d %H:%M UTC')"),"
  echo " \"cpu\": $(json_str "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"),"
  echo " \"mem\": $(json_str "$(free -h | awk '/^Mem:/ {print $2}')"),"
  echo " \"loadavg\": $(json_str "$(cut -d' ' -f1-3 /proc/loadavg)"),"
  echo " \"netrig_version\": $(json_str "$("$netrig" --version 2>/dev/null)"), \"netrig_commit\": $(json_str "$(git -C "$repo" rev-parse --short HEAD 2>/dev/null)"),"
  echo " \"netrig_dirty\": $(json_str "$(git -C "$repo" status --porcelain -- orchestrator 2>/dev/null | wc -l)"),"
  echo " \"mininet\": $(json_str "$(dpkg-query -W -f='${Version}' mininet 2>/dev/null)"), \"iproute2\": $(json_str "$(ip -V | sed 's/.*iproute2-//; s/,.*//')"),"
  echo " \"python\": $(json_str "$(/usr/bin/python3 -V 2>&1)"), \"gc_thresh3\": $(cat /proc/sys/net/ipv4/neigh/default/gc_thresh3), \"runs\": $runs}"
} >"$work/machine.json"

/usr/bin/python3 "$here/report.py" --results "$results" --machine "$work/machine.json" \
  --strace-deploy "$work/strace.deploy" --strace-destroy "$work/strace.destroy" --perf-dir "$work" -o "$out"
cp "$results" "$here/last-results.jsonl"
log "wrote $out (raw figures in tests/bench/last-results.jsonl)"
