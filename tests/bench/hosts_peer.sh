#!/usr/bin/env bash
# The hand-scripted peer of tests/bench/hosts_bench.sh: the lab that `gen_topology.py hosts N` describes
# (N namespace hosts on one underlay bridge, each with its own ovsdb-server + ovs-vswitchd on the
# userspace datapath, br-int / br-tun / u-eth0, T tenants x K nodes per host, a full VXLAN mesh with
# lecture28-vxlan.yaml's flow tables), built the way one would write it by hand in bash with iproute2
# and the OVS tools, and torn down by the PIDs it started.
#
#   tests/bench/hosts_peer.sh up   PREFIX STATE_DIR HOSTS [TENANTS=4] [PER_TENANT=2] [DATAPATH=netdev]
#   tests/bench/hosts_peer.sh down PREFIX STATE_DIR
#   tests/bench/hosts_peer.sh left PREFIX STATE_DIR [PIDS_FILE]   # prints what is left of it, exit 1 if anything
#
# Namespaces PREFIX-local (the underlay bridge), PREFIX-hvH (a host: eth0, its OVS, the node ports),
# PREFIX-hHtTnK (a node: eth0 at 10.T.H.K/8). Every OVS file (databases, sockets, logs, PID files) lives
# under STATE_DIR/ovs-hvH; STATE_DIR/pids lists the daemons it started ("name pid" per line). `down`
# SIGKILLs exactly those PIDs (as netrig destroy does), waits until each has exited, then deletes the
# namespaces it made (one `ip -batch`) and STATE_DIR. It never kills by name and touches nothing else.
#
# Same content as netrig's lab: the same devices in the same namespaces, one ovs-vsctl transaction per
# host for its three bridges (u-eth0 with eth0 as its port and the underlay address on its internal
# device; br-intH with the access ports' tags and the patch; br-tunH, fail_mode secure, with the patch
# and one vxlan port per other host, options:key=flow), one `ovs-ofctl add-flows` per br-tun.
# Parallel where a hand script would be: the daemons of all hosts start at once, the per-namespace
# `ip -batch` runs two at a time (2 CPUs here), the hosts' ovs-vsctl + add-flows run concurrently.
# Not done (netrig does it): TX checksum offload off on the ports (no ethtool on these machines; only
# ping crosses the lab here), IPv6 off in the host namespaces, journal, ownership marks.
set -euo pipefail

cmd=${1:?up|down|left}
prefix=${2:?prefix}
state=${3:?state dir}
schema=/usr/share/openvswitch/vswitch.ovsschema

# HOSTS_PEER_TIMES=FILE: `up` appends "phase seconds-since-start" lines there (bash's EPOCHREALTIME, no fork).
times=${HOSTS_PEER_TIMES:-/dev/null}
t_start=$EPOCHREALTIME
mark() { echo "$1 $(awk -v a="$t_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')" >>"$times"; }

ovs_env() { echo "OVS_RUNDIR=$1 OVS_DBDIR=$1 OVS_LOGDIR=$1 OVS_SYSCONFDIR=$1"; }

# 0 when PID has exited (gone, or a zombie nobody reaped yet).
exited() {
  local s
  [[ -r /proc/$1/stat ]] || return 0
  s=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 0
  [[ $s == Z || $s == X ]]
}

up() {
  local n=$1 tenants=${2:-4} per=${3:-2} dp=${4:-netdev} h t k o
  mkdir -p "$state"
  : >"$state/pids"
  echo "$n $tenants $per" >"$state/shape"
  local b=$state/create.batch
  {
    echo "netns add $prefix-local"
    for ((h = 1; h <= n; h++)); do
      echo "netns add $prefix-hv$h"
      for ((t = 1; t <= tenants; t++)); do for ((k = 1; k <= per; k++)); do echo "netns add $prefix-h${h}t${t}n$k"; done; done
    done
    echo "link add underlay netns $prefix-local type bridge"
    for ((h = 1; h <= n; h++)); do
      echo "link add eth0 netns $prefix-hv$h type veth peer name hv$h-eth0 netns $prefix-local"
      for ((t = 1; t <= tenants; t++)); do for ((k = 1; k <= per; k++)); do
        echo "link add eth0 netns $prefix-h${h}t${t}n$k type veth peer name h${h}t${t}n$k netns $prefix-hv$h"
      done; done
    done
  } >"$b"
  ip -batch "$b"
  mark namespaces+veths

  # Each host's OVS: its own database and daemons inside the host's namespace, all hosts at once.
  for ((h = 1; h <= n; h++)); do
    local d=$state/ovs-hv$h
    mkdir -p "$d"
    ovsdb-tool create "$d/conf.db" "$schema"
    # shellcheck disable=SC2046
    nsenter --net="/run/netns/$prefix-hv$h" env $(ovs_env "$d") ovsdb-server "$d/conf.db" \
      --remote="punix:$d/db.sock" --pidfile="$d/ovsdb-server.pid" --log-file="$d/ovsdb-server.log" \
      </dev/null >"$d/ovsdb-server.out" 2>&1 &
    echo "ovsdb-server $!" >>"$state/pids"
  done
  for ((h = 1; h <= n; h++)); do
    local d=$state/ovs-hv$h i
    for ((i = 0; i < 1000; i++)); do [[ -S $d/db.sock ]] && break; sleep 0.005; done
    [[ -S $d/db.sock ]] || { echo "hosts_peer.sh: ovsdb-server of hv$h did not start: $(cat "$d/ovsdb-server.out")" >&2; return 1; }
    # shellcheck disable=SC2046
    nsenter --net="/run/netns/$prefix-hv$h" env $(ovs_env "$d") ovs-vswitchd "unix:$d/db.sock" \
      --pidfile="$d/ovs-vswitchd.pid" --log-file="$d/ovs-vswitchd.log" </dev/null >"$d/ovs-vswitchd.out" 2>&1 &
    echo "ovs-vswitchd $!" >>"$state/pids"
  done
  mark ovsdb-servers-up+vswitchd-started

  # Inside each namespace: loopback, links up, enslaving, the nodes' addresses. Two at a time.
  {
    echo "$prefix-local"
    for ((h = 1; h <= n; h++)); do
      echo "$prefix-hv$h"
      for ((t = 1; t <= tenants; t++)); do for ((k = 1; k <= per; k++)); do echo "$prefix-h${h}t${t}n$k"; done; done
    done
  } >"$state/namespaces"
  {
    echo "link set underlay up"
    for ((h = 1; h <= n; h++)); do echo "link set hv$h-eth0 master underlay up"; done
  } >"$state/ns-$prefix-local.batch"
  for ((h = 1; h <= n; h++)); do
    {
      echo "link set lo up"
      echo "link set eth0 up"
      for ((t = 1; t <= tenants; t++)); do for ((k = 1; k <= per; k++)); do echo "link set h${h}t${t}n$k up"; done; done
    } >"$state/ns-$prefix-hv$h.batch"
    for ((t = 1; t <= tenants; t++)); do for ((k = 1; k <= per; k++)); do
      printf 'link set lo up\naddr add 10.%d.%d.%d/8 dev eth0\nlink set eth0 up\n' "$t" "$h" "$k" \
        >"$state/ns-$prefix-h${h}t${t}n$k.batch"
    done; done
  done
  # shellcheck disable=SC2016
  xargs -P 2 -I{} sh -c 'exec ip -n "$1" -batch "$2/ns-$1.batch"' _ {} "$state" <"$state/namespaces"
  mark per-namespace-batches

  # Each host's switches: one ovs-vsctl transaction (it waits until ovs-vswitchd has applied it),
  # the underlay address on u-eth0, then br-tun's flows in one add-flows. All hosts concurrently.
  local jobs=()
  for ((h = 1; h <= n; h++)); do
    local d=$state/ovs-hv$h tag a=() outs="" f=$state/ovs-hv$h/br-tun$h.flows
    a=(-- add-br u-eth0 -- set bridge u-eth0 "datapath_type=$dp" -- add-port u-eth0 eth0
      -- add-br "br-int$h" -- set bridge "br-int$h" "datapath_type=$dp")
    for ((t = 1; t <= tenants; t++)); do for ((k = 1; k <= per; k++)); do
      a+=(-- add-port "br-int$h" "h${h}t${t}n$k" "tag=$(((h - 1) * tenants + t))")
    done; done
    a+=(-- add-port "br-int$h" to-tun -- set interface to-tun type=patch options:peer=to-int
      -- add-br "br-tun$h" -- set bridge "br-tun$h" "datapath_type=$dp" fail_mode=secure
      -- add-port "br-tun$h" to-int -- set interface to-int type=patch options:peer=to-tun)
    for ((o = 1; o <= n; o++)); do
      ((o == h)) && continue
      a+=(-- add-port "br-tun$h" "vx-hv$o" -- set interface "vx-hv$o" type=vxlan
        "options:remote_ip=172.16.$((o >> 8)).$((o & 255))" options:key=flow)
      outs+=",output:vx-hv$o"
    done
    {
      echo "table=0,priority=1,in_port=to-int,actions=resubmit(,1)"
      for ((o = 1; o <= n; o++)); do ((o == h)) || echo "table=0,priority=1,in_port=vx-hv$o,actions=resubmit(,3)"; done
      echo "table=0,priority=0,actions=drop"
      echo "table=1,priority=1,dl_dst=00:00:00:00:00:00/01:00:00:00:00:00,actions=resubmit(,20)"
      echo "table=1,priority=1,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=resubmit(,21)"
      echo "table=2,priority=0,actions=drop"
      echo "table=3,priority=0,actions=drop"
      for ((t = 1; t <= tenants; t++)); do
        printf 'table=3,priority=1,tun_id=0x%x,actions=mod_vlan_vid:%d,resubmit(,10)\n' "$t" $(((h - 1) * tenants + t))
      done
      echo "table=10,priority=1,actions=learn(table=20,priority=1,hard_timeout=300,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:NXM_OF_IN_PORT[]),output:to-int"
      echo "table=20,priority=0,actions=resubmit(,21)"
      echo "table=21,priority=0,actions=drop"
      for ((t = 1; t <= tenants; t++)); do
        printf 'table=21,priority=1,dl_vlan=%d,actions=strip_vlan,set_tunnel:0x%x%s\n' $(((h - 1) * tenants + t)) "$t" "$outs"
      done
    } >"$f"
    (
      ovs-vsctl --db="unix:$d/db.sock" --timeout=30 "${a[@]}"
      ip -n "$prefix-hv$h" -batch - <<EOF
addr add 172.16.$((h >> 8)).$((h & 255))/16 dev u-eth0
link set u-eth0 up
EOF
      OVS_RUNDIR=$d ovs-ofctl add-flows "br-tun$h" "$f"
    ) &
    jobs+=($!)
  done
  local j rc=0
  for j in "${jobs[@]}"; do wait "$j" || rc=1; done
  mark ovs-vsctl+add-flows
  return $rc
}

down() {
  local name pid left=() i
  if [[ -r $state/pids ]]; then
    while read -r name pid; do
      [[ -n $pid ]] || continue
      kill -9 "$pid" 2>/dev/null && left+=("$pid")
    done <"$state/pids"
    # SIGKILL is asynchronous (ovs-vswitchd has many threads): wait until each has exited, 5 s at most.
    for ((i = 0; i < 500 && ${#left[@]}; i++)); do
      local still=()
      for pid in "${left[@]}"; do exited "$pid" || still+=("$pid"); done
      left=("${still[@]}")
      ((${#left[@]})) && sleep 0.01
    done
    ((${#left[@]} == 0)) || echo "hosts_peer.sh: daemons still running after 5 s: ${left[*]}" >&2
  fi
  if [[ -r $state/namespaces ]]; then
    local b=$state/delete.batch
    while read -r ns; do [[ -e /run/netns/$ns ]] && echo "netns del $ns"; done <"$state/namespaces" >"$b"
    [[ -s $b ]] && ip -batch "$b"
  fi
  rm -rf "$state"
}

left() {  # what of this peer is still there; prints nothing and exits 0 when nothing is
  local out=() ns name pid pids=${1:-$state/pids}
  for ns in $(ip netns list | awk '{print $1}'); do [[ $ns == "$prefix"-* ]] && out+=("netns $ns"); done
  if [[ -r $pids ]]; then
    while read -r name pid; do exited "$pid" || out+=("$name $pid"); done <"$pids"
  fi
  [[ -e $state ]] && out+=("dir $state")
  ((${#out[@]} == 0)) && return 0
  printf '%s\n' "${out[@]}"
  return 1
}

case $cmd in
  up) shift 3; up "$@" ;;
  down) down ;;
  left) left "${4:-}" ;;
  *) echo "hosts_peer.sh: up, down or left" >&2; exit 2 ;;
esac
