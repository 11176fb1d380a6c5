// OOD metrics as OpenOOD v1.5 computes them with scikit-learn 1.2.1 (SPEC §5), plus the NAC-ME rank correlation.
#include "engine/metrics.h"

#include "engine/error.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>

namespace nac::engine {

namespace {

// OpenOOD's FPR@95: the OOD recall (TPR) the operating point must reach.
constexpr double kOodRecallTarget = 0.95;

// keepFraction * n is rounded up to a rank; this slack stops 0.7 * 10 = 7.000000000000001 from
// becoming rank 8. It is far above the rounding error of the product for any realistic n.
constexpr double kRankRoundingSlack = 1e-9;

struct LabeledScore {
    double score = 0.0;
    bool positive = false;
};

// sklearn's _binary_clf_curve: one entry per distinct score, scores decreasing; the counts are of
// the samples whose score is >= that threshold.
struct BinaryCurve {
    std::vector<std::int64_t> falsePositives;
    std::vector<std::int64_t> truePositives;
    std::vector<double> thresholds;
};

void requireUsable(const std::vector<double>& values, const char* setName) {
    if (values.empty()) {
        throw badInput(std::string("The ") + setName
                       + " confidence set is empty; score at least one sample of each set.");
    }
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (std::isnan(values[i])) {
            throw badInput(std::string("The ") + setName + " confidence of sample " + std::to_string(i)
                           + " is NaN; check the model's outputs for that sample.");
        }
    }
}

std::vector<LabeledScore> labeledScores(const std::vector<double>& positives, const std::vector<double>& negatives,
                                        double scoreSign) {
    std::vector<LabeledScore> samples;
    samples.reserve(positives.size() + negatives.size());
    for (double value : positives) {
        samples.push_back({scoreSign * value, true});
    }
    for (double value : negatives) {
        samples.push_back({scoreSign * value, false});
    }
    return samples;
}

// Equal scores (including equal infinities, which sklearn would reject as non-finite) form one
// group, so the order inside a tie does not matter and an unstable sort is enough.
BinaryCurve binaryClassifierCurve(std::vector<LabeledScore> samples) {
    std::sort(samples.begin(), samples.end(),
              [](const LabeledScore& a, const LabeledScore& b) { return a.score > b.score; });
    BinaryCurve curve;
    std::int64_t truePositives = 0;
    std::int64_t falsePositives = 0;
    for (std::size_t i = 0; i < samples.size(); ++i) {
        if (samples[i].positive) {
            ++truePositives;
        } else {
            ++falsePositives;
        }
        const bool lastOfGroup = i + 1 == samples.size() || samples[i + 1].score != samples[i].score;
        if (lastOfGroup) {
            curve.falsePositives.push_back(falsePositives);
            curve.truePositives.push_back(truePositives);
            curve.thresholds.push_back(samples[i].score);
        }
    }
    return curve;
}

// roc_curve(drop_intermediate=True): keeps the ends and every interior point where the second
// difference of the FP counts or of the TP counts is non-zero (np.diff(·, 2)).
BinaryCurve dropCollinearPoints(const BinaryCurve& curve) {
    const std::size_t count = curve.thresholds.size();
    if (count <= 2) {
        return curve;
    }
    const auto secondDifference = [](const std::vector<std::int64_t>& v, std::size_t i) {
        return (v[i + 1] - v[i]) - (v[i] - v[i - 1]);
    };
    BinaryCurve kept;
    for (std::size_t i = 0; i < count; ++i) {
        const bool isEnd = i == 0 || i + 1 == count;
        if (isEnd || secondDifference(curve.falsePositives, i) != 0 || secondDifference(curve.truePositives, i) != 0) {
            kept.falsePositives.push_back(curve.falsePositives[i]);
            kept.truePositives.push_back(curve.truePositives[i]);
            kept.thresholds.push_back(curve.thresholds[i]);
        }
    }
    return kept;
}

// sklearn.metrics.auc: np.trapz(y, x), negated when x is non-increasing. Callers pass monotonic x.
double trapezoidArea(const std::vector<double>& x, const std::vector<double>& y) {
    bool anyDecrease = false;
    for (std::size_t i = 1; i < x.size(); ++i) {
        anyDecrease = anyDecrease || x[i] - x[i - 1] < 0.0;
    }
    double area = 0.0;
    for (std::size_t i = 1; i < x.size(); ++i) {
        area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2.0;
    }
    return anyDecrease ? -area : area;
}

// auc(recall, precision) of sklearn 1.2.1's precision_recall_curve. That version keeps every
// threshold (no truncation at the first full-recall point, which 1.1 removed), sets precision to 0
// where no sample is predicted positive, reverses the arrays and appends (recall 0, precision 1).
double areaUnderPrecisionRecall(const BinaryCurve& curve) {
    const std::size_t count = curve.thresholds.size();
    const double allPositives = static_cast<double>(curve.truePositives.back());
    std::vector<double> recall;
    std::vector<double> precision;
    recall.reserve(count + 1);
    precision.reserve(count + 1);
    for (std::size_t k = count; k-- > 0;) {
        const double truePositives = static_cast<double>(curve.truePositives[k]);
        const double predictedPositives = truePositives + static_cast<double>(curve.falsePositives[k]);
        precision.push_back(predictedPositives != 0.0 ? truePositives / predictedPositives : 0.0);
        recall.push_back(truePositives / allPositives);
    }
    precision.push_back(1.0);
    recall.push_back(0.0);
    return trapezoidArea(recall, precision);
}

// Ranks 0..n-1 by a stable ascending sort (numpy's argsort().argsort(), ties broken by position).
// Ranks 1..n with tied values sharing the mean of their positions (scipy.stats.rankdata's
// "average"), so the result does not depend on the order the values come in.
std::vector<double> averageRanks(const std::vector<double>& values) {
    std::vector<std::size_t> order(values.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::sort(order.begin(), order.end(), [&values](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    std::vector<double> ranks(values.size());
    for (std::size_t first = 0; first < order.size();) {
        std::size_t last = first;
        while (last + 1 < order.size() && values[order[last + 1]] == values[order[first]]) {
            ++last;
        }
        const double shared = 0.5 * static_cast<double>(first + last) + 1.0;
        for (std::size_t k = first; k <= last; ++k) {
            ranks[order[k]] = shared;
        }
        first = last + 1;
    }
    return ranks;
}

bool isConstant(const std::vector<double>& values) {
    return std::all_of(values.begin(), values.end(), [&values](double v) { return v == values.front(); });
}

}  // namespace

OodMetrics computeOodMetrics(const std::vector<double>& indConfidence, const std::vector<double>& oodConfidence) {
    requireUsable(indConfidence, "InD");
    requireUsable(oodConfidence, "OOD");

    // OOD is the positive class and the score is -confidence (OpenOOD's roc_curve(ood, -conf)).
    const BinaryCurve oodCurve = binaryClassifierCurve(labeledScores(oodConfidence, indConfidence, -1.0));
    const BinaryCurve rocCurve = dropCollinearPoints(oodCurve);

    OodMetrics result;
    result.indCount = indConfidence.size();
    result.oodCount = oodConfidence.size();

    const double allInd = static_cast<double>(rocCurve.falsePositives.back());
    const double allOod = static_cast<double>(rocCurve.truePositives.back());
    std::vector<double> falsePositiveRates{0.0};
    std::vector<double> truePositiveRates{0.0};
    // sklearn prepends (0,0) with threshold max(score) + 1; in confidence units that is -(that).
    result.roc.push_back({0.0, 0.0, -(rocCurve.thresholds.front() + 1.0)});
    for (std::size_t i = 0; i < rocCurve.thresholds.size(); ++i) {
        const double falsePositiveRate = static_cast<double>(rocCurve.falsePositives[i]) / allInd;
        const double truePositiveRate = static_cast<double>(rocCurve.truePositives[i]) / allOod;
        falsePositiveRates.push_back(falsePositiveRate);
        truePositiveRates.push_back(truePositiveRate);
        result.roc.push_back({falsePositiveRate, truePositiveRate, -rocCurve.thresholds[i]});
    }

    result.auroc = trapezoidArea(falsePositiveRates, truePositiveRates);
    // The last ROC point has TPR 1, so a point reaching the target always exists.
    const auto reached = std::find_if(truePositiveRates.begin(), truePositiveRates.end(),
                                      [](double tpr) { return tpr >= kOodRecallTarget; });
    result.fprAt95Tpr = falsePositiveRates[static_cast<std::size_t>(reached - truePositiveRates.begin())];

    result.auprIn = areaUnderPrecisionRecall(binaryClassifierCurve(labeledScores(indConfidence, oodConfidence, 1.0)));
    result.auprOut = areaUnderPrecisionRecall(oodCurve);
    return result;
}

double thresholdKeepingInd(std::vector<double> indConfidence, double keepFraction) {
    if (!(keepFraction > 0.0 && keepFraction <= 1.0)) {
        throw badInput("The InD keep fraction " + std::to_string(keepFraction)
                       + " is outside (0, 1]; use e.g. 0.95 to keep 95% of InD samples.");
    }
    requireUsable(indConfidence, "InD");
    const double count = static_cast<double>(indConfidence.size());
    const double wantedRank = std::ceil(keepFraction * count - kRankRoundingSlack);
    const std::size_t rank = static_cast<std::size_t>(std::max(1.0, wantedRank));  // 1 = the largest value
    const auto nth = indConfidence.begin() + static_cast<std::ptrdiff_t>(rank - 1);
    std::nth_element(indConfidence.begin(), nth, indConfidence.end(), std::greater<double>());
    return *nth;
}

double spearmanCorrelation(const std::vector<double>& x, const std::vector<double>& y) {
    if (x.size() != y.size()) {
        throw badInput("Rank correlation needs paired values, but got " + std::to_string(x.size()) + " and "
                       + std::to_string(y.size()) + " values.");
    }
    const auto hasNan = [](const std::vector<double>& v) {
        return std::any_of(v.begin(), v.end(), [](double value) { return std::isnan(value); });
    };
    if (hasNan(x) || hasNan(y)) {
        throw badInput("Rank correlation got a NaN value; every checkpoint needs a finite score.");
    }
    if (isConstant(x) || isConstant(y)) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    // Pearson's r of the average ranks. Without ties it equals [OC]'s closed form
    // 1 - 6 * sum d^2 / (n (n^2 - 1)); with ties it is scipy.stats.spearmanr's value, which does
    // not depend on the order of the checkpoints (the closed form over an argsort does).
    const std::vector<double> xRanks = averageRanks(x);
    const std::vector<double> yRanks = averageRanks(y);
    const double n = static_cast<double>(x.size());
    const double meanRank = (n + 1.0) / 2.0;
    double covariance = 0.0;
    double xVariance = 0.0;
    double yVariance = 0.0;
    for (std::size_t i = 0; i < xRanks.size(); ++i) {
        const double dx = xRanks[i] - meanRank;
        const double dy = yRanks[i] - meanRank;
        covariance += dx * dy;
        xVariance += dx * dx;
        yVariance += dy * dy;
    }
    return covariance / std::sqrt(xVariance * yVariance);
}

}  // namespace nac::engine
