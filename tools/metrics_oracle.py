#!/usr/bin/python3
"""Oracle for tests/engine/tst_metrics.cpp: OpenOOD v1.5 OOD metrics computed by sklearn (SPEC §5).

Run with Debian's python3 (scikit-learn 1.2.1, numpy 1.24.2):  /usr/bin/python3 tools/metrics_oracle.py
It regenerates the fixed pseudo-random inputs that tst_metrics.cpp builds with the same 64-bit LCG
and prints the expected AUROC / FPR@95 / AUPR-In / AUPR-Out with 17 significant digits.
"""
import numpy as np
import sklearn
from sklearn import metrics

MASK64 = (1 << 64) - 1
# Knuth's MMIX LCG constants; tst_metrics.cpp uses the same ones.
LCG_MULTIPLIER = 6364136223846793005
LCG_INCREMENT = 1442695040888963407


class Lcg:
    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state * LCG_MULTIPLIER + LCG_INCREMENT) & MASK64
        return self.state


def tied_scores(seed, count, offset):
    """Heavy ties: confidences (k + offset) / 50 with k in 0..49 (exact in binary64 on both sides)."""
    lcg = Lcg(seed)
    return np.array([float((lcg.next() >> 33) % 50 + offset) / 50.0 for _ in range(count)])


def continuous_scores(seed, count, shift):
    """Almost no ties: uniform doubles (top 53 bits / 2^53) plus a shift."""
    lcg = Lcg(seed)
    return np.array([float(lcg.next() >> 11) * 2.0 ** -53 + shift for _ in range(count)])


def openood_metrics(ind, ood):
    """openood/evaluators/metrics.py::auc_and_fpr_recall (v1.5, after commits 873e8c2 and 4a72488)."""
    conf = np.concatenate([ind, ood])
    label = np.concatenate([np.zeros(len(ind)), -np.ones(len(ood))])
    ood_indicator = np.zeros_like(label)
    ood_indicator[label == -1] = 1
    fpr_list, tpr_list, _ = metrics.roc_curve(ood_indicator, -conf)
    fpr = fpr_list[np.argmax(tpr_list >= 0.95)]
    precision_in, recall_in, _ = metrics.precision_recall_curve(1 - ood_indicator, conf)
    precision_out, recall_out, _ = metrics.precision_recall_curve(ood_indicator, -conf)
    auroc = metrics.auc(fpr_list, tpr_list)
    aupr_in = metrics.auc(recall_in, precision_in)
    aupr_out = metrics.auc(recall_out, precision_out)
    return auroc, fpr, aupr_in, aupr_out, len(fpr_list)


def report(name, ind, ood):
    auroc, fpr, aupr_in, aupr_out, roc_points = openood_metrics(ind, ood)
    print(f"{name}: auroc={auroc!r} fpr95={fpr!r} auprIn={aupr_in!r} auprOut={aupr_out!r} "
          f"rocPoints={roc_points}")


def main():
    print(f"sklearn {sklearn.__version__}, numpy {np.__version__}")
    # Seeds and sizes must match tst_metrics.cpp::randomized_data().
    report("tied", tied_scores(11, 500, 10), tied_scores(12, 300, 0))
    report("continuous", continuous_scores(21, 1000, 0.3), continuous_scores(22, 700, 0.0))
    # SPEC §5 tie example: ID = OOD = {1..20}/20.
    spec = np.arange(1, 21) / 20.0
    report("spec ties", spec, spec)


if __name__ == "__main__":
    main()
