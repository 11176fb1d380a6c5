#!/usr/bin/env python3
"""Compare two NAC score CSVs (e.g. reference_nac.py vs the C++ `nac` tool).

    /usr/bin/python3 tools/compare_scores.py A.csv B.csv [--tol 1e-5]

Rows are joined on `index`.  Prints mean and max absolute difference of `score` and of every
other numeric column present in both files.  Exit status: 0 if the mean absolute difference
of `score` is below --tol, 1 if not, 2 if the files cannot be compared.
"""
import argparse
import csv
import math
import sys


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or "index" not in rows[0] or "score" not in rows[0]:
        raise SystemExit(f"{path}: need a header with 'index' and 'score' and at least one row")
    return {int(r["index"]): r for r in rows}, list(rows[0].keys())


def diff(a: str, b: str) -> float:
    x, y = float(a), float(b)
    if math.isnan(x) and math.isnan(y):
        return 0.0
    return abs(x - y) if not (math.isnan(x) or math.isnan(y)) else math.inf


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--tol", type=float, default=1e-5)
    args = ap.parse_args()
    try:
        ra, ca = read(args.a)
        rb, cb = read(args.b)
    except SystemExit as e:
        print(e, file=sys.stderr)
        return 2
    common = sorted(set(ra) & set(rb))
    if not common:
        print("no common indices", file=sys.stderr)
        return 2
    if len(common) != len(ra) or len(common) != len(rb):
        print(f"warning: {len(ra)} vs {len(rb)} rows, comparing the {len(common)} common indices")
    cols = [c for c in ca if c in cb and c != "index"]
    result = {}
    for c in cols:
        d = [diff(ra[i][c], rb[i][c]) for i in common]
        result[c] = (sum(d) / len(d), max(d), sum(v > args.tol for v in d))
        print(f"{c:24s} mean|d| {result[c][0]:.3e}  max|d| {result[c][1]:.3e}  rows>tol {result[c][2]}")
    ok = result["score"][0] < args.tol
    print(f"{len(common)} rows; score mean abs diff {'<' if ok else '>='} {args.tol:g}: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
