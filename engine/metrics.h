// OOD detection metrics computed the way OpenOOD v1.5 does (SPEC §5): OOD is the positive class.
#pragma once

#include <cstddef>
#include <vector>

namespace nac::engine {

struct RocPoint {
    double falsePositiveRate = 0.0;   // fraction of InD samples scored as OOD
    double truePositiveRate = 0.0;    // fraction of OOD samples detected
    double threshold = 0.0;           // confidence at or below which a sample is called OOD
};

// All values are fractions in [0,1] (multiply by 100 for the paper's tables).
struct OodMetrics {
    double auroc = 0.0;
    double fprAt95Tpr = 0.0;   // FPR at the first ROC point whose OOD recall >= 0.95
    double auprIn = 0.0;       // InD positive, score = confidence
    double auprOut = 0.0;      // OOD positive, score = -confidence
    std::size_t indCount = 0;
    std::size_t oodCount = 0;
    std::vector<RocPoint> roc; // sklearn roc_curve(drop_intermediate=True) points, starting at (0,0)
};

// Confidences: higher means more in-distribution (NAC-UE score, MSP, ...). Infinities are accepted
// and rank like any other value (sklearn itself would reject them).
// Throws nac::engine::Error(BadInput) when either set is empty or holds NaN.
OodMetrics computeOodMetrics(const std::vector<double>& indConfidence, const std::vector<double>& oodConfidence);

// The largest confidence threshold t such that the fraction of InD confidences >= t is at least
// keepFraction (0.95 keeps 95% of InD samples); samples below t are called OOD. Precisely: the
// k-th largest InD confidence with k = ceil(keepFraction * n), at least 1. Throws Error(BadInput)
// when keepFraction is outside (0, 1] or the set is empty or holds NaN.
double thresholdKeepingInd(std::vector<double> indConfidence, double keepFraction);

// Spearman rank correlation: the Pearson correlation of the ranks, tied values sharing their
// average rank (scipy.stats.spearmanr). Without ties this is [OC]'s 1 - 6 sum d^2 / (n (n^2 - 1));
// with ties it does not depend on the order of the values, as [OC]'s argsort ranks do. NaN when
// either side is constant (including fewer than two values). Throws Error(BadInput) when the sizes
// differ or a value is NaN.
double spearmanCorrelation(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace nac::engine
