#!/usr/bin/env python3
"""summarize.py RESULTS_DIR [RESULTS_DIR...] -- Markdown summary of ops/bench/dns/run.sh runs:
medians per server, protocol and offered load over all rounds and reps, keyway/Knot ratios, p99
at the fixed rate, load time and memory. With several directories their rows are pooled.

A run is "clean" when other processes used under 10 % of the machine's CPU while it ran
(foreign_cpu_pct, recorded by run.sh); ratios are shown over all runs and over clean runs."""
import csv, os, statistics as st, sys

dirs = sys.argv[1:]
dns, load, env = [], [], []
for d in dirs:
    dns += list(csv.DictReader(open(os.path.join(d, "dns.csv"))))
    load += list(csv.DictReader(open(os.path.join(d, "load.csv"))))
    env += [os.path.basename(d.rstrip("/")) + ": " + "; ".join(
        open(os.path.join(d, "env.txt")).read().strip().splitlines())]
CLEAN = 10.0


def med(xs):
    xs = [x for x in xs if x is not None]
    return st.median(xs) if xs else float("nan")


def clean(r):
    f = r.get("foreign_cpu_pct")
    return f not in (None, "") and float(f) < CLEAN


def pick(rows, server, proto, fixed):
    return [r for r in rows if r["server"] == server and r["proto"] == proto
            and (int(r["target_qps"]) < 1_000_000) == fixed]


def per_round(rows, f):
    by = {}
    for r in rows:
        by.setdefault(r["round"], []).append(f(r))
    return " / ".join(f"{med(v):,.0f}" for _, v in sorted(by.items()))


for e in env:
    print("- " + e)
print()
print("| server | proto | offered | QPS median | per-round medians | min..max | avg lat ms | p99 ms "
      "| max ms | lost | clean runs | QPS median, clean |")
print("|---|---|---|---:|---|---|---:|---:|---:|---:|---:|---:|")
for fixed in (False, True):
    for proto in (("udp",) if fixed else ("udp", "tcp")):
        for s in ("knot", "keyway"):
            g = pick(dns, s, proto, fixed)
            if not g:
                continue
            q = [float(r["qps"]) for r in g]
            p99 = [float(r["p99_ms"]) for r in g if float(r["p99_ms"]) >= 0]
            c = [float(r["qps"]) for r in g if clean(r)]
            off = f"{int(g[0]['target_qps']):,}" if fixed else "max"
            print(f"| {s} | {proto} | {off} | **{med(q):,.0f}** | {per_round(g, lambda r: float(r['qps']))} | "
                  f"{min(q):,.0f}..{max(q):,.0f} | {med([float(r['avg_ms']) for r in g]):.3f} | "
                  f"{med(p99) if p99 else float('nan'):.3f} | {med([float(r['max_ms']) for r in g]):.1f} | "
                  f"{sum(int(r['lost'] or 0) for r in g)} | {len(c)}/{len(g)} | {med(c):,.0f} |")


def ratio_rows(rows, label):
    print(f"\n**keyway / Knot, {label}** (medians over reps of every round):\n")
    print("| measure | Knot | keyway | keyway/Knot | target |")
    print("|---|---:|---:|---:|---|")
    for proto in ("udp", "tcp"):
        k = med([float(r["qps"]) for r in pick(rows, "knot", proto, False)])
        w = med([float(r["qps"]) for r in pick(rows, "keyway", proto, False)])
        print(f"| {proto.upper()} QPS (saturation) | {k:,.0f} | {w:,.0f} | **{w / k:.2f}** | >= 1.00 |")
    for name, col in (("avg latency ms at 20k QPS", "avg_ms"), ("p99 latency ms at 20k QPS", "p99_ms")):
        k = med([float(r[col]) for r in pick(rows, "knot", "udp", True)])
        w = med([float(r[col]) for r in pick(rows, "keyway", "udp", True)])
        print(f"| {name} | {k:.3f} | {w:.3f} | **{w / k:.2f}** | <= 1.00 |")


ratio_rows(dns, "all runs")
if any(clean(r) for r in dns):
    ratio_rows([r for r in dns if clean(r)], f"clean runs only (< {CLEAN:.0f} % foreign CPU)")

print("\n**Start-up and memory** (medians over server starts):\n")
print("| measure | Knot | keyway | keyway/Knot | target |")
print("|---|---:|---:|---:|---|")
for name, col in (("load time s (launch -> last owner answers)", "load_s"),
                  ("first pass over the queries, QPS (cold cache)", "cold_pass_qps"),
                  ("RSS MiB after load", "rss_kib_loaded"), ("RSS MiB after the runs", "rss_kib_after"),
                  ("peak RSS (VmHWM) MiB", "hwm_kib_after")):
    if not all(col in r for r in load):
        continue
    scale = 1 if col in ("load_s", "cold_pass_qps") else 1 / 1024
    k = med([float(r[col]) * scale for r in load if r["server"] == "knot"])
    w = med([float(r[col]) * scale for r in load if r["server"] == "keyway"])
    target = "< 300 MiB" if col.startswith(("rss", "hwm")) else ""
    print(f"| {name} | {k:,.2f} | {w:,.2f} | {w / k:.2f} | {target} |")
for d in dirs:
    pub = os.path.join(d, "publish.txt")
    if os.path.exists(pub):
        print(f"\n{os.path.basename(d.rstrip('/'))} publish (PUT /pkarr over HTTP into an empty store, 128 "
              "concurrent clients): " + " ".join(l.strip() for l in open(pub)))
    up = os.path.join(d, "uptime.log")
    if os.path.exists(up):
        print(f"\nMachine load (uptime) around each server run, {os.path.basename(d.rstrip('/'))}:\n")
        for line in open(up):
            print("    " + line.rstrip())
