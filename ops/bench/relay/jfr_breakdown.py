#!/usr/bin/env python3
"""Where the relay's CPU goes during a load phase, from a JFR recording.

    jcmd <relay pid> JFR.start name=p settings=profile filename=put.jfr
    ... run the load driver ...
    jcmd <relay pid> JFR.stop name=p
    jfr print --events jdk.ExecutionSample --stack-depth 64 put.jfr > put.txt
    python3 ops/bench/relay/jfr_breakdown.py put.txt

Each execution sample is put in the first matching category (crypto before store before HTTP).
"""
import collections
import re
import sys

CATEGORIES = [
    ("h2 (store writer)", ["org.h2."]),
    ("key decode (point decompression)", ["Ed25519Strict.decodeKey", "PublicKey.fromBytes"]),
    ("strict R check", ["validatePublicKeyPartial"]),
    ("ed25519 verify", ["Ed25519.verify", "implVerify"]),
    ("dns parse", ["DnsMessages", "org.xbill"]),
    ("caches (caffeine)", ["caffeine"]),
    ("http codec", ["io.netty.handler.codec.http"]),
    ("socket io", ["sun.nio.ch", "io.netty.channel"]),
    ("relay/store code", ["dev.keyway"]),
    ("vert.x", ["io.vertx"]),
]


def main(path):
    text = open(path).read()
    counts = collections.Counter()
    threads = collections.Counter()
    for event in text.split("jdk.ExecutionSample")[1:]:
        frames = re.findall(r"^\s+([\w$.<>]+)\(", event, re.M)
        if not frames:
            continue
        m = re.search(r'sampledThread = "([^"]+)"', event)
        threads[m.group(1) if m else "?"] += 1
        stack = " ".join(frames)
        for name, needles in CATEGORIES:
            if any(n in stack for n in needles):
                counts[name] += 1
                break
        else:
            counts["other"] += 1
    total = sum(counts.values())
    print(f"{total} samples; threads: {dict(threads.most_common(4))}")
    for name, n in counts.most_common():
        print(f"{100.0 * n / total:5.1f}%  {name}")


if __name__ == "__main__":
    main(sys.argv[1])
