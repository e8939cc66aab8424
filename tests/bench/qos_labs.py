#!/usr/bin/python3
"""The three lecture-27 labs, `netrig test` RUNS times in a row each: pass counts and the spread of
every check's measured figures (issue 17's "all three labs pass 10 runs in a row").

  sudo /usr/bin/python3 tests/bench/qos_labs.py [--runs 10] [--labs htb,tbf,ovs-qos] [--netrig PATH] [--out FILE]

Runs `netrig test topologies/lecture27-LAB.yaml --json-report F` (deploy, the file's tests:, destroy)
RUNS times per lab, labs interleaved (htb, tbf, ovs-qos, htb, ...), and writes its section of
docs/PERFORMANCE.md (between the qoslabs-bench markers) plus the raw figures to
tests/bench/last-qoslabs-results.jsonl. Per iperf3 check it keeps goodput (single flow: the
receiver's Mbit/s; flow group: each flow over the window all its flows ran, which is what the ratio
is checked on). Touches nothing but the labs `netrig test` deploys and destroys itself. Run it under
the lab lock (flock -o /tmp/netrig-lab.lock).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def figures_of(check):
    """(kind, values): a flow group's per-flow window Mbit/s, or a single flow's received Mbit/s."""
    if check.get("type") != "iperf3":
        return None, []
    flows = check.get("flows") or []
    if flows:
        return "flows", [fl.get("figures", {}).get("window_mbps") for fl in flows]
    fig = check.get("figures", {})
    return "single", [fig.get("received_mbps")]


def run_lab(netrig, lab, work, r):
    path = os.path.join(REPO, "topologies", f"lecture27-{lab}.yaml")
    rep = os.path.join(work, f"{lab}-{r}.json")
    t0 = time.perf_counter()
    p = subprocess.run([netrig, "test", path, "--json-report", rep], capture_output=True, text=True)
    rec = {"lab": lab, "run": r, "rc": p.returncode, "seconds": round(time.perf_counter() - t0, 1), "load": loadavg()}
    try:
        with open(rep) as f:
            report = json.load(f)
    except (OSError, ValueError):
        rec["error"] = (p.stderr or p.stdout).strip()[-500:]
        return rec
    checks = []
    for c in report.get("checks", []):
        kind, vals = figures_of(c)
        checks.append({"name": c.get("name") or c.get("type"), "status": c.get("status"), "kind": kind,
                       "values": vals, "message": c.get("message", "")})
    rec["checks"] = checks
    if p.returncode != 0:
        rec["stderr"] = p.stderr.strip()[-500:]
    return rec


def spread(vals):
    vals = [v for v in vals if isinstance(v, (int, float))]
    if not vals:
        return None
    m = statistics.mean(vals)
    sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
    return m, sd / m if m else 0.0, min(vals), max(vals)


def report(records, meta):
    out = ["<!-- qoslabs-bench start -->",
           "## The lecture-27 labs, `netrig test` 10 times in a row (tests/bench/qos_labs.py)\n",
           f"Measured {meta['date']}, {meta['nproc']} cores, load average {meta['load_start']} at the start and "
           f"{meta['load_end']} at the end (other sessions building). Each run is a whole `netrig test` (deploy, "
           "every check of the file, destroy); the labs interleaved. Goodput is iperf3 TCP (UDP where the check "
           "says so): a single flow as the receiver counts it, a flow group's flows over the seconds all of them "
           "ran (the figures its ratio is checked on). Spread = relative standard deviation over the runs.\n"]
    w = out.append
    for lab in meta["labs"]:
        rs = [r for r in records if r["lab"] == lab]
        if not rs:
            continue
        ok = sum(1 for r in rs if r["rc"] == 0)
        secs = statistics.median(r["seconds"] for r in rs)
        loads = [float(r["load"]) for r in rs]
        w(f"### topologies/lecture27-{lab}.yaml: {ok} of {len(rs)} runs passed (median {secs:.0f} s a run, "
          f"load {min(loads):.1f}–{max(loads):.1f})\n")
        names = []
        for r in rs:
            for c in r.get("checks", []):
                if c["name"] not in names:
                    names.append(c["name"])
        w("| check | statuses | goodput, Mbit/s: mean (min–max), spread | ratio (mean, min–max) |")
        w("|---|---|---|---|")
        for name in names:
            cs = [c for r in rs for c in r.get("checks", []) if c["name"] == name]
            st = {}
            for c in cs:
                st[c["status"]] = st.get(c["status"], 0) + 1
            status = ", ".join(f"{v} {k}" for k, v in sorted(st.items()))
            cells, ratio = "", ""
            kind = next((c["kind"] for c in cs if c["kind"]), None)
            if kind:
                n = max(len(c["values"]) for c in cs)
                parts = []
                for i in range(n):
                    s = spread([c["values"][i] for c in cs if len(c["values"]) > i])
                    if s:
                        parts.append(f"{s[0]:.2f} ({s[2]:.2f}–{s[3]:.2f}), {s[1] * 100:.1f} %")
                cells = " / ".join(parts)
                if kind == "flows" and n > 1:
                    good = [c["values"] for c in cs if len(c["values"]) == n and all(
                        isinstance(v, (int, float)) and v > 0 for v in c["values"])]
                    if good:
                        low = min(range(n), key=lambda i: statistics.mean(v[i] for v in good))
                        rel = [[v[i] / v[low] for v in good] for i in range(n)]
                        ratio = " : ".join("1" if i == low else f"{statistics.mean(x):.2f}" for i, x in enumerate(rel))
                        ratio += " (" + " : ".join("1" if i == low else f"{min(x):.2f}–{max(x):.2f}"
                                                   for i, x in enumerate(rel)) + ")"
            if st.get("skipped"):
                msg = next(c["message"] for c in cs if c["status"] == "skipped")
                cells = (cells + "; " if cells else "") + "skipped: " + msg.replace("|", "\\|")[:300]
            w(f"| {name} | {status} | {cells} | {ratio} |")
        fails = [(r["run"], c["name"], c["message"]) for r in rs for c in r.get("checks", [])
                 if c["status"] not in ("passed", "skipped")]
        for run, name, msg in fails:
            w(f"\n- run {run}, {name}: {msg}")
        for r in rs:
            if "error" in r:
                w(f"\n- run {r['run']}: no report ({r['error']})")
        w("")
    out.append("<!-- qoslabs-bench end -->")
    return "\n".join(out)


def write_section(path, section):
    with open(path) as f:
        text = f.read()
    pat = re.compile(r"<!-- qoslabs-bench start -->.*?<!-- qoslabs-bench end -->", re.S)
    text = pat.sub(lambda _m: section, text) if pat.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--labs", default="htb,tbf,ovs-qos")
    ap.add_argument("--netrig", default=os.path.join(REPO, "build", "netrig"))
    ap.add_argument("--out", default=os.path.join(REPO, "docs", "PERFORMANCE.md"))
    ap.add_argument("--results", default=os.path.join(HERE, "last-qoslabs-results.jsonl"))
    ap.add_argument("--report-only", action="store_true", help="rebuild the section from --results")
    args = ap.parse_args()
    labs = args.labs.split(",")
    if args.report_only:
        with open(args.results) as f:
            lines = [json.loads(x) for x in f if x.strip()]
        write_section(args.out, report(lines[1:], lines[0]))
        return 0
    if os.geteuid() != 0:
        print("qos_labs: needs root", file=sys.stderr)
        return 3
    work = tempfile.mkdtemp(prefix="netrig-qoslabs.")
    meta = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "nproc": os.cpu_count(),
            "load_start": loadavg(), "labs": labs, "runs": args.runs}
    records = []
    try:
        for r in range(1, args.runs + 1):
            for lab in labs:
                rec = run_lab(args.netrig, lab, work, r)
                records.append(rec)
                bad = [c["name"] for c in rec.get("checks", []) if c["status"] not in ("passed", "skipped")]
                print(f"[{time.strftime('%H:%M:%S')}] {lab} run {r}: rc {rec['rc']} {rec['seconds']} s "
                      f"load {rec['load']}" + (f" FAILED {bad}" if bad else ""), file=sys.stderr, flush=True)
    finally:
        meta["load_end"] = loadavg()
        with open(args.results, "w") as f:
            f.write(json.dumps(meta) + "\n")
            for rec in records:
                f.write(json.dumps(rec) + "\n")
        write_section(args.out, report(records, meta))
        print(f"wrote {args.out}, {args.results}; reports in {work}", file=sys.stderr)
    return 0 if all(r["rc"] == 0 for r in records) else 1


if __name__ == "__main__":
    sys.exit(main())
