#!/usr/bin/env python3
"""The table of scripts/check-unseen-models.sh: nac against the eager reference, per model and set.

    /usr/bin/python3 tools/unseen_table.py --dir OUT --model NAME [--model NAME]... \
        [--sets test,mnist,textures] [--mean-tol 1e-5] [--auroc-tol 0.1]

Reads OUT/NAME/{nac,eager}-SET.csv (and nac-cl-SET.csv, the channels-last run, when present).
Rows are joined on `index`. Per model and set: images, mean and max |score difference|, images
whose score differs by more than 1e-6, AUROC of the InD set (the first of --sets) against that set
(NAC-UE, higher score = more InD) from nac and from eager, and their difference in AUROC points
(percent). A model PASSes when every set's mean difference is below --mean-tol and every OOD set's
AUROC difference is below --auroc-tol points, and no set is vacuous (all eager scores equal). Per-layer columns (score_<layer>) are compared too.
Exit status 0 when all models pass.
"""
import argparse
import csv
import math
import os
import sys

from sklearn.metrics import roc_auc_score


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise SystemExit(f"{path}: no rows")
    return {int(r["index"]): r for r in rows}, list(rows[0].keys())


def absdiff(a, b):
    x, y = float(a), float(b)
    if math.isnan(x) and math.isnan(y):
        return 0.0
    if math.isnan(x) or math.isnan(y):
        return math.inf
    return abs(x - y)


def auroc(ind, ood):
    """InD positive, higher score = more InD."""
    return 100.0 * roc_auc_score([1] * len(ind) + [0] * len(ood), list(ind) + list(ood))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--model", action="append", required=True)
    ap.add_argument("--sets", default="test,mnist,textures")
    ap.add_argument("--mean-tol", type=float, default=1e-5)
    ap.add_argument("--auroc-tol", type=float, default=0.1)
    args = ap.parse_args()
    sets = args.sets.split(",")
    all_ok = True
    header = (f"{'model':36s} {'set':9s} {'images':>6s} {'mean|d|':>9s} {'max|d|':>9s} {'n>1e-6':>6s} "
              f"{'AUROC nac':>9s} {'AUROC eag':>9s} {'dAUROC':>9s} {'cl mean|d|':>10s}")
    print(header)
    print("-" * len(header))
    layer_lines, verdicts = [], []
    for m in args.model:
        d = os.path.join(args.dir, m)
        scores = {}
        ok = True
        reasons = []
        for s in sets:
            nac, ncols = read(os.path.join(d, f"nac-{s}.csv"))
            eag, ecols = read(os.path.join(d, f"eager-{s}.csv"))
            common = sorted(set(nac) & set(eag))
            if len(common) != len(nac) or len(common) != len(eag):
                reasons.append(f"{s}: {len(nac)} nac rows vs {len(eag)} eager rows, {len(common)} common")
                ok = False
            diffs = [absdiff(nac[i]["score"], eag[i]["score"]) for i in common]
            mean_d, max_d = sum(diffs) / len(diffs), max(diffs)
            over = sum(v > 1e-6 for v in diffs)
            scores[s] = ([float(nac[i]["score"]) for i in common], [float(eag[i]["score"]) for i in common])
            cl = "-"
            clp = os.path.join(d, f"nac-cl-{s}.csv")
            if os.path.exists(clp):
                clr, _ = read(clp)
                cc = sorted(set(clr) & set(eag))
                cl = f"{sum(absdiff(clr[i]['score'], eag[i]['score']) for i in cc) / len(cc):.3e}"
            if s == sets[0]:
                a_n = a_e = dd = "-"
            else:
                an, ae = auroc(scores[sets[0]][0], scores[s][0]), auroc(scores[sets[0]][1], scores[s][1])
                a_n, a_e, dd = f"{an:.4f}", f"{ae:.4f}", f"{an - ae:+.4f}"
                if not abs(an - ae) < args.auroc_tol:
                    ok = False
                    reasons.append(f"{s}: |dAUROC| {abs(an - ae):.4f} >= {args.auroc_tol}")
            if len(set(scores[s][1])) <= 1:    # every eager score equal: agreement proves nothing
                ok = False
                reasons.append(f"{s}: VACUOUS, all {len(common)} eager scores equal {scores[s][1][0]:g}")
            if not mean_d < args.mean_tol:
                ok = False
                reasons.append(f"{s}: mean|d| {mean_d:.3e} >= {args.mean_tol:g}")
            print(f"{m:36s} {s:9s} {len(common):6d} {mean_d:9.3e} {max_d:9.3e} {over:6d} "
                  f"{a_n:>9s} {a_e:>9s} {dd:>9s} {cl:>10s}")
            for c in ecols:
                if c.startswith("score_") and c in ncols:
                    ld = [absdiff(nac[i][c], eag[i][c]) for i in common]
                    layer_lines.append(f"  {m} {s} {c}: mean|d| {sum(ld) / len(ld):.3e} max|d| {max(ld):.3e} "
                                       f"n>1e-6 {sum(v > 1e-6 for v in ld)}")
                elif c.startswith("score_"):
                    layer_lines.append(f"  {m} {s} {c}: missing from nac's CSV (nac columns: {ncols})")
        verdicts.append(f"{'PASS' if ok else 'FAIL'} {m} (defaults; mean|d| < {args.mean_tol:g} on every set, "
                        f"|dAUROC| < {args.auroc_tol:g} points on every OOD set)"
                        + ("" if ok else ": " + "; ".join(reasons)))
        all_ok &= ok
    print("per-layer score columns, nac defaults vs eager:")
    print("\n".join(layer_lines))
    print("\n".join(verdicts))
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
