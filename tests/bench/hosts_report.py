#!/usr/bin/env python3
"""Writes the hosts-bench section of docs/PERFORMANCE.md from hosts_bench.sh's results (standard library only).

  hosts_report.py RESULTS.jsonl DIAG.json PERFORMANCE.md --started ... --load-start ... --load-end ... [...]

Every figure comes from RESULTS (one line per tool x host count x run) and DIAG (the untimed
diagnostic deploy); nothing is typed in by hand.
"""
import argparse
import json
import re
import statistics

TARGET_S = 3.0

ap = argparse.ArgumentParser()
ap.add_argument("results")
ap.add_argument("diag")
ap.add_argument("out")
for a in ("started", "load_start", "load_end", "netrig_version", "versions"):
    ap.add_argument("--" + a.replace("_", "-"), default="")
for a in ("runs", "hosts", "tenants", "per_tenant", "pings", "cpus"):
    ap.add_argument("--" + a.replace("_", "-"), type=int, required=True)
args = ap.parse_args()

rows = [json.loads(l) for l in open(args.results) if l.strip()]
diag = json.load(open(args.diag))
sizes = sorted({r["hosts"] for r in rows})
N, T, K = args.hosts, args.tenants, args.per_tenant
TOOLS = ("netrig", "peer")


def ok(r):
    return "error" not in r["data"]


def vals(tool, n, key):
    return [r["data"][key] for r in rows if r["tool"] == tool and r["hosts"] == n and ok(r) and r["data"].get(key) is not None]


def med(tool, n, key):
    v = vals(tool, n, key)
    return statistics.median(v) if v else None


def total(tool, n):
    v = [r["data"]["deploy_s"] + r["data"]["destroy_s"] for r in rows if r["tool"] == tool and r["hosts"] == n and ok(r)]
    return statistics.median(v) if v else None


f3 = lambda v: "—" if v is None else f"{v:.3f}"
ratio = lambda a, b: "—" if not a or not b else f"{a / b:.2f}×"


def fit(points):
    """Least-squares slope and intercept of (x, y) points; None when fewer than two x values."""
    pts = [(x, y) for x, y in points if y is not None]
    if len({x for x, _ in pts}) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    slope = sum((x - mx) * (y - my) for x, y in pts) / sxx
    return slope, my - slope * mx


nodes = N * T * K
lines = [
    "<!-- hosts-bench start -->",
    f"## A mesh of {N} namespace hosts × {T} tenants × {K} nodes (tests/bench/hosts_bench.sh)",
    "",
    f"Generated on {args.started} (started; medians of {args.runs} runs made side by side in that one invocation, "
    f"alternating which side goes first). Load average (1/5/15 min; the machine is shared) {args.load_start} at the "
    f"start, {args.load_end} at the end. {args.netrig_version}; {args.versions}. No openvswitch kernel module here, "
    "so every host's OVS runs the userspace (`netdev`) datapath.",
    "",
    f"The lab (`gen_topology.py hosts N --tenants {T} --per-tenant {K}`): N hosts (`topology.hosts`, each a namespace "
    "with its **own** ovsdb-server + ovs-vswitchd), their eth0 on one underlay Linux bridge on `local`; on each host "
    f"br-int with one access port per node ({T * K} per host, tenant t's VLAN tag on host H is (H−1)·{T}+t) and a patch "
    "to br-tun; br-tun (fail_mode secure) with the patch, one VXLAN port (key: flow) to every other host, written out, "
    "and lecture28-vxlan.yaml's flow tables generated for N hosts; the underlay bridge `u-eth0` netrig makes for "
    "userspace tunnelling. At N = "
    f"{N}: {1 + N + nodes} namespaces ({N} hosts, {nodes} nodes, `local`), {2 * N} OVS daemons, {3 * N} OVS bridges, "
    f"{N * (N - 1)} tunnel ports, {N + nodes} veth pairs, {N * (N + 8 + 2 * T)} flows. All tenants share one "
    "on-link subnet (10.0.0.0/8, tenant t's nodes at 10.t.H.K) as in lecture28-vxlan.yaml, so the cross-tenant ping "
    "is stopped by the tags and tunnel ids, not by routing.",
    "",
    "netrig: `netrig deploy` / `netrig destroy` wall clock (the whole process, default workers). Peer: "
    "`tests/bench/hosts_peer.sh up` / `down`, a hand-written bash script building the same lab: one `ip -batch` for "
    "the namespaces and veths (created with both ends in place), each host's `ovsdb-tool create` + ovsdb-server + "
    "ovs-vswitchd started inside the host's namespace (`nsenter --net`, all hosts at once), one `ip -n NS -batch` per "
    "namespace (two at a time), then per host, concurrently, one ovs-vsctl transaction for u-eth0 / br-int / br-tun "
    "(it waits until ovs-vswitchd applied it), the underlay address on u-eth0 and one `ovs-ofctl add-flows`. Its "
    "teardown SIGKILLs the PIDs it started, waits for them to exit and deletes its namespaces in one `ip -batch`. "
    "It does not turn TX checksum offload off on the ports (netrig does; no ethtool here, and only ping crosses the "
    "lab), does not turn IPv6 off in the host namespaces, keeps no journal and marks nothing. After every deploy both sides must answer a ping h1t1n1 → hNt1n1 "
    "(untimed; \"first reply\" below is the time from the deploy's return to that reply). After every destroy the "
    "script checks that no namespace of the lab, no daemon PID (read from the pid files before the destroy) and no "
    "state directory is left.",
    "",
]

# Target.
nd, nt = med("netrig", N, "deploy_s"), total("netrig", N)
verdict = lambda v: "—" if v is None else ("**met**" if v < TARGET_S else "**missed**")
lines += ["| target (issue 16) | measured (median) | verdict |", "|---|--:|---|",
          f"| {N} hosts × {T} tenants × {K} nodes: deploy under {TARGET_S:g} s | netrig {f3(nd)} s "
          f"(peer {f3(med('peer', N, 'deploy_s'))} s) | {verdict(nd)} |",
          f"| … deploy + destroy under {TARGET_S:g} s (the stricter reading) | netrig {f3(nt)} s "
          f"(peer {f3(total('peer', N))} s) | {verdict(nt)} |", ""]

# Deploy / destroy table.
lines += ["### Deploy and destroy (seconds, medians)", "",
          "| hosts | nodes | phase | netrig | peer (bash) | netrig / peer |", "|--:|--:|---|--:|--:|--:|"]
for n in sizes:
    for key, label in (("deploy_s", "deploy"), ("destroy_s", "destroy"), (None, "**total**")):
        a = total("netrig", n) if key is None else med("netrig", n, key)
        b = total("peer", n) if key is None else med("peer", n, key)
        lines.append(f"| {n if key == 'deploy_s' else ''} | {n * T * K if key == 'deploy_s' else ''} | {label} | "
                     f"{f3(a)} | {f3(b)} | {ratio(a, b)} |")

# Cost per host.
lines += ["", "### Cost per added host", "",
          f"Least-squares line through the medians at {', '.join(map(str, sizes))} hosts (each host brings "
          f"{T * K} nodes, 2 OVS daemons, 3 bridges and a tunnel to every other host, so the work is not strictly "
          "linear: the tunnel ports and flows grow with N²), and the step between neighbouring sizes.", "",
          "| side | phase | ms per added host (fit) | fixed part (fit, s) | steps between sizes (ms per host) |",
          "|---|---|--:|--:|---|"]
for tool in TOOLS:
    for key, label in (("deploy_s", "deploy"), ("destroy_s", "destroy"), (None, "total")):
        pts = [(n, total(tool, n) if key is None else med(tool, n, key)) for n in sizes]
        ft = fit(pts)
        steps = []
        for (a, ya), (b, yb) in zip(pts, pts[1:]):
            if ya is not None and yb is not None:
                steps.append(f"{a}→{b}: {1000 * (yb - ya) / (b - a):.0f}")
        lines.append(f"| {tool if key == 'deploy_s' else ''} | {label} | {'—' if not ft else f'{1000 * ft[0]:.0f}'} | "
                     f"{'—' if not ft else f'{ft[1]:.3f}'} | {', '.join(steps) or '—'} |")

# Pings.
lines += ["", f"### Across the overlay at {N} hosts", "",
          f"After the first reply, 10 warm-up pings, then {args.pings} pings 20 ms apart from h1t1n1 (hv1) to hNt1n1 "
          f"(hv{N}, tenant 1) — VXLAN over the underlay between two userspace datapaths — and 3 pings from h1t1n1 to "
          f"h{N}t2n1 (tenant 2), which must all go unanswered. One line per run.", "",
          "| side | run | first reply after deploy (s) | rtt min / avg / max / mdev (ms) | loss | cross-tenant replies (must be 0) |",
          "|---|--:|--:|---|--:|---|"]
for tool in TOOLS:
    for r in rows:
        if r["tool"] != tool or r["hosts"] != N or not ok(r):
            continue
        p = r["data"].get("pings") or {}
        rtt = p.get("rtt_ms")
        rt = "—" if not rtt else f"{rtt['min']:.3f} / {rtt['avg']:.3f} / {rtt['max']:.3f} / {rtt['mdev']:.3f}"
        cr = p.get("cross_tenant_received")
        crs = "—" if cr is None else (f"0 (isolated)" if cr == 0 else f"**{cr} — NOT isolated**")
        reach = r["data"].get("reach_s")
        lines.append(f"| {tool} | {r['run']} | {'never (15 s)' if reach == -1 else f3(reach)} | {rt} | "
                     f"{'—' if p.get('loss_pct') is None else str(p['loss_pct']) + ' %'} | {crs} |")

# Peer phases.
ph = [r["data"].get("phases") for r in rows if r["tool"] == "peer" and r["hosts"] == N and ok(r) and r["data"].get("phases")]
if ph:
    keys = list(ph[0].keys())
    lines += ["", f"The peer's deploy at {N} hosts by phase (seconds from its start, median of the runs): " +
              "; ".join(f"{k} {statistics.median(p[k] for p in ph if k in p):.3f}" for k in keys) + "."]

# Where netrig's time goes.
steps = diag.get("steps") or []
if steps:
    ovs = []
    stages = []
    end = None
    for l in steps:
        m = re.match(r"([0-9.]+) (.*)", l)
        if not m:
            continue
        t, text = float(m.group(1)), m.group(2)
        end = t
        if ": stage " in text:
            stages.append((t, text.split(": stage ", 1)[1]))
        d = re.search(r"done in ([0-9.]+) s", text)
        if d and "ovs" in text.lower():
            ovs.append(float(d.group(1)))
    lines += ["", f"### Where netrig's deploy time goes ({N} hosts, one extra untimed deploy)", "",
              "`netrig deploy` prints a line when each stage starts and when each host's OVS start (a slow step) is "
              "done; the script time-stamped them (seconds since the command started):", "",
              "| s | stage started |", "|--:|---|"]
    lines += [f"| {t:.3f} | {s} |" for t, s in stages]
    if end is not None:
        lines.append(f"| {end:.3f} | {steps[-1].split(' ', 1)[1] if steps else ''} |")
    if ovs:
        lines += ["", f"Each host's OVS start (`ovsdb-tool create`, ovsdb-server up, ovs-vswitchd spawned), "
                  f"{len(ovs)} of them: {min(ovs):.3f}–{max(ovs):.3f} s, sum {sum(ovs):.3f} s."]
fr = diag.get("front")
if fr:
    lines += ["", f"Before the first step: `netrig --version` (process start alone) {f3(fr['version_s'])} s, `netrig validate` "
              f"of this file (YAML, model, and one `ovs-ofctl parse-flows` per switch with flows) {f3(fr['validate_s'])} s, "
              f"`netrig plan` {f3(fr['plan_s'])} s."]
ws = diag.get("workers") or []
if ws:
    lines += ["", f"`netrig deploy --workers W` at {N} hosts, one deploy each after the measured runs (single figures, "
              f"not medians; the default is one worker per CPU, {args.cpus} here):", "",
              "| workers | deploy (s) | destroy (s) | first reply after deploy (s) |", "|--:|--:|--:|--:|"]
    for w in ws:
        bad = w["deploy_s"] < 0
        lines.append(f"| {int(w['workers'])} | {'failed' if bad else f3(w['deploy_s'])} | "
                     f"{'—' if bad else f3(w['destroy_s'])} | {'—' if bad or w['reach_s'] < 0 else f3(w['reach_s'])} |")
    good = [w for w in ws if w["deploy_s"] >= 0]
    if len(good) >= 2:
        lo, hi = min(good, key=lambda w: w["deploy_s"]), max(good, key=lambda w: w["deploy_s"])
        lines += ["", f"Fastest with {int(lo['workers'])} workers ({f3(lo['deploy_s'])} s), slowest with "
                  f"{int(hi['workers'])} ({f3(hi['deploy_s'])} s): the deploy's steps mostly wait (an `ovs-vsctl` "
                  "blocks until its host's ovs-vswitchd has applied the transaction), so more workers than CPUs still help."
                  if lo["workers"] > hi["workers"] else
                  f"Fastest with {int(lo['workers'])} workers ({f3(lo['deploy_s'])} s), slowest with {int(hi['workers'])} "
                  f"({f3(hi['deploy_s'])} s)."]
for key, what in (("strace_deploy", "deploy"), ("strace_destroy", "destroy")):
    rs = diag.get(key)
    if not rs:
        continue
    lines += ["", f"`strace -f -b execve -w -c` of one extra `netrig {what}` at {N} hosts (netrig's threads and forks, "
              "not the programs it execs — ovs-vsctl, ovs-ofctl, the daemons; wall time per syscall summed over threads; "
              "strace slows cheap syscalls, so read the counts more than the seconds; `poll`, `futex` and `wait4` are "
              "waiting — for child programs, for workers):", "", "| syscall | calls | seconds | share |",
              "|---|--:|--:|--:|"]
    lines += [f"| {r['syscall']} | {r['calls']} | {r['seconds']:.3f} | {r['share']:.0f} % |" for r in rs]

lines += ["", "ANALYSIS-PLACEHOLDER", ""]

# Every run.
lines += ["### Every run (seconds: deploy + destroy; leftovers after the destroy)", "",
          "| side | hosts | " + " | ".join(f"run {i}" for i in range(1, args.runs + 1)) + " | leftovers |",
          "|---|--:|" + "--:|" * args.runs + "---|"]
for tool in TOOLS:
    for n in sizes:
        cells, left = [], []
        for i in range(1, args.runs + 1):
            r = next((x for x in rows if x["tool"] == tool and x["hosts"] == n and x["run"] == i), None)
            if r is None:
                cells.append("—")
            elif not ok(r):
                cells.append("failed: " + r["data"]["error"][-120:].replace("|", "/").replace("\n", " "))
            else:
                cells.append(f"{r['data']['deploy_s']:.3f} + {r['data']['destroy_s']:.3f}")
                left += r["data"].get("leftovers") or []
        lines.append(f"| {tool} | {n} | " + " | ".join(cells) + f" | {'none' if not left else ', '.join(left)} |")
if diag.get("leftovers"):
    lines += ["", f"After the diagnostic deploys: left {', '.join(diag['leftovers'])}."]
lines.append("<!-- hosts-bench end -->")

section = "\n".join(lines)
# A hand-written analysis between <!-- hosts-analysis start/end --> inside the old section is kept.
text = open(args.out).read()
m = re.search(r"<!-- hosts-analysis start -->.*?<!-- hosts-analysis end -->", text, flags=re.S)
section = section.replace("ANALYSIS-PLACEHOLDER", m.group(0) if m else
                          "<!-- hosts-analysis start -->\n<!-- hosts-analysis end -->")
if "<!-- hosts-bench start -->" in text:
    text = re.sub(r"<!-- hosts-bench start -->.*?<!-- hosts-bench end -->", lambda _: section, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(args.out, "w").write(text)
print(section)
