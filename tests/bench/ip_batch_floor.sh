#!/usr/bin/env bash
# The floor: the benchmark topologies built and torn down by hand with iproute2's batch mode, the
# fastest way to drive rtnetlink without writing a program.
#
#   ip_batch_floor.sh star N   [--prefix P] [--group G]   N namespaces on one bridge
#   ip_batch_floor.sh line M   [--prefix P] [--group G]   M bridges in a line, a namespace at each end
#   ip_batch_floor.sh cleanup  [--prefix P] [--group G]   remove what an interrupted run left
#   --verify: between create and destroy (untimed), ping from the first namespace to the last one.
#
# It builds exactly what netrig builds for tests/bench/gen_topology.py's files: named namespaces
# (/run/netns/P-hI), Linux bridges (STP off, forward delay 0), veth pairs, one IPv4 address per
# namespace, lo and eth0 up. Every host-side device is put in interface group G, so teardown is one
# `link del group G` plus one `netns del` per namespace, in a single `ip -batch`.
#
# Create = one `ip -batch` in the host namespace (namespaces, bridges, veths with the node end
# created straight inside its namespace, enslave + up) + one `ip -n NS -batch` per namespace (lo up,
# eth0 up, address), those run $(nproc) at a time. iproute2 has no per-line namespace switch in
# batch mode, so the per-namespace part costs one process per namespace; that is the floor's only
# fork cost.
#
# Prints one line of JSON: {"create_s":..., "create_host_s":..., "create_ns_s":..., "destroy_s":...}.
# Touches only names starting with the prefix and devices in group G, and refuses to start if any
# such object already exists.
set -euo pipefail

usage() { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
(($# >= 1)) || usage
shape=$1; shift
count=0
if [[ $shape == star || $shape == line ]]; then
  (($# >= 1)) || usage
  count=$1; shift
  [[ $count =~ ^[0-9]+$ ]] && ((count >= 1)) || usage
elif [[ $shape != cleanup ]]; then
  usage
fi
prefix=bfl
group=48879  # 0xbeef; checked to be unused below
verify=0
while (($#)); do
  case $1 in
    --prefix) prefix=$2; shift 2 ;;
    --group) group=$2; shift 2 ;;
    --verify) verify=1; shift ;;
    *) usage ;;
  esac
done
[[ $prefix =~ ^[a-z][a-z0-9]{0,4}$ ]] || { echo "prefix must be 1-5 of [a-z0-9]" >&2; exit 2; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }

our_netns() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${prefix}-" || true; }
group_links() { ip -o link show group "$group" 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' || true; }
our_links() { ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^${prefix}-" || true; }

teardown_batch() {
  # Devices first (a veth's node end goes with its host end), then the namespaces.
  if [[ -n $(group_links) ]]; then echo "link del group $group"; fi
  for ns in $(our_netns); do echo "netns del $ns"; done
}

if [[ $shape == cleanup ]]; then
  # Only when every device in the group carries our prefix: the group is then provably ours.
  stray=$(group_links | grep -vE "^${prefix}-" || true)
  if [[ -n $stray ]]; then
    echo "group $group holds devices that are not ours ($stray); deleting ours by name" >&2
    for l in $(group_links | grep -E "^${prefix}-" || true); do ip link del "$l" 2>/dev/null || true; done
    for ns in $(our_netns); do ip netns del "$ns" 2>/dev/null || true; done
  else
    teardown_batch | ip -force -batch - 2>/dev/null || true
  fi
  for l in $(our_links); do ip link del "$l" 2>/dev/null || true; done
  exit 0
fi

if [[ -n $(our_netns) || -n $(our_links) || -n $(group_links) ]]; then
  echo "ip_batch_floor: namespaces/devices named ${prefix}-* or in group $group already exist; not touching them" >&2
  exit 3
fi

work=$(mktemp -d /tmp/netrig-floor.XXXXXX)
trap 'rm -rf "$work"' EXIT
host_batch=$work/host.batch
: >"$host_batch"
mkdir "$work/ns"

# Writes one namespace's batch file: lo up, eth0 up, the address.
ns_batch() {  # name address
  printf 'link set lo up\nlink set eth0 up\naddr add %s dev eth0\n' "$2" >"$work/ns/$1"
}

if [[ $shape == star ]]; then
  br=${prefix}-br0
  echo "link add name $br group $group up type bridge forward_delay 0 stp_state 0" >>"$host_batch"
  for ((i = 1; i <= count; i++)); do
    echo "netns add ${prefix}-h$i" >>"$host_batch"
  done
  for ((i = 1; i <= count; i++)); do
    ns=${prefix}-h$i
    # The host end gets the group and the bridge at creation; the node end is created inside the namespace.
    echo "link add name $ns group $group master $br up type veth peer name eth0 netns $ns" >>"$host_batch"
    a=$((i)); ns_batch "$ns" "10.0.$((a / 256)).$((a % 256))/16"
  done
else
  for ((i = 1; i <= count; i++)); do
    echo "link add name ${prefix}-b$i group $group up type bridge forward_delay 0 stp_state 0" >>"$host_batch"
  done
  echo "netns add ${prefix}-h1" >>"$host_batch"
  echo "netns add ${prefix}-h2" >>"$host_batch"
  echo "link add name ${prefix}-h1 group $group master ${prefix}-b1 up type veth peer name eth0 netns ${prefix}-h1" >>"$host_batch"
  for ((i = 1; i < count; i++)); do
    j=$((i + 1))
    # Both ends on the host. The peer is brought up and enslaved once it exists.
    echo "link add name ${prefix}-b$i-$j group $group master ${prefix}-b$i up type veth peer name ${prefix}-b$j-$i group $group" >>"$host_batch"
    echo "link set ${prefix}-b$j-$i master ${prefix}-b$j up" >>"$host_batch"
  done
  echo "link add name ${prefix}-h2 group $group master ${prefix}-b$count up type veth peer name eth0 netns ${prefix}-h2" >>"$host_batch"
  ns_batch "${prefix}-h1" 10.0.0.1/24
  ns_batch "${prefix}-h2" 10.0.0.2/24
fi

jobs=$(nproc)
t0=$(now)
if ! ip -batch "$host_batch" >"$work/host.log" 2>&1; then
  cat "$work/host.log" >&2
  teardown_batch | ip -force -batch - >/dev/null 2>&1 || true
  exit 1
fi
t1=$(now)
if ! (cd "$work/ns" && printf '%s\n' * | xargs -P "$jobs" -I{} ip -n {} -batch {}) >"$work/ns.log" 2>&1; then
  cat "$work/ns.log" >&2
  teardown_batch | ip -force -batch - >/dev/null 2>&1 || true
  exit 1
fi
t2=$(now)
verified=null
if ((verify)); then
  if [[ $shape == star ]]; then last=${prefix}-h$count; to=10.0.$((count / 256)).$((count % 256)); else last=${prefix}-h2; to=10.0.0.2; fi
  if ip netns exec "${prefix}-h1" ping -n -q -c1 -W3 "$to" >/dev/null 2>&1; then verified=true; else verified=false; fi
fi

teardown_batch >"$work/destroy.batch"
t3=$(now)
ip -batch "$work/destroy.batch" >"$work/destroy.log" 2>&1 || { cat "$work/destroy.log" >&2; exit 1; }
t4=$(now)

printf '{"shape": "%s", "count": %d, "create_s": %s, "create_host_s": %s, "create_ns_s": %s, "destroy_s": %s, "processes": %d, "verified": %s}\n' \
  "$shape" "$count" "$(elapsed "$t0" "$t2")" "$(elapsed "$t0" "$t1")" "$(elapsed "$t1" "$t2")" "$(elapsed "$t3" "$t4")" \
  "$((1 + $(ls "$work/ns" | wc -l)))" "$verified"
