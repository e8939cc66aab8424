#!/usr/bin/env bash
# kind: vm benchmark: deploy -> every guest's agent answers, for 1, 4 and 8 guests on one bridge
# (TCG, the built image), next to the same lab made of netns nodes in the same run; QEMU's RSS per
# guest; destroy time. Writes its section of docs/PERFORMANCE.md (between the vm-bench markers).
#
#   sudo tests/bench/vm_bench.sh [--netrig PATH] [--sizes "1 4 8"] [--out FILE]
#
# Host safety: labs are named benchvm<N>/benchns<N> and removed with `netrig destroy`; the script
# refuses to start if one exists. It kills nothing itself.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
netrig=$repo/build/netrig
sizes="1 4 8"
out=$repo/docs/PERFORMANCE.md
while (($#)); do
  case $1 in
    --netrig) netrig=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "vm_bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/netrig-vmbench-XXXXXX)
labs=()
cleanup() {
  for l in "${labs[@]}"; do "$netrig" destroy "$l" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

lab_file() { # kind n name
  local kind=$1 n=$2 name=$3 f=$work/$name.yaml
  {
    echo "name: $name"
    echo "topology:"
    echo "  nodes:"
    echo "    br0: {kind: bridge}"
    for i in $(seq 1 "$n"); do
      echo "    g$i:"
      [ "$kind" = vm ] && echo "      kind: vm"
      echo "      interfaces: {eth0: {ipv4: 10.80.0.$i/24}}"
    done
    echo "  links:"
    for i in $(seq 1 "$n"); do echo "    - endpoints: [\"g$i:eth0\", br0]"; done
  } >"$f"
  echo "$f"
}

now() { date +%s.%N; }
rows=""
for n in $sizes; do
  for kind in ns vm; do
    name=bench$kind$n
    [ -e "/run/netrig/$name" ] && { echo "vm_bench.sh: lab $name exists; destroy it first" >&2; exit 1; }
    f=$(lab_file "$kind" "$n" "$name")
    labs+=("$name")
    t0=$(now)
    "$netrig" deploy "$f" >/dev/null
    t1=$(now)
    rss=0
    if [ "$kind" = vm ]; then
      for p in /proc/[0-9]*; do
        if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q -- "-name netrig-$name-"; then
          r=$(awk '/^VmRSS/ {print $2}' "$p/status" 2>/dev/null || echo 0)
          rss=$((rss + ${r:-0}))
        fi
      done
      # One round trip through every agent once all are up (the steady-state cost of a command).
      a0=$(now)
      for i in $(seq 1 "$n"); do "$netrig" exec "$name:g$i" -- true; done
      a1=$(now)
      agent_ms=$(python3 -c "print(round(($a1-$a0)*1000/$n))")
    fi
    t2=$(now)
    "$netrig" destroy "$name" >/dev/null
    t3=$(now)
    deploy=$(python3 -c "print(round($t1-$t0,2))")
    destroy=$(python3 -c "print(round($t3-$t2,2))")
    if [ "$kind" = ns ]; then
      ns_deploy=$deploy
      ns_destroy=$destroy
    else
      rss_mb=$(python3 -c "print(round($rss/1024/$n))")
      ratio=$(python3 -c "print(round($deploy/max($ns_deploy,0.001)))")
      rows+="| $n | $deploy | $ns_deploy | ${ratio}× | $rss_mb | $agent_ms | $destroy | $ns_destroy |"$'\n'
    fi
    echo "$name: deploy $deploy s, destroy $destroy s" >&2
  done
done
image=$(readlink -f "${NETRIG_IMAGE_DIR:-/var/cache/netrig/images}/current")
section="<!-- vm-bench start -->
## kind: vm guests (tests/bench/vm_bench.sh)

Generated on $(date -u '+%Y-%m-%d %H:%M UTC'), one run per size; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)
(2 CPUs shared with other engineers: expect noise). Direct-QEMU driver, TCG, q35 + PVH vmlinux,
128 MiB per guest, image $(basename "$image") ($(python3 -c "import json;m=json.load(open('$image/manifest.json'));print(m['kernel_package'])")).
*deploy* is \`netrig deploy\` wall clock until every guest's agent has answered and its interfaces
are configured; the peer is the same lab with netns nodes, deployed in the same run. The libvirt
driver is not implemented (see docs/design-vms.md for its measured 50 s-per-domain start-up here).

| guests | vm deploy (s) | netns deploy (s) | vm / netns | QEMU RSS per guest (MB) | \`netrig exec\` round trip per guest (ms) | vm destroy (s) | netns destroy (s) |
|---|---|---|---|---|---|---|---|
${rows}
Target (issue 5): 8 guests answering within 30 s on this 2-core machine.
<!-- vm-bench end -->"
python3 - "$out" "$section" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
if "<!-- vm-bench start -->" in text:
    text = re.sub(r"<!-- vm-bench start -->.*?<!-- vm-bench end -->", lambda m: section, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
echo "$section"
