#!/usr/bin/env python3
"""tls-count-rounds.py TRACE: one loop round of the server at a time, from
`perf script -F time,event,trace` of raw_syscalls: median µs from waking
(epoll_wait returns) to the first write, the writes, after them, asleep."""
import re
import statistics
import sys

EPOLL = {232, 281, 441}  # epoll_wait, epoll_pwait, epoll_pwait2
WRITE = 1
line_re = re.compile(r"^\s*([0-9.]+):\s+raw_syscalls:sys_(enter|exit):\s+NR (\d+)")
rounds, cur, t_wake = [], None, None
for line in open(sys.argv[1]):
    m = line_re.match(line)
    if not m:
        continue
    t, kind, nr = float(m.group(1)) * 1e6, m.group(2), int(m.group(3))
    if nr in EPOLL and kind == "exit":
        t_wake, cur = t, {"wake": t, "writes": []}
    elif nr in EPOLL and kind == "enter" and cur is not None:
        if cur["writes"]:
            cur["sleep"] = t
            rounds.append(cur)
        cur = None
    elif nr == WRITE and cur is not None:
        if kind == "enter":
            cur["writes"].append([t, None])
        elif cur["writes"]:
            cur["writes"][-1][1] = t
for i, r in enumerate(rounds[:-1]):
    r["next"] = rounds[i + 1]["wake"]
rounds = [r for r in rounds[:-1] if r["writes"][-1][1] is not None]
if not rounds:
    sys.exit("no rounds in the trace")
med = lambda f: statistics.median(f(r) for r in rounds)
print("rounds %d, writes a round %.1f" % (len(rounds), med(lambda r: len(r["writes"]))))
print("us: wake->1st write %.1f  writes %.1f (each %.1f in the kernel)  after %.1f  asleep %.1f  round %.1f" % (
    med(lambda r: r["writes"][0][0] - r["wake"]),
    med(lambda r: r["writes"][-1][1] - r["writes"][0][0]),
    med(lambda r: statistics.median(w[1] - w[0] for w in r["writes"])),
    med(lambda r: r["sleep"] - r["writes"][-1][1]),
    med(lambda r: r["next"] - r["sleep"]),
    med(lambda r: r["next"] - r["wake"])))
