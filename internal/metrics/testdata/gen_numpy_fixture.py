#!/usr/bin/env python3
"""Regenerates numpy_fixture.json: numpy's own answers that summary_test.go
checks Summarize, pairwiseSum and AppendFloat against bit for bit.

Not run by CI (numpy is not a project dependency). Run by hand with any
numpy >= 1.22 (same linear percentile and pairwise sum since then):
    python3 gen_numpy_fixture.py > numpy_fixture.json
Floats are stored as their IEEE-754 bits so that no parser can round them.
"""
import json, random, struct
import numpy as np

def bits(f):
    return struct.unpack("<Q", struct.pack("<d", f))[0]

PCTS = [0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9]
rng = random.Random(20240501)
cases = []
sizes = [1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 100, 127, 128, 129, 130, 257, 1000]
for n in sizes:
    for kind in (("latency", "delay", "mixed", "ints") if n < 200 else ("latency", "mixed")):
        if kind == "latency":
            v = [rng.lognormvariate(-4, 1.5) for _ in range(n)]
        elif kind == "delay":
            v = [rng.gauss(0.001, 0.01) for _ in range(n)]
        elif kind == "mixed":
            v = [rng.uniform(-1, 1) * 10 ** rng.randint(-7, 6) for _ in range(n)]
        else:
            v = [float(rng.randint(0, 2000)) for _ in range(n)]
        ps = PCTS + [rng.uniform(0, 100) for _ in range(3)] + [0, 100, 33.3]
        a = np.array(v, dtype=np.float64)
        cases.append({
            "name": f"{kind}-n{n}",
            "values": [bits(x) for x in v],
            "percentiles": [bits(p) for p in ps],
            "mean": bits(float(np.mean(a))),
            "min": bits(float(np.min(a))),
            "max": bits(float(np.max(a))),
            "pct": [bits(float(np.percentile(a, p))) for p in ps],
        })

reprs = []
specials = [0.0, -0.0, 1.0, -1.0, 0.1, 1e-4, 9.999e-5, 1e-5, 1e15, 9999999999999998.0, 1e16, 1e17,
            123456789012345678.0, 2.0876000000669137e-05, 768000.0, 599.075171712914, 5e-324,
            1.7976931348623157e308, 0.00031407307315589605, -0.0012576370085071176, 1e22, 1e21, 100.0, 12345.678]
for f in specials:
    reprs.append({"bits": bits(f), "repr": repr(f)})
for _ in range(500):
    f = rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30)
    reprs.append({"bits": bits(f), "repr": repr(f)})

keys = []
for p in [0.1, 1.0, 5, 50.0, 99.9, 99.99, 1e-5, 0.0001, 12.5, 1234567.0, 100, 0, 33.333333333]:
    keys.append({"bits": bits(float(p)), "key": "median" if p == 50 else f"p{p:g}"})

print(json.dumps({"numpy": np.__version__, "cases": cases, "repr": reprs, "keys": keys}))
