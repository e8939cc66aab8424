#!/usr/bin/python3
"""The strict floor: the benchmark topologies built and torn down by one process talking rtnetlink
directly, every request batched, nothing journaled, no process forked.

  netlink_floor.py star N  [--prefix P] [--group G] [--verify]
  netlink_floor.py line M  [--prefix P] [--group G] [--verify]
  netlink_floor.py cleanup [--prefix P] [--group G]

It builds exactly what ip_batch_floor.sh and netrig build for gen_topology.py's files (named
namespaces under /run/netns, bridges with STP off and forward delay 0, veth pairs whose node end
is created straight inside its namespace, lo + eth0 up, one IPv4 address per namespace). The
difference from ip_batch_floor.sh: iproute2 cannot switch namespace inside one `ip -batch`, so that
floor forks one `ip -n NS -batch` per namespace; here one socket per namespace is opened while
inside it (unshare/bind mount/setns, as `ip netns add` does) and used from the same process.

Teardown: one RTM_DELLINK for the interface group (every host-side device) and one umount+unlink
per namespace, as netrig destroys a lab.

Prints one line of JSON with create_s / destroy_s measured inside the process (interpreter start-up
excluded). Standard library only (ctypes for unshare/setns/mount); needs root.
"""
import argparse
import ctypes
import ctypes.util
import errno
import json
import os
import socket
import struct
import subprocess
import sys
import time

NETNS_DIR = "/run/netns"
CLONE_NEWNET = 0x40000000
MS_BIND, MS_REC, MS_SHARED = 4096, 16384, 1 << 20
MNT_DETACH = 2

RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_NEWADDR = 16, 17, 18, 20
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE, NLM_F_DUMP = 1, 4, 0x200, 0x400, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
IFLA_IFNAME, IFLA_MASTER, IFLA_LINKINFO, IFLA_GROUP, IFLA_NET_NS_FD = 3, 10, 18, 27, 28
IFLA_INFO_KIND, IFLA_INFO_DATA, VETH_INFO_PEER = 1, 2, 1
IFLA_BR_FORWARD_DELAY, IFLA_BR_STP_STATE = 1, 5
IFA_ADDRESS, IFA_LOCAL, IFA_BROADCAST = 1, 2, 4
IFF_UP = 1

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def check(ret, what):
    if ret != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"{what}: {os.strerror(e)}")


def attr(kind, payload):
    data = struct.pack("=HH", 4 + len(payload), kind) + payload
    return data + b"\0" * (-len(data) % 4)


def attr_str(kind, text):
    return attr(kind, text.encode() + b"\0")


def attr_u32(kind, value):
    return attr(kind, struct.pack("=I", value))


def ifinfo(index=0, up=False):
    return struct.pack("=BxHiII", socket.AF_UNSPEC, 0, index, IFF_UP if up else 0, IFF_UP if up else 0)


class Netlink:
    """One rtnetlink socket; requests are queued and sent in 32 KiB batches, acks checked."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.bind((0, 0))
        self.seq = 0
        self.queue = []  # (seq, bytes, description)

    def add(self, msg_type, flags, body, what):
        self.seq += 1
        msg = struct.pack("=IHHII", 16 + len(body), msg_type, NLM_F_REQUEST | NLM_F_ACK | flags, self.seq, 0) + body
        self.queue.append((self.seq, msg, what))

    def flush(self, tolerate=()):
        pending = {}
        batch = b""
        queue, self.queue = self.queue, []
        for seq, msg, what in queue:
            if len(batch) + len(msg) > 32768:
                self._send(batch, pending, tolerate)
                batch = b""
            batch += msg
            pending[seq] = what
        self._send(batch, pending, tolerate)

    def _send(self, batch, pending, tolerate):
        if not batch:
            return
        self.sock.send(batch)
        while pending:
            data = self.sock.recv(1 << 16)
            off = 0
            while off + 16 <= len(data):
                length, msg_type, _flags, seq, _pid = struct.unpack_from("=IHHII", data, off)
                if msg_type == NLMSG_ERROR and seq in pending:
                    (err,) = struct.unpack_from("=i", data, off + 16)
                    what = pending.pop(seq)
                    if err and -err not in tolerate:
                        raise OSError(-err, f"{what}: {os.strerror(-err)}")
                off += (length + 3) & ~3

    def index_of(self, name):
        self.seq += 1
        body = ifinfo() + attr_str(IFLA_IFNAME, name)
        self.sock.send(struct.pack("=IHHII", 16 + len(body), RTM_GETLINK, NLM_F_REQUEST, self.seq, 0) + body)
        data = self.sock.recv(1 << 16)
        _len, msg_type, _f, _seq, _pid = struct.unpack_from("=IHHII", data, 0)
        if msg_type == NLMSG_ERROR:
            (err,) = struct.unpack_from("=i", data, 16)
            raise OSError(-err, f"find {name}: {os.strerror(-err)}")
        return struct.unpack_from("=BxHiII", data, 16)[2]

    def group_members(self, group):
        """Names of the devices in interface group `group` (one dump)."""
        self.seq += 1
        body = ifinfo()
        self.sock.send(struct.pack("=IHHII", 16 + len(body), RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, self.seq, 0) + body)
        names = []
        while True:
            data = self.sock.recv(1 << 20)
            off = 0
            while off + 16 <= len(data):
                length, msg_type, _f, _seq, _pid = struct.unpack_from("=IHHII", data, off)
                if msg_type == NLMSG_DONE:
                    return names
                if msg_type == RTM_NEWLINK:
                    name, grp = None, 0
                    a = off + 32
                    while a + 4 <= off + length:
                        alen, atype = struct.unpack_from("=HH", data, a)
                        if alen < 4:
                            break
                        if atype == IFLA_IFNAME:
                            name = data[a + 4:a + alen].split(b"\0")[0].decode()
                        elif atype == IFLA_GROUP:
                            (grp,) = struct.unpack_from("=I", data, a + 4)
                        a += (alen + 3) & ~3
                    if grp == group:
                        names.append(name)
                off += (length + 3) & ~3


def bridge_msg(name, group):
    data = attr_u32(IFLA_BR_FORWARD_DELAY, 0) + attr_u32(IFLA_BR_STP_STATE, 0)
    info = attr_str(IFLA_INFO_KIND, "bridge") + attr(IFLA_INFO_DATA, data)
    return ifinfo(up=True) + attr_str(IFLA_IFNAME, name) + attr_u32(IFLA_GROUP, group) + attr(IFLA_LINKINFO, info)


def veth_msg(name, group, master, peer_name, peer_ns_fd=None, peer_group=None):
    peer = ifinfo() + attr_str(IFLA_IFNAME, peer_name)
    if peer_ns_fd is not None:
        peer += attr_u32(IFLA_NET_NS_FD, peer_ns_fd)
    if peer_group is not None:
        peer += attr_u32(IFLA_GROUP, peer_group)
    info = attr_str(IFLA_INFO_KIND, "veth") + attr(IFLA_INFO_DATA, attr(VETH_INFO_PEER, peer))
    return (ifinfo(up=True) + attr_str(IFLA_IFNAME, name) + attr_u32(IFLA_GROUP, group) + attr_u32(IFLA_MASTER, master)
            + attr(IFLA_LINKINFO, info))


def addr_msg(index, address, prefix_len):
    packed = socket.inet_aton(address)
    host_mask = (0xFFFFFFFF >> prefix_len) if prefix_len < 32 else 0
    brd = struct.pack("!I", struct.unpack("!I", packed)[0] | host_mask)
    body = struct.pack("=BBBBI", socket.AF_INET, prefix_len, 0, 0, index)
    return body + attr(IFA_LOCAL, packed) + attr(IFA_ADDRESS, packed) + attr(IFA_BROADCAST, brd)


def ensure_netns_dir():
    os.makedirs(NETNS_DIR, exist_ok=True)
    if libc.mount(b"", NETNS_DIR.encode(), b"none", MS_SHARED | MS_REC, None) == 0:
        return
    if ctypes.get_errno() != errno.EINVAL:
        check(-1, "make " + NETNS_DIR + " shared")
    check(libc.mount(NETNS_DIR.encode(), NETNS_DIR.encode(), b"none", MS_BIND | MS_REC, None), "bind " + NETNS_DIR)
    check(libc.mount(b"", NETNS_DIR.encode(), b"none", MS_SHARED | MS_REC, None), "make " + NETNS_DIR + " shared")


def create_netns(name, home_fd):
    """Creates /run/netns/NAME and returns (fd of the namespace, a netlink socket inside it)."""
    path = f"{NETNS_DIR}/{name}"
    os.close(os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0))
    try:
        check(libc.unshare(CLONE_NEWNET), "unshare")
        try:
            check(libc.mount(b"/proc/thread-self/ns/net", path.encode(), b"none", MS_BIND, None), "bind " + path)
            inside = Netlink()
            ns_fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        finally:
            check(libc.setns(home_fd, CLONE_NEWNET), "setns home")
    except Exception:
        os.unlink(path)
        raise
    return ns_fd, inside


def delete_netns(name):
    path = f"{NETNS_DIR}/{name}"
    libc.umount2(path.encode(), MNT_DETACH)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def our_netns(prefix):
    try:
        return sorted(n for n in os.listdir(NETNS_DIR) if n.startswith(prefix + "-"))
    except FileNotFoundError:
        return []


def our_links(prefix):
    return sorted(n for n in os.listdir("/sys/class/net") if n.startswith(prefix + "-"))


def teardown(host, prefix, group):
    members = host.group_members(group)
    if members and all(m.startswith(prefix + "-") for m in members):
        body = ifinfo() + attr_u32(IFLA_GROUP, group)
        host.add(RTM_DELLINK, 0, body, f"delete group {group}")
    else:  # someone else's device in the group: delete ours by name
        for name in our_links(prefix):
            host.add(RTM_DELLINK, 0, ifinfo() + attr_str(IFLA_IFNAME, name), "delete " + name)
    host.flush(tolerate=(errno.ENODEV,))
    for ns in our_netns(prefix):
        delete_netns(ns)


def build(shape, count, prefix, group, host, home_fd):
    """Returns the list of namespace names it created."""
    sockets = {}  # namespace -> (fd, Netlink inside it, address)
    if shape == "star":
        bridges = [f"{prefix}-br0"]
        nodes = [(f"{prefix}-h{i}", f"10.0.{i // 256}.{i % 256}", 16) for i in range(1, count + 1)]
    else:
        bridges = [f"{prefix}-b{i}" for i in range(1, count + 1)]
        nodes = [(f"{prefix}-h1", "10.0.0.1", 24), (f"{prefix}-h2", "10.0.0.2", 24)]
    for br in bridges:
        host.add(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, bridge_msg(br, group), "create " + br)
    host.flush()
    for name, address, plen in nodes:
        fd, inside = create_netns(name, home_fd)
        sockets[name] = (fd, inside, address, plen)
    index = {br: host.index_of(br) for br in bridges}
    # Node links: the node end (eth0) is created inside its namespace.
    attach = [(nodes[0][0], bridges[0])] if shape == "line" else [(n[0], bridges[0]) for n in nodes]
    if shape == "line":
        attach.append((nodes[1][0], bridges[-1]))
    for ns, br in attach:
        host.add(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, veth_msg(ns, group, index[br], "eth0", sockets[ns][0]),
                 "create veth " + ns)
    # Bridge-to-bridge links: both ends on the host; the peer is enslaved and brought up afterwards.
    for i in range(1, len(bridges)):
        a, b = f"{prefix}-b{i}-{i + 1}", f"{prefix}-b{i + 1}-{i}"
        host.add(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, veth_msg(a, group, index[bridges[i - 1]], b, peer_group=group),
                 f"create veth {a}")
        host.add(RTM_NEWLINK, 0, ifinfo(up=True) + attr_str(IFLA_IFNAME, b) + attr_u32(IFLA_MASTER, index[bridges[i]]),
                 "enslave " + b)
    host.flush()
    for ns, (fd, inside, address, plen) in sockets.items():
        inside.add(RTM_NEWLINK, 0, ifinfo(1, up=True), "lo up in " + ns)
        eth0 = inside.index_of("eth0")
        inside.add(RTM_NEWLINK, 0, ifinfo(eth0, up=True), "eth0 up in " + ns)
        inside.add(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, addr_msg(eth0, address, plen), "address in " + ns)
        inside.flush()
    for fd, inside, _a, _p in sockets.values():
        inside.sock.close()
        os.close(fd)
    return [n[0] for n in nodes]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("shape", choices=["star", "line", "cleanup"])
    ap.add_argument("count", type=int, nargs="?", default=0)
    ap.add_argument("--prefix", default="bnl")
    ap.add_argument("--group", type=int, default=48880)
    ap.add_argument("--verify", action="store_true", help="ping first -> last namespace before teardown (untimed)")
    args = ap.parse_args()
    if not (args.prefix.isalnum() and 1 <= len(args.prefix) <= 5):
        ap.error("prefix: 1-5 letters or digits")
    host = Netlink()
    if args.shape == "cleanup":
        teardown(host, args.prefix, args.group)
        return 0
    if args.count < 1:
        ap.error("count must be at least 1")
    if our_netns(args.prefix) or our_links(args.prefix) or host.group_members(args.group):
        print(f"netlink_floor: {args.prefix}-* or group {args.group} already in use; not touching it", file=sys.stderr)
        return 3
    ensure_netns_dir()
    home_fd = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    result = {"shape": args.shape, "count": args.count, "processes": 1}
    t0 = time.perf_counter()
    try:
        namespaces = build(args.shape, args.count, args.prefix, args.group, host, home_fd)
    except Exception as e:
        teardown(host, args.prefix, args.group)
        print(f"netlink_floor: {e}", file=sys.stderr)
        return 1
    result["create_s"] = round(time.perf_counter() - t0, 4)
    result["verified"] = None
    if args.verify:
        to = "10.0.0.2" if args.shape == "line" else f"10.0.{args.count // 256}.{args.count % 256}"
        ok = subprocess.run(["ip", "netns", "exec", namespaces[0], "ping", "-n", "-q", "-c1", "-W3", to],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
        result["verified"] = ok
    t1 = time.perf_counter()
    teardown(host, args.prefix, args.group)
    result["destroy_s"] = round(time.perf_counter() - t1, 4)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
