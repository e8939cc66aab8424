#!/usr/bin/env bash
# kind: vm benchmark: deploy -> every guest's agent answers, for 1, 4 and 8 guests on one bridge
# (TCG, the built image), with BOTH drivers (direct QEMU and libvirt) next to the same lab made of
# netns nodes, all in the same run; QEMU's RSS per guest; libvirt's domain create time; destroy
# time. Writes its section of docs/PERFORMANCE.md (between the vm-bench markers).
#
#   sudo tests/bench/vm_bench.sh [--netrig PATH] [--sizes "1 4 8"] [--out FILE] [--without-kvm-fix]
#
# --without-kvm-fix also deploys one libvirt guest with /dev/kvm set back to 0600 root:root (the
# state without udev) to measure docs/design-vms.md §1's re-probe cost, and restores /dev/kvm's
# mode and group afterwards (also on failure). Without libvirtd the libvirt rows say so.
#
# Host safety: labs are named benchns<N>/benchvm<N>/benchlv<N> and removed with `netrig destroy`; the
# script refuses to start if one exists. It kills nothing itself.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
netrig=$repo/build/netrig
sizes="1 4 8"
out=$repo/docs/PERFORMANCE.md
without_fix=0
while (($#)); do
  case $1 in
    --netrig) netrig=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --without-kvm-fix) without_fix=1; shift ;;
    *) echo "vm_bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/netrig-vmbench-XXXXXX)
labs=()
kvm_saved=""
cleanup() {
  for l in "${labs[@]}"; do "$netrig" destroy "$l" >/dev/null 2>&1 || true; done
  if [ -n "$kvm_saved" ]; then chgrp "${kvm_saved#* }" /dev/kvm; chmod "${kvm_saved% *}" /dev/kvm; fi
  rm -rf "$work"
}
trap cleanup EXIT

lab_file() { # kind n name
  local kind=$1 n=$2 name=$3 f=$work/$name.yaml
  {
    echo "name: $name"
    [ "$kind" = lv ] && echo "settings: {vm_driver: libvirt}"
    echo "topology:"
    echo "  nodes:"
    echo "    br0: {kind: bridge}"
    for i in $(seq 1 "$n"); do
      echo "    g$i:"
      [ "$kind" != ns ] && echo "      kind: vm"
      echo "      interfaces: {eth0: {ipv4: 10.80.0.$i/24}}"
    done
    echo "  links:"
    for i in $(seq 1 "$n"); do echo "    - endpoints: [\"g$i:eth0\", br0]"; done
  } >"$f"
  echo "$f"
}

now() { date +%s.%N; }
py() { python3 -c "print($1)"; }
libvirt_ok=1
"$netrig" doctor 2>/dev/null | grep -q "ok   libvirt  " || libvirt_ok=0

# deploy_one KIND N NAME: sets deploy, destroy, rss_mb, agent_ms, create_s (libvirt: mean domain create)
deploy_one() {
  local kind=$1 n=$2 name=$3 f t0 t1 t2 t3 rss=0 p r a0 a1
  [ -e "/run/netrig/$name" ] && { echo "vm_bench.sh: lab $name exists; destroy it first" >&2; exit 1; }
  f=$(lab_file "$kind" "$n" "$name")
  labs+=("$name")
  t0=$(now)
  "$netrig" deploy "$f" >/dev/null
  t1=$(now)
  rss_mb=- agent_ms=- create_s=-
  if [ "$kind" != ns ]; then
    for p in /proc/[0-9]*; do
      if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -Eq -- "(-name |guest=)netrig-$name-"; then
        r=$(awk '/^VmRSS/ {print $2}' "$p/status" 2>/dev/null || echo 0)
        rss=$((rss + ${r:-0}))
      fi
    done
    rss_mb=$(py "round($rss/1024/$n)")
    if [ "$kind" = lv ]; then
      create_s=$(cat /run/netrig/"$name"/vm-*/libvirt-create-seconds | python3 -c "import sys;v=[float(x) for x in sys.stdin];print(round(sum(v)/len(v),2))")
    fi
    # One round trip through every agent once all are up (the steady-state cost of a command).
    a0=$(now)
    for i in $(seq 1 "$n"); do "$netrig" exec "$name:g$i" -- true; done
    a1=$(now)
    agent_ms=$(py "round(($a1-$a0)*1000/$n)")
  fi
  t2=$(now)
  "$netrig" destroy "$name" >/dev/null
  t3=$(now)
  deploy=$(py "round($t1-$t0,2)")
  destroy=$(py "round($t3-$t2,2)")
  echo "$name: deploy $deploy s, destroy $destroy s, libvirt create $create_s s" >&2
}

rows=""
for n in $sizes; do
  deploy_one ns "$n" "benchns$n"
  ns_deploy=$deploy ns_destroy=$destroy
  deploy_one vm "$n" "benchvm$n"
  vm_row="$deploy | $(py "round($deploy/max($ns_deploy,0.001))")× | $rss_mb | $agent_ms | $destroy"
  vm_deploy=$deploy
  if ((libvirt_ok)); then
    deploy_one lv "$n" "benchlv$n"
    lv_row="$deploy | $(py "round($deploy/$vm_deploy,2)")× | $create_s | $rss_mb | $agent_ms | $destroy"
  else
    lv_row="libvirtd not reachable | – | – | – | – | –"
  fi
  rows+="| $n | $ns_deploy | $vm_row | $lv_row |"$'\n'
done
fix_row="/dev/kvm $(stat -c '%a %U:%G' /dev/kvm 2>/dev/null || echo absent): 1-guest libvirt domain create ${create_s:-?} s (mean of the last size's guests)"
if ((without_fix && libvirt_ok)) && [ -c /dev/kvm ]; then
  deploy_one lv 1 benchlv1fixed
  fixed_create=$create_s fixed_deploy=$deploy
  kvm_saved="$(stat -c '%a %G' /dev/kvm)"
  chgrp root /dev/kvm
  chmod 0600 /dev/kvm
  deploy_one lv 1 benchlv1nofix
  chgrp "${kvm_saved#* }" /dev/kvm
  chmod "${kvm_saved% *}" /dev/kvm
  kvm_saved=""
  fix_row="1 libvirt guest, domain create / deploy: /dev/kvm 0660 root:kvm **$fixed_create s / $fixed_deploy s**; /dev/kvm 0600 root:root (no udev) **$create_s s / $deploy s** ($(py "round($create_s/max($fixed_create,0.001))")× the create time)"
fi
image=$(readlink -f "${NETRIG_IMAGE_DIR:-/var/cache/netrig/images}/current")
section="<!-- vm-bench start -->
## kind: vm guests (tests/bench/vm_bench.sh)

Generated on $(date -u '+%Y-%m-%d %H:%M UTC'), one run per size; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)
(2 CPUs shared with other engineers: expect noise). TCG, q35 + PVH vmlinux, 128 MiB per guest,
image $(basename "$image") ($(python3 -c "import json;m=json.load(open('$image/manifest.json'));print(m['kernel_package'])")).
*deploy* is \`netrig deploy\` wall clock until every guest's agent has answered and its interfaces
are configured, for the same lab three ways in the same run: netns nodes (the peer), vm nodes with
the direct-QEMU driver, vm nodes with the libvirt driver (\`settings: {vm_driver: libvirt}\`,
qemu:///system). *create* is libvirt's \`virDomainCreateXML\` per guest (mean).

| guests | netns deploy (s) | direct deploy (s) | direct / netns | direct RSS per guest (MB) | direct exec (ms) | direct destroy (s) | libvirt deploy (s) | libvirt / direct | libvirt create (s) | libvirt RSS per guest (MB) | libvirt exec (ms) | libvirt destroy (s) |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
${rows}
libvirt start-up and /dev/kvm: ${fix_row}.

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
