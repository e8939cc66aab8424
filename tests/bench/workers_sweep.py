#!/usr/bin/python3
"""Deploy workers sweep: how `netrig deploy --workers W` changes the deploy time of labs whose steps
mostly wait (on the kernel, on ovs-vsctl, on runc), to pick the default.

  sudo tests/bench/workers_sweep.py [--runs 3] [--workers 2,4,8,16] [--netrig PATH] [--out FILE]

Labs (tests/bench/gen_topology.py): star 50 (netns nodes, one Linux bridge), star 50 --switch ovs,
star 50 --node-kind container (needs the netrig/debian image), hosts 8 (8 hosts x 4 tenants x 2
nodes, a VXLAN mesh). For each lab and worker count: the median of --runs deploys (each followed by
an untimed destroy), the worker counts interleaved run by run so load drifts hit them alike.
Writes its section of docs/PERFORMANCE.md (between the workers-sweep markers) and appends the raw
figures to tests/bench/last-workers-results.jsonl. Touches only its own labs (sweep-*).
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
LABS = [
    ("sweep-star", ["star", "50"], "star 50, netns nodes, Linux bridge"),
    ("sweep-ovs", ["star", "50", "--switch", "ovs"], "star 50, netns nodes, one OVS switch"),
    ("sweep-ct", ["star", "50", "--node-kind", "container"], "star 50, container nodes"),
    ("sweep-hosts", ["hosts", "8"], "8 hosts x 4 tenants x 2 nodes, VXLAN mesh"),
]
START, END = "<!-- workers-sweep start -->", "<!-- workers-sweep end -->"


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", default="2,4,8,16")
    ap.add_argument("--netrig", default=os.path.join(REPO, "build", "netrig"))
    ap.add_argument("--out", default=os.path.join(REPO, "docs", "PERFORMANCE.md"))
    ap.add_argument("--labs", default=",".join(l[0] for l in LABS), help="which labs (names above)")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("workers_sweep.py: needs root")
    workers = [int(w) for w in a.workers.split(",")]
    chosen = [l for l in LABS if l[0] in a.labs.split(",")]
    for name, _, _ in chosen:
        if run([a.netrig, "inspect", name]).returncode == 0:
            sys.exit(f"workers_sweep.py: lab {name} is deployed; destroy it or run later")
    work = tempfile.mkdtemp(prefix="netrig-sweep.")
    load_start = open("/proc/loadavg").read().split()[:3]
    commit = run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"]).stdout.strip()
    figures = {}  # (lab, workers) -> [deploy seconds]
    errors = []
    deployed = None
    try:
        for name, shape, _ in chosen:
            path = os.path.join(work, name + ".yaml")
            gen = run([sys.executable, os.path.join(HERE, "gen_topology.py"), *shape, "--name", name, "-o", path])
            if gen.returncode != 0:
                sys.exit(gen.stdout)
            for r in range(a.runs):
                order = workers if r % 2 == 0 else list(reversed(workers))
                for w in order:
                    t0 = time.monotonic()
                    d = run([a.netrig, "deploy", path, "--workers", str(w)])
                    took = time.monotonic() - t0
                    deployed = name
                    if d.returncode != 0:
                        errors.append(f"{name} --workers {w}: deploy exit {d.returncode}: {d.stdout[-300:]}")
                    else:
                        figures.setdefault((name, w), []).append(took)
                    x = run([a.netrig, "destroy", name])
                    deployed = None
                    if x.returncode != 0:
                        errors.append(f"{name}: destroy exit {x.returncode}: {x.stdout[-300:]}")
                    print(f"[{time.strftime('%H:%M:%S')}] {name} --workers {w} run {r + 1}: {took:.3f} s", file=sys.stderr)
    finally:
        if deployed:
            run([a.netrig, "destroy", deployed])
    load_end = open("/proc/loadavg").read().split()[:3]
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    with open(os.path.join(HERE, "last-workers-results.jsonl"), "a") as f:
        f.write(json.dumps({"when": stamp, "commit": commit, "load_start": load_start, "load_end": load_end,
                            "runs": {f"{k[0]}/{k[1]}": v for k, v in figures.items()}, "errors": errors}) + "\n")
    lines = [START, "## Deploy workers (tests/bench/workers_sweep.py)", "",
             f"Generated on {stamp} at {commit}: median `netrig deploy` wall clock of {a.runs} runs per cell, "
             f"worker counts interleaved (forward, then backward order). Load average {' '.join(load_start)} at the "
             f"start, {' '.join(load_end)} at the end; {os.cpu_count()} CPUs.", "",
             "| lab | " + " | ".join(f"--workers {w} (s)" for w in workers) + " |",
             "|---|" + "--:|" * len(workers)]
    for name, _, what in chosen:
        cells = []
        for w in workers:
            v = figures.get((name, w))
            cells.append(f"{statistics.median(v):.3f}" if v else "failed")
        lines.append(f"| {what} | " + " | ".join(cells) + " |")
    if errors:
        lines += ["", "Errors: " + "; ".join(errors)]
    lines.append(END)
    section = "\n".join(lines)
    text = open(a.out).read()
    if START in text and END in text:
        text = text[:text.index(START)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    open(a.out, "w").write(text)
    print(section)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
