#!/usr/bin/python3
"""Mininet's side of the benchmark, through its Python API only (Debian's `mininet` package).

  /usr/bin/python3 mininet_bench.py star N [--pingall] [--switch bridge|ovs] [--verify] [--state FILE]
  /usr/bin/python3 mininet_bench.py line M [--verify]  [--state FILE]
  /usr/bin/python3 mininet_bench.py cleanup --state FILE

star N:  Mininet(topo=SingleSwitchTopo(N), switch=LinuxBridge, controller=None): hosts h1..hN, one
         Linux bridge s1, N veth pairs hI-eth0 <-> s1-ethI, one address per host (10.0.0.I/8).
--switch ovs (star only): switch=OVSBridge with datapath='user' (Open vSwitch's userspace datapath,
         datapath_type=netdev, fail_mode=standalone, no controller; this machine has no OVS kernel
         module). Mininet's OVSSwitch runs plain `ovs-vsctl`, which talks to the ovsdb-server of
         $OVS_RUNDIR/db.sock: the caller (ovs_bench.sh) starts a private ovsdb-server + ovs-vswitchd
         in a temporary directory and exports OVS_RUNDIR; this script refuses to run without it, so
         it never reaches the system's Open vSwitch.
line M:  the same classes on a LinearTopo-like topology with one host at each end: bridges s1..sM
         in a line (sI-eth2 <-> sI+1-eth1), h1 on s1, h2 on sM - the kernel objects netrig and the
         floors build for gen_topology.py's `line M` (see docs/PERFORMANCE.md).

It times Mininet(...) (which builds the network) + start() together, then stop(), and with
--pingall net.pingAll() in between; prints one line of JSON.

Host safety. It never runs the `mn` script, `mn -c` or mininet.clean (those kill processes by
broad name and delete every OVS bridge on the host). Before building it refuses to run if any
device Mininet would create in the host namespace (sN, sN-ethM) already exists, because Mininet
itself runs `ip link del` / `brctl delbr` on those names first. It records the names and the node
shells' PIDs in --state, so run.sh can clean up after a crash. Mininet.init() raises a dozen host
sysctls (fixLimits: ARP table thresholds, socket buffers, ...) and never lowers them; they are saved
before and written back after. After stop() it checks for leftovers (devices with the names above,
node shells still alive) and removes only those exact ones, reporting them.
"""
import argparse
import json
import os
import re
import signal
import sys
import time
from functools import partial

# The sysctls mininet.util.fixLimits() may raise (Mininet 2.3.0).
FIXLIMITS_SYSCTLS = [
    "fs.file-max", "net.core.wmem_max", "net.core.rmem_max", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
    "net.core.netdev_max_backlog", "net.ipv4.neigh.default.gc_thresh1", "net.ipv4.neigh.default.gc_thresh2",
    "net.ipv4.neigh.default.gc_thresh3", "net.ipv4.route.max_size", "kernel.pty.max",
]

MININET_DEV = re.compile(r"^s\d+(-eth\d+)?$")


def sysctl_path(key):
    return "/proc/sys/" + key.replace(".", "/")


def save_sysctls():
    saved = {}
    for key in FIXLIMITS_SYSCTLS:
        try:
            with open(sysctl_path(key)) as f:
                saved[key] = f.read().strip()
        except OSError:
            pass
    return saved


def restore_sysctls(saved):
    changed = []
    for key, value in saved.items():
        try:
            with open(sysctl_path(key)) as f:
                now = f.read().strip()
            if now.split() != value.split():
                with open(sysctl_path(key), "w") as f:
                    f.write(value)
                changed.append(key)
        except OSError:
            pass
    return changed


def host_devices():
    return set(os.listdir("/sys/class/net"))


def write_state(path, state):
    if not path:
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f)
    os.replace(tmp, path)


def is_node_shell(pid):
    """True if pid is still one of Mininet's node shells (its command line says mininet:NAME)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"mininet:" in f.read()
    except OSError:
        return False


def remove_leftovers(names, pids):
    """Removes exactly the listed devices and node shells that still exist; returns what it removed."""
    import subprocess
    removed = {"devices": [], "processes": []}
    for pid in pids:
        if is_node_shell(pid):
            try:
                os.kill(pid, signal.SIGKILL)
                removed["processes"].append(pid)
            except ProcessLookupError:
                pass
    present = host_devices()
    # Bridges last: deleting a port first is what Mininet itself would have done.
    for name in sorted((n for n in names if n in present), key=lambda n: ("-eth" not in n, n)):
        if subprocess.run(["ip", "link", "del", name], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0:
            removed["devices"].append(name)
    return removed


def planned_names(shape, count):
    """Every device Mininet will create in the host namespace for this topology."""
    if shape == "star":
        return ["s1"] + [f"s1-eth{i}" for i in range(1, count + 1)]
    names = [f"s{i}" for i in range(1, count + 1)]
    for i in range(1, count + 1):  # every bridge of the line has two ports
        names += [f"s{i}-eth1", f"s{i}-eth2"]
    return names


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("shape", choices=["star", "line", "cleanup"])
    ap.add_argument("count", type=int, nargs="?", default=0)
    ap.add_argument("--pingall", action="store_true", help="time net.pingAll() between start() and stop()")
    ap.add_argument("--verify", action="store_true", help="ping h1 -> last host (untimed) before stop()")
    ap.add_argument("--switch", choices=["bridge", "ovs"], default="bridge",
                    help="star: Linux bridge (default) or Open vSwitch on the userspace datapath")
    ap.add_argument("--state", help="file recording what this run created (for clean-up after a crash)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("mininet_bench: needs root", file=sys.stderr)
        return 3

    if args.shape == "cleanup":
        if not args.state or not os.path.exists(args.state):
            return 0
        with open(args.state) as f:
            state = json.load(f)
        removed = remove_leftovers(state.get("names", []), state.get("pids", []))
        restored = restore_sysctls(state.get("sysctls", {}))
        print(json.dumps({"removed": removed, "sysctls_restored": restored}))
        return 0

    if args.count < 1:
        ap.error("count must be at least 1")
    names = planned_names(args.shape, args.count)
    if args.switch == "ovs":
        rundir = os.environ.get("OVS_RUNDIR", "")
        if args.shape != "star":
            ap.error("--switch ovs is for star only")
        if not rundir or rundir.rstrip("/") in ("/var/run/openvswitch", "/run/openvswitch") or \
                not os.path.exists(os.path.join(rundir, "db.sock")):
            print("mininet_bench: --switch ovs needs OVS_RUNDIR set to a private ovsdb-server's directory "
                  "(tests/bench/ovs_bench.sh starts one); refusing to use the system's Open vSwitch",
                  file=sys.stderr)
            return 3
    # The userspace datapath also makes a tap "ovs-netdev" (the private ovs-vswitchd's, gone with it).
    watch = set(names) | ({"ovs-netdev"} if args.switch == "ovs" else set())
    clash = sorted((host_devices() & watch) | {d for d in host_devices() if MININET_DEV.match(d)})
    if clash:
        print(f"mininet_bench: host devices named like Mininet's already exist ({', '.join(clash[:5])}); "
              "Mininet would delete them. Not running.", file=sys.stderr)
        return 3

    from mininet.log import setLogLevel
    from mininet.net import Mininet
    from mininet.node import OVSBridge
    from mininet.nodelib import LinuxBridge
    from mininet.topo import SingleSwitchTopo, Topo

    class LineTopo(Topo):
        "M Linux bridges in a line, one host on each end bridge."

        def build(self, m=2):  # pylint: disable=arguments-differ
            switches = [self.addSwitch(f"s{i}") for i in range(1, m + 1)]
            self.addLink(self.addHost("h1"), switches[0])
            for a, b in zip(switches, switches[1:]):
                self.addLink(a, b)
            self.addLink(self.addHost("h2"), switches[-1])

    setLogLevel("warning")
    saved = save_sysctls()
    state = {"names": names, "pids": [], "sysctls": saved}
    write_state(args.state, state)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    topo = SingleSwitchTopo(args.count) if args.shape == "star" else LineTopo(args.count)
    result = {"shape": args.shape, "count": args.count, "switch": args.switch}
    net = None
    exit_code = 0
    try:
        t0 = time.perf_counter()
        if args.switch == "ovs":
            switch = partial(OVSBridge, datapath="user")
        else:
            switch = LinuxBridge
        net = Mininet(topo=topo, switch=switch, controller=None)
        state["pids"] = [n.pid for n in net.hosts + net.switches if n.pid]
        write_state(args.state, state)
        net.start()
        result["start_s"] = round(time.perf_counter() - t0, 4)
        result["hosts"], result["switches"], result["links"] = len(net.hosts), len(net.switches), len(net.links)
        result["shells"] = len(state["pids"])
        if args.pingall:
            t = time.perf_counter()
            loss = net.pingAll()
            result["pingall_s"] = round(time.perf_counter() - t, 4)
            result["pingall_pairs"] = len(net.hosts) * (len(net.hosts) - 1)
            result["pingall_loss_pct"] = loss
        if args.verify:
            last = net.hosts[-1]
            out = net.hosts[0].cmd(f"ping -n -q -c1 -W3 {last.IP()}")
            result["verified"] = " 0% packet loss" in out
        t = time.perf_counter()
        net.stop()
        result["stop_s"] = round(time.perf_counter() - t, 4)
        net = None
    except BaseException as e:  # pylint: disable=broad-except
        result["error"] = f"{type(e).__name__}: {e}"
        exit_code = 1
        if net is not None:
            try:
                net.stop()
            except Exception:  # pylint: disable=broad-except
                pass
    finally:
        # Node shells exit on SIGHUP asynchronously; give them a moment before calling them leftovers.
        deadline = time.time() + 2
        while time.time() < deadline and any(is_node_shell(p) for p in state["pids"]):
            time.sleep(0.05)
        result["leftovers"] = remove_leftovers(names, state["pids"])
        result["sysctls_restored"] = restore_sysctls(saved)
        if args.state and os.path.exists(args.state):
            os.unlink(args.state)
    print(json.dumps(result))
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
