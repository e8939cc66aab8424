#!/usr/bin/env bash
# Container-node benchmark (issue 14): N `kind: container` nodes (image netrig/debian, runc) on one
# Linux bridge next to N bare namespace nodes on one bridge, deploy + destroy with netrig, side by
# side in one run, alternating which goes first. The floor is runc's own cost: `runc run -d` +
# `runc delete --force` of one container from the same root filesystem (read-only, own namespaces,
# `sleep infinity`), timed serially in a private runc root. Then one deploy + destroy of BIG
# container nodes. Writes its section of docs/PERFORMANCE.md (between the container-bench markers)
# and appends the raw figures to tests/bench/last-container-results.jsonl.
#
#   sudo tests/bench/container_bench.sh [--runs 3] [--nodes 50] [--big 200] [--floor 20] [--netrig PATH] [--out FILE]
#
# It touches only its own labs (benchct<N>, benchns<N>, benchct<BIG>) and its own runc root under a
# temporary directory; it refuses to start when one of those labs is deployed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
runs=3
nodes=50
big=200
floor_n=20
netrig=$repo/build/netrig
out=$repo/docs/PERFORMANCE.md
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --nodes) nodes=$2; shift 2 ;;
    --big) big=$2; shift 2 ;;
    --floor) floor_n=$2; shift 2 ;;
    --netrig) netrig=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "container_bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

die() { echo "container_bench.sh: $*" >&2; exit 3; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
((EUID == 0)) || die "needs root"
[[ -x $netrig ]] || die "no netrig binary at $netrig (bash ci/build.sh)"
command -v runc >/dev/null || die "runc missing (ci/setup.sh installs it)"
image=$(readlink -f /var/cache/netrig/containers/netrig+debian/latest)
[[ -d $image/rootfs ]] || die "no netrig/debian image at $image (bash images/build-container.sh)"

ct=benchct$nodes ns=benchns$nodes ctbig=benchct$big
for l in "$ct" "$ns" "$ctbig"; do
  "$netrig" inspect "$l" >/dev/null 2>&1 && die "a netrig lab named $l is deployed; destroy it or run later"
done

work=$(mktemp -d /tmp/netrig-ctbench.XXXXXX)
results=$work/results.jsonl
: >"$results"
deployed=()
runc_root=$work/runc
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for l in "${deployed[@]}"; do "$netrig" destroy "$l" >/dev/null 2>&1 || log "cleanup: netrig destroy $l failed"; done
  if [[ -d $runc_root ]]; then
    for id in $(runc --root "$runc_root" list -q 2>/dev/null); do runc --root "$runc_root" delete --force "$id" || true; done
  fi
  if ((rc != 0)); then log "work files kept in $work"; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }
secs() { python3 -c "print(round($2 - $1, 3))"; }

python3 "$here/gen_topology.py" star "$nodes" --node-kind container --name "$ct" -o "$work/ct.yaml"
python3 "$here/gen_topology.py" star "$nodes" --name "$ns" -o "$work/ns.yaml"
python3 "$here/gen_topology.py" star "$big" --node-kind container --name "$ctbig" -o "$work/ctbig.yaml"

# One deploy + destroy; appends {"tool", "run", "data": {deploy_s, destroy_s, verified}} or an error.
measure() {
  local tool=$1 lab=$2 file=$3 run=$4 t0 t1 t2 verified=false
  t0=$(now)
  if ! "$netrig" deploy "$file" >"$work/$lab.deploy.log" 2>&1; then
    echo "{\"tool\": \"$tool\", \"run\": $run, \"data\": {\"error\": \"deploy failed (log in $work)\"}}" >>"$results"
    deployed=("$lab")
    "$netrig" destroy "$lab" >/dev/null 2>&1 || true
    deployed=()
    return 0
  fi
  t1=$(now)
  deployed=("$lab")
  # The last node answers (its eth0 is up and addressed inside its namespace/container).
  "$netrig" exec "$lab" h1 -- ping -c1 -W2 10.0.0.2 >/dev/null 2>&1 && verified=true
  t1b=$(now)
  "$netrig" destroy "$lab" >"$work/$lab.destroy.log" 2>&1 || log "destroy $lab failed"
  t2=$(now)
  deployed=()
  echo "{\"tool\": \"$tool\", \"run\": $run, \"data\": {\"deploy_s\": $(secs "$t0" "$t1"), \"destroy_s\": $(secs "$t1b" "$t2"), \"verified\": $verified}}" >>"$results"
}

for ((r = 1; r <= runs; r++)); do
  if ((r % 2)); then order=(container netns); else order=(netns container); fi
  for tool in "${order[@]}"; do
    log "run $r: $tool x $nodes"
    if [[ $tool == container ]]; then measure container "$ct" "$work/ct.yaml" "$r"; else measure netns "$ns" "$work/ns.yaml" "$r"; fi
  done
done

log "runc floor: $floor_n x (runc run -d + runc delete --force)"
bundle=$work/bundle
mkdir -p "$bundle" "$runc_root"
(cd "$bundle" && runc spec)
python3 - "$bundle/config.json" "$image/rootfs" <<'PY'
import json, sys
path, rootfs = sys.argv[1:]
c = json.load(open(path))
c["root"] = {"path": rootfs, "readonly": True}
c["process"]["terminal"] = False
c["process"]["args"] = ["sleep", "infinity"]
c["hostname"] = "floor"
json.dump(c, open(path, "w"))
PY
start_total=0
for ((i = 1; i <= floor_n; i++)); do
  t0=$(now)
  runc --root "$runc_root" run -d --bundle "$bundle" "floor$i" </dev/null >/dev/null 2>&1 || die "runc run floor$i failed"
  t1=$(now)
  runc --root "$runc_root" delete --force "floor$i"
  t2=$(now)
  echo "{\"tool\": \"runc\", \"run\": $i, \"data\": {\"start_s\": $(secs "$t0" "$t1"), \"delete_s\": $(secs "$t1" "$t2")}}" >>"$results"
done

log "big: $big container nodes"
measure container-big "$ctbig" "$work/ctbig.yaml" 1

load_end=$(cut -d' ' -f1-3 /proc/loadavg)
cat "$results" >>"$here/last-container-results.jsonl"
python3 - "$results" "$out" "$nodes" "$runs" "$big" "$floor_n" "$load_start" "$load_end" \
  "$("$netrig" --version 2>/dev/null | head -1) at $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')" \
  "$(runc --version | head -1)" <<'PY'
import json, statistics, sys, time
results, out, nodes, runs, big, floor_n, load0, load1, netrig_v, runc_v = sys.argv[1:]
nodes, big = int(nodes), int(big)
rows = [json.loads(l) for l in open(results)]
def of(tool): return [r["data"] for r in rows if r["tool"] == tool]
def med(tool, key):
    v = [d[key] for d in of(tool) if key in d]
    return statistics.median(v) if v else None
f = lambda v: "—" if v is None else f"{v:.3f}"
c = {k: med("container", k) for k in ("deploy_s", "destroy_s")}
n = {k: med("netns", k) for k in ("deploy_s", "destroy_s")}
floor_start, floor_delete = med("runc", "start_s"), med("runc", "delete_s")
extra = lambda k: None if c[k] is None or n[k] is None else (c[k] - n[k]) / nodes * 1000
big_d = of("container-big")[0] if of("container-big") else {}
ok = lambda rows_: all(d.get("verified") for d in rows_) if rows_ else False
lines = ["<!-- container-bench start -->",
         f"## {nodes} container nodes on one bridge (tests/bench/container_bench.sh)", "",
         f"Generated on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: median of {runs} runs made side by side "
         f"in that one invocation, alternating which lab goes first. Load average (1/5/15 min, 2 CPUs shared with "
         f"other engineers) {load0} at the start, {load1} at the end. {netrig_v}; {runc_v}.", "",
         f"Both labs are `gen_topology.py star {nodes}` (one Linux bridge, one veth and address per node); the container "
         "lab's nodes are `kind: container` with image netrig/debian (runc, an overlay root filesystem per node, own "
         "mount/PID/UTS/IPC namespaces, tini as PID 1). Wall clock of `netrig deploy` and `netrig destroy`; before the "
         "destroy, h1 pings h2 through the bridge (not timed).", "",
         "| phase | netns nodes (s) | container nodes (s) | extra per container node (ms) |", "|---|--:|--:|--:|"]
for k, label in (("deploy_s", "deploy"), ("destroy_s", "destroy")):
    e = extra(k)
    lines.append(f"| {label} | {f(n[k])} | {f(c[k])} | {'—' if e is None else f'{e:.1f}'} |")
fs = "—" if floor_start is None else f"{floor_start * 1000:.1f}"
fd = "—" if floor_delete is None else f"{floor_delete * 1000:.1f}"
e_dep = extra("deploy_s")
verdict = "—" if e_dep is None else ("**met**" if e_dep <= 30 else "**missed**")
lines += ["", f"runc's own floor, one container at a time from the same root filesystem (median of {floor_n}): "
          f"`runc run -d` {fs} ms, `runc delete --force` {fd} ms. netrig starts a lab's containers in parallel "
          "(its deploy workers), so a container node's extra cost can be below runc's serial start time.", "",
          f"Target (issue 14): a container node costs at most 30 ms more than a namespace node to deploy: {verdict}.", "",
          f"Pings verified: netns {'ok' if ok(of('netns')) else 'FAILED'}, containers {'ok' if ok(of('container')) else 'FAILED'}.", "",
          f"{big} container nodes in one lab: " +
          (big_d.get("error") or f"deploy {f(big_d.get('deploy_s'))} s, destroy {f(big_d.get('destroy_s'))} s, "
           f"h1 → h2 ping {'ok' if big_d.get('verified') else 'FAILED'}") + ".", "",
          "| run | netns deploy + destroy | container deploy + destroy |", "|---|--:|--:|"]
for r in range(1, int(runs) + 1):
    cell = lambda tool: next((d.get("error", f"{f(d.get('deploy_s'))} + {f(d.get('destroy_s'))}") for x in rows
                              if x["tool"] == tool and x["run"] == r for d in [x["data"]]), "—")
    lines.append(f"| {r} | {cell('netns')} | {cell('container')} |")
lines.append("<!-- container-bench end -->")
section = "\n".join(lines)
text = open(out).read()
if "<!-- container-bench start -->" in text:
    a = text.index("<!-- container-bench start -->")
    b = text.index("<!-- container-bench end -->") + len("<!-- container-bench end -->")
    text = text[:a] + section + text[b:]
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(out, "w").write(text)
print(section)
PY
