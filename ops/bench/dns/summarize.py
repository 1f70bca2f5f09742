#!/usr/bin/env python3
"""summarize.py RESULTS_DIR -- Markdown summary of one ops/bench/dns/run.sh run: medians per
server, protocol and offered load over all rounds and reps, keyway/Knot ratios, p99 at the fixed
rate, load time and memory."""
import csv, os, statistics as st, sys

d = sys.argv[1]
dns = list(csv.DictReader(open(os.path.join(d, "dns.csv"))))
load = list(csv.DictReader(open(os.path.join(d, "load.csv"))))

def med(xs):
    xs = [x for x in xs if x is not None]
    return st.median(xs) if xs else float("nan")

def pick(server, proto, fixed):
    return [r for r in dns if r["server"] == server and r["proto"] == proto
            and (int(r["target_qps"]) < 1_000_000) == fixed]

def rounds(rows, f):
    by = {}
    for r in rows:
        by.setdefault(r["round"], []).append(f(r))
    return " / ".join(f"{med(v):,.0f}" for _, v in sorted(by.items()))

env = open(os.path.join(d, "env.txt")).read().strip().splitlines()
print("Run: " + "; ".join(env) + "\n")
print("| server | proto | offered | QPS median | per-round medians | min..max | avg lat ms | p99 ms | max ms | lost |")
print("|---|---|---|---:|---|---|---:|---:|---:|---:|")
for fixed in (False, True):
    for proto in (("udp",) if fixed else ("udp", "tcp")):
        for s in ("knot", "keyway"):
            g = pick(s, proto, fixed)
            if not g:
                continue
            q = [float(r["qps"]) for r in g]
            p99 = [float(r["p99_ms"]) for r in g if float(r["p99_ms"]) >= 0]
            off = f"{int(g[0]['target_qps']):,}" if fixed else "max"
            print(f"| {s} | {proto} | {off} | **{med(q):,.0f}** | {rounds(g, lambda r: float(r['qps']))} | "
                  f"{min(q):,.0f}..{max(q):,.0f} | {med([float(r['avg_ms']) for r in g]):.3f} | "
                  f"{med(p99):.3f} | {med([float(r['max_ms']) for r in g]):.1f} | "
                  f"{sum(int(r['lost'] or 0) for r in g)} |")

print("\n**keyway / Knot** (medians over every rep of every round):\n")
print("| measure | Knot | keyway | keyway/Knot | target |")
print("|---|---:|---:|---:|---|")
for proto in ("udp", "tcp"):
    k = med([float(r["qps"]) for r in pick("knot", proto, False)])
    w = med([float(r["qps"]) for r in pick("keyway", proto, False)])
    print(f"| {proto.upper()} QPS (saturation) | {k:,.0f} | {w:,.0f} | **{w / k:.2f}** | >= 1.00 |")
for name, col in (("avg latency ms at fixed rate", "avg_ms"), ("p99 latency ms at fixed rate", "p99_ms")):
    k = med([float(r[col]) for r in pick("knot", "udp", True)])
    w = med([float(r[col]) for r in pick("keyway", "udp", True)])
    print(f"| {name} | {k:.3f} | {w:.3f} | **{w / k:.2f}** | <= 1.00 |")
for name, col in (("load time s (launch -> last owner answers)", "load_s"),
                  ("first pass over the queries, QPS (cold cache)", "cold_pass_qps"),
                  ("RSS MiB after load", "rss_kib_loaded"), ("RSS MiB after the runs", "rss_kib_after"),
                  ("peak RSS (VmHWM) MiB", "hwm_kib_after")):
    scale = 1 if col in ("load_s", "cold_pass_qps") else 1 / 1024
    k = med([float(r[col]) * scale for r in load if r["server"] == "knot"])
    w = med([float(r[col]) * scale for r in load if r["server"] == "keyway"])
    target = "< 300 MiB" if col.startswith("rss") or col.startswith("hwm") else ""
    print(f"| {name} | {k:,.2f} | {w:,.2f} | {w / k:.2f} | {target} |")
pub = os.path.join(d, "publish.txt")
if os.path.exists(pub):
    print("\nkeyway publish (PUT /pkarr over HTTP into an empty store, 128 concurrent clients): "
          + " ".join(l.strip() for l in open(pub)))
up = os.path.join(d, "uptime.log")
if os.path.exists(up):
    print("\nMachine load (uptime) around each server run:\n")
    for line in open(up):
        print("    " + line.rstrip())
