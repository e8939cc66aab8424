#!/usr/bin/env bash
# Hosts-and-tunnels benchmark (issue 16): a mesh of N namespace hosts (default 8), each with its own
# Open vSwitch (ovsdb-server + ovs-vswitchd, userspace datapath here), x T tenants (4) x K nodes per
# tenant per host (2), a full VXLAN mesh with lecture28-vxlan.yaml's flow tables
# (`gen_topology.py hosts N`). Measures, side by side in one run and alternating which goes first:
#   - netrig deploy / destroy wall clock against a hand-scripted bash peer of the same lab
#     (tests/bench/hosts_peer.sh: ip -batch, per-host ovsdb-tool + ovsdb-server + ovs-vswitchd,
#     the same ovs-vsctl / ovs-ofctl content, teardown by its own PIDs), at every --sizes host count
#     (default 2 4 8), so the cost per added host comes from a fit;
#   - at N hosts, a steady-state ping across the overlay (h1t1n1 on hv1 -> hNt1n1 on hvN, after a
#     warm-up) and a cross-tenant ping (h1t1n1 -> hNt2n1) that must fail;
#   - after every run, that nothing is left: no namespace, no daemon PID, no /run/netrig entry.
# Then (unless --no-diag) one untimed netrig deploy with its step lines time-stamped and one under
# `strace -f -b execve -c`, to say where the time goes. Writes its section of docs/PERFORMANCE.md (between the
# hosts-bench markers) and appends the raw figures to tests/bench/last-hosts-results.jsonl.
#
#   sudo flock -o /tmp/netrig-lab.lock tests/bench/hosts_bench.sh [--runs 3] [--hosts 8] [--sizes "2 4 8"]
#        [--tenants 4] [--per-tenant 2] [--pings 50] [--netrig PATH] [--out FILE] [--no-diag]
#
# Host safety: netrig labs benchhosts<N> (destroyed with `netrig destroy`), peer namespaces bhp<N>-*
# with their files in a temporary directory (torn down by hosts_peer.sh by the PIDs it recorded).
# It refuses to start when any of them exists. Never pkill/killall; all traffic stays in the lab.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
runs=3
hosts=8
sizes=""
tenants=4
per=2
pings=50
netrig=$repo/build/netrig
out=$repo/docs/PERFORMANCE.md
diag=1
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --hosts) hosts=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --tenants) tenants=$2; shift 2 ;;
    --per-tenant) per=$2; shift 2 ;;
    --pings) pings=$2; shift 2 ;;
    --netrig) netrig=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-diag) diag=0; shift ;;
    -h | --help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "hosts_bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $sizes ]] || sizes="2 4 $hosts"
read -r -a size_list <<<"$sizes"
[[ " $sizes " == *" $hosts "* ]] || size_list+=("$hosts")
mapfile -t size_list < <(printf '%s\n' "${size_list[@]}" | sort -n -u)

die() { echo "hosts_bench.sh: $*" >&2; exit 3; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
((EUID == 0)) || die "needs root"
[[ -x $netrig ]] || die "no netrig binary at $netrig (bash ci/build.sh)"
for t in ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovs-ofctl nsenter ip ping; do
  command -v "$t" >/dev/null || die "$t missing"
done
((tenants >= 2)) || die "--tenants must be 2 or more (the cross-tenant ping needs tenant 2)"

state_root=${NETRIG_STATE_DIR:-/run/netrig}
for n in "${size_list[@]}"; do
  "$netrig" inspect "benchhosts$n" >/dev/null 2>&1 && die "a netrig lab named benchhosts$n is deployed; destroy it or run later"
  [[ -e $state_root/benchhosts$n ]] && die "$state_root/benchhosts$n exists"
  if ip netns list | awk '{print $1}' | grep -qE "^(benchhosts$n|bhp$n)-"; then die "namespaces benchhosts$n-* or bhp$n-* exist"; fi
done

work=$(mktemp -d /tmp/netrig-hostsbench.XXXXXX)
results=$work/results.jsonl
: >"$results"
deployed=()   # netrig labs deployed and not destroyed yet
peers=()      # peer prefixes brought up and not torn down yet
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local l p
  for l in "${deployed[@]}"; do "$netrig" destroy "$l" >/dev/null 2>&1 || log "cleanup: netrig destroy $l failed"; done
  for p in "${peers[@]}"; do bash "$here/hosts_peer.sh" down "$p" "$work/$p" || log "cleanup: peer $p teardown failed"; done
  if ((rc != 0)); then log "work files kept in $work"; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ns() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", (b - a) / 1e9 }'; }
jstr() { /usr/bin/python3 -c 'import json, sys; print(json.dumps(sys.stdin.read().strip()[-600:]))'; }
remove() { local x=$1; shift; local o=(); for e in "$@"; do [[ $e == "$x" ]] || o+=("$e"); done; echo "${o[@]}"; }

for n in "${size_list[@]}"; do
  /usr/bin/python3 "$here/gen_topology.py" hosts "$n" --tenants "$tenants" --per-tenant "$per" --name "benchhosts$n" \
    -o "$work/hosts$n.yaml"
  "$netrig" validate "$work/hosts$n.yaml" >"$work/validate$n.out" 2>&1 ||
    die "netrig validate of the $n-host lab failed: $(cat "$work/validate$n.out")"
done
log "validated: ${size_list[*]} hosts x $tenants tenants x $per nodes ($work/hosts*.yaml)"

# First reply h1t1n1 -> hNt1n1 after the deploy returned: seconds (polling ping -c1 -W1, 15 s at most) or -1.
reach() {  # ns_prefix n
  local t0 t1 i
  t0=$(now_ns)
  for ((i = 0; i < 15; i++)); do
    if ip netns exec "$1-h1t1n1" ping -n -q -c1 -W1 "10.1.$2.1" >/dev/null 2>&1; then
      t1=$(now_ns); secs "$t0" "$t1"; return 0
    fi
  done
  echo -1
}

# Steady state across the overlay, then the cross-tenant ping that must fail. Prints a JSON object.
pings_json() {  # ns_prefix n
  local warm ss cross rtt loss cross_rx
  ip netns exec "$1-h1t1n1" ping -n -q -c 10 -i 0.1 -W 1 "10.1.$2.1" >/dev/null 2>&1 || true   # warm-up
  ss=$(ip netns exec "$1-h1t1n1" ping -n -q -c "$pings" -i 0.02 -W 1 "10.1.$2.1" 2>&1 || true)
  rtt=$(sed -n 's#.*= \([0-9.]*\)/\([0-9.]*\)/\([0-9.]*\)/\([0-9.]*\) ms.*#{"min": \1, "avg": \2, "max": \3, "mdev": \4}#p' <<<"$ss")
  loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' <<<"$ss")
  cross=$(ip netns exec "$1-h1t1n1" ping -n -q -c 3 -i 0.2 -W 1 "10.2.$2.1" 2>&1 || true)
  cross_rx=$(sed -n 's/.*transmitted, \([0-9]*\) received.*/\1/p' <<<"$cross")
  printf '{"rtt_ms": %s, "loss_pct": %s, "count": %s, "cross_tenant_received": %s}' \
    "${rtt:-null}" "${loss:-null}" "$pings" "${cross_rx:-null}"
}

# What of a netrig lab is left: namespaces, its daemons' PIDs (from the pid files read before the
# destroy), its state directory. Prints a JSON list ([] = nothing).
netrig_left() {  # lab pids...
  local lab=$1 p items=()
  shift
  while read -r ns; do [[ $ns == "$lab"-* ]] && items+=("netns $ns"); done < <(ip netns list | awk '{print $1}')
  for p in "$@"; do
    if [[ -r /proc/$p/stat ]] && [[ $(cut -d' ' -f3 "/proc/$p/stat") != Z ]]; then items+=("pid $p"); fi
  done
  [[ -e $state_root/$lab ]] && items+=("dir $state_root/$lab")
  /usr/bin/python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "${items[@]}"
}

record() { printf '{"tool": "%s", "hosts": %s, "run": %s, "data": %s}\n' "$1" "$2" "$3" "$4" >>"$results"; }

bench_netrig() {  # n run
  local n=$1 r=$2 lab=benchhosts$1 t0 t1 t2 t3 reach_s pj='null' pids=() left
  t0=$(now_ns)
  deployed+=("$lab")
  if ! "$netrig" deploy "$work/hosts$n.yaml" >/dev/null 2>"$work/netrig.err"; then
    record netrig "$n" "$r" "{\"error\": $(jstr <"$work/netrig.err")}"
    log "netrig deploy failed: $(tail -5 "$work/netrig.err")"
    "$netrig" destroy "$lab" >/dev/null 2>&1 || true
    read -r -a deployed <<<"$(remove "$lab" "${deployed[@]}")"
    return 0
  fi
  t1=$(now_ns)
  reach_s=$(reach "$lab" "$n")
  ((n == hosts)) && pj=$(pings_json "$lab" "$n")
  for f in "$state_root/$lab"/ovs-*/*.pid; do [[ -r $f ]] && pids+=("$(cat "$f")"); done
  t2=$(now_ns)
  "$netrig" destroy "$lab" >/dev/null 2>"$work/netrig.err" || log "netrig destroy failed: $(cat "$work/netrig.err")"
  t3=$(now_ns)
  read -r -a deployed <<<"$(remove "$lab" "${deployed[@]}")"
  left=$(netrig_left "$lab" "${pids[@]}")
  [[ $left == "[]" ]] || log "netrig left: $left"
  record netrig "$n" "$r" "{\"deploy_s\": $(secs "$t0" "$t1"), \"destroy_s\": $(secs "$t2" "$t3"), \"reach_s\": $reach_s, \"daemons\": ${#pids[@]}, \"pings\": $pj, \"leftovers\": $left}"
}

bench_peer() {  # n run
  local n=$1 r=$2 p=bhp$1 t0 t1 t2 t3 reach_s pj='null' left ndaemons
  peers+=("$p")
  t0=$(now_ns)
  if ! HOSTS_PEER_TIMES=$work/peer-times-$n-$r bash "$here/hosts_peer.sh" up "$p" "$work/$p" "$n" "$tenants" "$per" \
    >"$work/peer.out" 2>&1; then
    record peer "$n" "$r" "{\"error\": $(jstr <"$work/peer.out")}"
    log "peer up failed: $(tail -5 "$work/peer.out")"
    bash "$here/hosts_peer.sh" down "$p" "$work/$p" || true
    read -r -a peers <<<"$(remove "$p" "${peers[@]}")"
    return 0
  fi
  t1=$(now_ns)
  reach_s=$(reach "$p" "$n")
  ((n == hosts)) && pj=$(pings_json "$p" "$n")
  cp "$work/$p/pids" "$work/$p.pids"
  ndaemons=$(wc -l <"$work/$p.pids")
  t2=$(now_ns)
  bash "$here/hosts_peer.sh" down "$p" "$work/$p" 2>>"$work/peer.out" || log "peer down failed"
  t3=$(now_ns)
  read -r -a peers <<<"$(remove "$p" "${peers[@]}")"
  left=$(bash "$here/hosts_peer.sh" left "$p" "$work/$p" "$work/$p.pids" | /usr/bin/python3 -c \
    'import json, sys; print(json.dumps([l.strip() for l in sys.stdin if l.strip()]))' || true)
  [[ $left == "[]" ]] || log "peer left: $left"
  local times
  times=$(/usr/bin/python3 -c 'import json, sys; print(json.dumps({l.split()[0]: float(l.split()[1]) for l in open(sys.argv[1])}))' \
    "$work/peer-times-$n-$r" 2>/dev/null || echo null)
  record peer "$n" "$r" "{\"deploy_s\": $(secs "$t0" "$t1"), \"destroy_s\": $(secs "$t2" "$t3"), \"reach_s\": $reach_s, \"daemons\": $ndaemons, \"pings\": $pj, \"leftovers\": $left, \"phases\": $times}"
}

for ((r = 1; r <= runs; r++)); do
  i=0
  for n in "${size_list[@]}"; do
    if (((r + i) % 2)); then order=(netrig peer); else order=(peer netrig); fi
    for t in "${order[@]}"; do
      log "run $r/$runs: $t, $n hosts x $tenants tenants x $per nodes"
      "bench_$t" "$n" "$r"
      sleep 1
    done
    i=$((i + 1))
  done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# Where netrig's time goes (untimed, after the measured runs): one deploy with its plain progress lines
# time-stamped (stage starts, each host's OVS start with its duration), one under strace.
diag_file=$work/diag.json
echo '{}' >"$diag_file"
if ((diag)); then
  lab=benchhosts$hosts
  # What comes before the first step: process start, YAML, the flows' `ovs-ofctl parse-flows` check, the plan.
  t0=$(now_ns); "$netrig" --version >/dev/null 2>&1; t1=$(now_ns)
  "$netrig" validate "$work/hosts$hosts.yaml" >/dev/null 2>&1; t2=$(now_ns)
  "$netrig" plan "$work/hosts$hosts.yaml" >/dev/null 2>&1; t3=$(now_ns)
  echo "{\"version_s\": $(secs "$t0" "$t1"), \"validate_s\": $(secs "$t1" "$t2"), \"plan_s\": $(secs "$t2" "$t3")}" >"$work/diag-front.json"
  log "diagnostics: netrig deploy with time-stamped steps"
  deployed+=("$lab")
  t0=$EPOCHREALTIME
  { "$netrig" deploy "$work/hosts$hosts.yaml" 2>&1 >/dev/null; echo "(netrig deploy exited with $?)"; } | while IFS= read -r line; do
    printf '%s %s\n' "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')" "$line"
  done >"$work/diag-steps.txt" || true
  "$netrig" destroy "$lab" >/dev/null 2>&1 || true
  sleep 1
  # The deploy's steps mostly wait (for ovs-vswitchd to apply a transaction, for the kernel): how the
  # worker count moves it. One deploy each, so single figures, not medians.
  : >"$work/diag-workers.txt"
  for w in 1 2 4 8 16; do
    log "diagnostics: netrig deploy --workers $w"
    t0=$(now_ns)
    if "$netrig" deploy --workers "$w" "$work/hosts$hosts.yaml" >/dev/null 2>&1; then
      t1=$(now_ns)
      r_s=$(reach "$lab" "$hosts")
      t2=$(now_ns)
      "$netrig" destroy "$lab" >/dev/null 2>&1 || true
      t3=$(now_ns)
      echo "$w $(secs "$t0" "$t1") $(secs "$t2" "$t3") $r_s" >>"$work/diag-workers.txt"
    else
      "$netrig" destroy "$lab" >/dev/null 2>&1 || true
      echo "$w -1 -1 -1" >>"$work/diag-workers.txt"
    fi
    sleep 1
  done
  if command -v strace >/dev/null; then
    log "diagnostics: netrig deploy under strace -f -b execve -w -c (daemons and tools it execs are not followed)"
    timeout -s KILL 120 strace -f -b execve -w -c -o "$work/diag-strace.txt" "$netrig" deploy "$work/hosts$hosts.yaml" >/dev/null 2>&1 || true
    "$netrig" destroy "$lab" >/dev/null 2>&1 || true
    sleep 1
    log "diagnostics: netrig destroy under strace"
    "$netrig" deploy "$work/hosts$hosts.yaml" >/dev/null 2>&1 || true
    timeout -s KILL 120 strace -f -b execve -w -c -o "$work/diag-strace-destroy.txt" "$netrig" destroy "$lab" >/dev/null 2>&1 || true
  fi
  "$netrig" destroy "$lab" >/dev/null 2>&1 || true
  read -r -a deployed <<<"$(remove "$lab" "${deployed[@]}")"
  left=$(netrig_left "$lab")
  /usr/bin/python3 - "$work" "$diag_file" "$left" <<'PY'
import json, os, sys
work, out, left = sys.argv[1:]
d = {"leftovers": json.loads(left)}
p = os.path.join(work, "diag-steps.txt")
if os.path.exists(p):
    d["steps"] = [l.rstrip("\n") for l in open(p)]
p = os.path.join(work, "diag-front.json")
if os.path.exists(p):
    d["front"] = json.load(open(p))
p = os.path.join(work, "diag-workers.txt")
if os.path.exists(p):
    d["workers"] = [dict(zip(("workers", "deploy_s", "destroy_s", "reach_s"), map(float, l.split()))) for l in open(p) if l.strip()]
for key, name in (("strace_deploy", "diag-strace.txt"), ("strace_destroy", "diag-strace-destroy.txt")):
    p = os.path.join(work, name)
    if not os.path.exists(p):
        continue
    rows = []
    for l in open(p):
        f = l.split()
        if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
            try:
                rows.append({"syscall": f[-1], "share": float(f[0]), "seconds": float(f[1]), "calls": int(f[3])})
            except ValueError:
                pass
    d[key] = sorted(rows, key=lambda r: -r["seconds"])[:8]
json.dump(d, open(out, "w"))
PY
fi

cat "$results" >>"$here/last-hosts-results.jsonl"
/usr/bin/python3 - "$results" "$diag_file" >>"$here/last-hosts-results.jsonl" <<PY
import json, sys
print(json.dumps({"tool": "summary", "started": "$started", "load_start": "$load_start", "load_end": "$load_end",
                  "commit": "$(git -C "$repo" rev-parse --short HEAD)", "hosts": $hosts, "tenants": $tenants,
                  "per_tenant": $per, "runs": $runs, "diagnostics": json.load(open(sys.argv[2]))}))
PY

/usr/bin/python3 "$here/hosts_report.py" "$results" "$diag_file" "$out" \
  --started "$started" --load-start "$load_start" --load-end "$load_end" --runs "$runs" --hosts "$hosts" \
  --tenants "$tenants" --per-tenant "$per" --pings "$pings" --cpus "$(nproc)" \
  --netrig-version "$("$netrig" --version 2>/dev/null | head -1) at commit $(git -C "$repo" rev-parse --short HEAD)" \
  --versions "$(dpkg-query -W -f='${Package} ${Version}, ' openvswitch-switch iproute2 2>/dev/null | sed 's/, $//'); $(uname -r); $(nproc) CPUs"
