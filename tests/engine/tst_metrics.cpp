// Tests for engine/metrics: OpenOOD/sklearn OOD metrics, the InD-keeping threshold and rank correlation.
#include "engine/error.h"
#include "engine/metrics.h"

#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using nac::engine::Error;
using nac::engine::ErrorKind;

namespace {

// Hand-worked fractions (k/24, k/72) and sklearn's own rounding agree to a few ulps.
constexpr double kHandTolerance = 1e-12;
// tools/metrics_oracle.py prints sklearn's results with 17 digits; summation order may differ.
constexpr double kOracleTolerance = 1e-12;

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

template <typename Function>
bool throwsBadInput(Function&& function) {
    try {
        function();
    } catch (const Error& error) {
        return error.kind() == ErrorKind::BadInput;
    }
    return false;
}

// Same 64-bit LCG and value mappings as tools/metrics_oracle.py (Knuth's MMIX constants).
class Lcg {
public:
    explicit Lcg(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next() {
        m_state = m_state * 6364136223846793005ULL + 1442695040888963407ULL;
        return m_state;
    }

private:
    std::uint64_t m_state;
};

// Heavy ties: (k + offset) / 50 with k in 0..49.
std::vector<double> tiedScores(std::uint64_t seed, int count, int offset) {
    Lcg lcg(seed);
    std::vector<double> scores;
    for (int i = 0; i < count; ++i) {
        scores.push_back(static_cast<double>((lcg.next() >> 33) % 50 + static_cast<std::uint64_t>(offset)) / 50.0);
    }
    return scores;
}

// Almost no ties: uniform doubles from the top 53 bits, plus a shift.
std::vector<double> continuousScores(std::uint64_t seed, int count, double shift) {
    Lcg lcg(seed);
    std::vector<double> scores;
    for (int i = 0; i < count; ++i) {
        scores.push_back(static_cast<double>(lcg.next() >> 11) * std::ldexp(1.0, -53) + shift);
    }
    return scores;
}

std::vector<double> twentieths() {
    std::vector<double> values;
    for (int i = 1; i <= 20; ++i) {
        values.push_back(i / 20.0);
    }
    return values;
}

}  // namespace

class TestMetrics : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void oodMetrics_data();
    void oodMetrics();
    void randomized_data();
    void randomized();
    void rocPoints();
    void thresholdKeepingInd_data();
    void thresholdKeepingInd();
    void spearman_data();
    void spearman();
};

void TestMetrics::oodMetrics_data() {
    QTest::addColumn<std::vector<double>>("ind");
    QTest::addColumn<std::vector<double>>("ood");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<double>("auroc");
    QTest::addColumn<double>("fprAt95Tpr");
    QTest::addColumn<double>("auprIn");
    QTest::addColumn<double>("auprOut");

    // Every InD above every OOD: each PR curve runs at precision 1 from recall 0 to 1.
    QTest::newRow("perfect separation") << std::vector<double>{0.9, 0.8, 0.7} << std::vector<double>{0.3, 0.2} << true
                                        << 1.0 << 0.0 << 1.0 << 1.0;
    // Every OOD above every InD. ROC (0,0),(.5,0),(1,0),(1,1): AUROC 0, the first TPR >= .95 is at FPR 1.
    // AUPR-In (ID positive, conf 0.9N 0.8N 0.2P 0.1P): reversed recall [1, .5, 0, 0, 0], precision
    // [1/2, 1/3, 0, 0, 1] -> .5*(1/2+1/3)/2 + .5*(1/3)/2 = 5/24 + 2/24 = 7/24. AUPR-Out is the mirror image.
    QTest::newRow("reversed") << std::vector<double>{0.1, 0.2} << std::vector<double>{0.8, 0.9} << true << 0.0 << 1.0
                              << 7.0 / 24.0 << 7.0 / 24.0;
    // One tie group: ROC (0,0),(1,1). PR-In: precision 2/5 at recall 1, then (0, 1): (2/5+1)/2 = 0.7.
    // PR-Out: precision 3/5 -> (3/5+1)/2 = 0.8.
    QTest::newRow("all tied") << std::vector<double>{0.5, 0.5} << std::vector<double>{0.5, 0.5, 0.5} << true << 0.5
                              << 1.0 << 0.7 << 0.8;
    // SPEC §5: fps = tps = 1..20 are collinear, so only (0,0),(.05,.05),(1,1) survive the drop and
    // OpenOOD reports FPR@95 = 1.0 (100.0), not 0.95. Both PR curves sit at precision 1/2 for recall
    // .05..1, then (0, 1): .95*.5 + .05*(.5+1)/2 = 0.5125.
    QTest::newRow("SPEC tie example") << twentieths() << twentieths() << true << 0.5 << 1.0 << 0.5125 << 0.5125;
    // InD {.9,.6,.4}, OOD {.7,.2}. ROC (OOD positive, -conf desc: .2P .4N .6N .7P .9N) keeps
    // (0,0),(0,.5),(2/3,.5),(2/3,1),(1,1): AUROC 2/3*.5 + 1/3*1 = 2/3; FPR@95 = 2/3.
    // AUPR-In (.9P .7N .6P .4P .2N): reversed recall [1,1,2/3,1/3,1/3,0], precision
    // [3/5,3/4,2/3,1/2,1,1] -> 1/3*(3/4+2/3)/2 + 1/3*(2/3+1/2)/2 + 1/3*(1+1)/2 = 17/72 + 14/72 + 24/72 = 55/72.
    // AUPR-Out (.2P .4N .6N .7P .9N): reversed recall [1,1,.5,.5,.5,0], precision [2/5,1/2,1/3,1/2,1,1]
    // -> .5*(1/2+1/3)/2 + .5*(1+1)/2 = 5/24 + 12/24 = 17/24.
    QTest::newRow("small mixed") << std::vector<double>{0.9, 0.6, 0.4} << std::vector<double>{0.7, 0.2} << true
                                 << 2.0 / 3.0 << 2.0 / 3.0 << 55.0 / 72.0 << 17.0 / 24.0;
    // Infinities rank like any other value (sklearn would reject them; we accept them).
    QTest::newRow("infinities") << std::vector<double>{kInfinity, 1.0} << std::vector<double>{0.0, -kInfinity} << true
                                << 1.0 << 0.0 << 1.0 << 1.0;

    QTest::newRow("empty InD") << std::vector<double>{} << std::vector<double>{0.1} << false << 0.0 << 0.0 << 0.0 << 0.0;
    QTest::newRow("empty OOD") << std::vector<double>{0.1} << std::vector<double>{} << false << 0.0 << 0.0 << 0.0 << 0.0;
    QTest::newRow("NaN in InD") << std::vector<double>{0.1, kNan} << std::vector<double>{0.1} << false << 0.0 << 0.0
                                << 0.0 << 0.0;
    QTest::newRow("NaN in OOD") << std::vector<double>{0.1} << std::vector<double>{kNan} << false << 0.0 << 0.0 << 0.0
                                << 0.0;
}

void TestMetrics::oodMetrics() {
    QFETCH(std::vector<double>, ind);
    QFETCH(std::vector<double>, ood);
    QFETCH(bool, valid);
    QFETCH(double, auroc);
    QFETCH(double, fprAt95Tpr);
    QFETCH(double, auprIn);
    QFETCH(double, auprOut);

    if (!valid) {
        QVERIFY(throwsBadInput([&] { nac::engine::computeOodMetrics(ind, ood); }));
        return;
    }
    const nac::engine::OodMetrics metrics = nac::engine::computeOodMetrics(ind, ood);
    QCOMPARE(metrics.indCount, ind.size());
    QCOMPARE(metrics.oodCount, ood.size());
    QVERIFY2(std::abs(metrics.auroc - auroc) < kHandTolerance, qPrintable(QString::number(metrics.auroc, 'g', 17)));
    QVERIFY2(std::abs(metrics.fprAt95Tpr - fprAt95Tpr) < kHandTolerance,
             qPrintable(QString::number(metrics.fprAt95Tpr, 'g', 17)));
    QVERIFY2(std::abs(metrics.auprIn - auprIn) < kHandTolerance, qPrintable(QString::number(metrics.auprIn, 'g', 17)));
    QVERIFY2(std::abs(metrics.auprOut - auprOut) < kHandTolerance,
             qPrintable(QString::number(metrics.auprOut, 'g', 17)));
    QVERIFY(!metrics.roc.empty());
    QCOMPARE(metrics.roc.front().falsePositiveRate, 0.0);
    QCOMPARE(metrics.roc.front().truePositiveRate, 0.0);
    QCOMPARE(metrics.roc.back().falsePositiveRate, 1.0);
    QCOMPARE(metrics.roc.back().truePositiveRate, 1.0);
}

void TestMetrics::randomized_data() {
    QTest::addColumn<std::vector<double>>("ind");
    QTest::addColumn<std::vector<double>>("ood");
    QTest::addColumn<double>("auroc");
    QTest::addColumn<double>("fprAt95Tpr");
    QTest::addColumn<double>("auprIn");
    QTest::addColumn<double>("auprOut");
    QTest::addColumn<int>("rocPointCount");

    // Expected values: `/usr/bin/python3 tools/metrics_oracle.py` (scikit-learn 1.2.1, numpy 1.24.2),
    // which rebuilds these inputs with the same LCG, seeds and sizes.
    QTest::newRow("heavy ties") << tiedScores(11, 500, 10) << tiedScores(12, 300, 0) << 0.6894800000000001 << 0.744
                                << 0.8016465712764163 << 0.6343079585586584 << 59;
    QTest::newRow("continuous") << continuousScores(21, 1000, 0.3) << continuousScores(22, 700, 0.0)
                                << 0.748887142857143 << 0.659 << 0.8239759891151143 << 0.7173058243007068 << 558;
}

void TestMetrics::randomized() {
    QFETCH(std::vector<double>, ind);
    QFETCH(std::vector<double>, ood);
    QFETCH(double, auroc);
    QFETCH(double, fprAt95Tpr);
    QFETCH(double, auprIn);
    QFETCH(double, auprOut);
    QFETCH(int, rocPointCount);

    const nac::engine::OodMetrics metrics = nac::engine::computeOodMetrics(ind, ood);
    QVERIFY2(std::abs(metrics.auroc - auroc) < kOracleTolerance, qPrintable(QString::number(metrics.auroc, 'g', 17)));
    QVERIFY2(std::abs(metrics.fprAt95Tpr - fprAt95Tpr) < kOracleTolerance,
             qPrintable(QString::number(metrics.fprAt95Tpr, 'g', 17)));
    QVERIFY2(std::abs(metrics.auprIn - auprIn) < kOracleTolerance,
             qPrintable(QString::number(metrics.auprIn, 'g', 17)));
    QVERIFY2(std::abs(metrics.auprOut - auprOut) < kOracleTolerance,
             qPrintable(QString::number(metrics.auprOut, 'g', 17)));
    QCOMPARE(static_cast<int>(metrics.roc.size()), rocPointCount);
}

void TestMetrics::rocPoints() {
    // The "small mixed" case; sklearn gives thresholds (in -conf units) [0.8, -0.2, -0.6, -0.7, -0.9],
    // i.e. confidences -0.8 (max(-conf) + 1, negated), 0.2, 0.6, 0.7, 0.9. The point at 0.4 is dropped.
    const nac::engine::OodMetrics metrics = nac::engine::computeOodMetrics({0.9, 0.6, 0.4}, {0.7, 0.2});
    const std::vector<nac::engine::RocPoint> expected = {
        {0.0, 0.0, -0.8}, {0.0, 0.5, 0.2}, {2.0 / 3.0, 0.5, 0.6}, {2.0 / 3.0, 1.0, 0.7}, {1.0, 1.0, 0.9}};
    QCOMPARE(metrics.roc.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        QVERIFY(std::abs(metrics.roc[i].falsePositiveRate - expected[i].falsePositiveRate) < kHandTolerance);
        QVERIFY(std::abs(metrics.roc[i].truePositiveRate - expected[i].truePositiveRate) < kHandTolerance);
        QVERIFY(std::abs(metrics.roc[i].threshold - expected[i].threshold) < kHandTolerance);
    }
}

void TestMetrics::thresholdKeepingInd_data() {
    QTest::addColumn<std::vector<double>>("ind");
    QTest::addColumn<double>("keepFraction");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<double>("threshold");

    // k = ceil(keepFraction * n); the threshold is the k-th largest value.
    QTest::newRow("95% of 20 -> 19th largest") << twentieths() << 0.95 << true << 0.10;
    // 0.7 * 10 is 7.000000000000001 in binary64; the rank must still be 7, not 8.
    QTest::newRow("70% of 10 -> 7th largest")
        << std::vector<double>{0.3, 1.0, 0.5, 0.1, 0.9, 0.7, 0.2, 0.8, 0.6, 0.4} << 0.7 << true << 0.4;
    QTest::newRow("keep all -> minimum") << std::vector<double>{0.3, -2.0, 5.0} << 1.0 << true << -2.0;
    QTest::newRow("tiny fraction -> maximum") << std::vector<double>{0.3, -2.0, 5.0} << 0.01 << true << 5.0;
    // Rank 2 falls in the tie at 1.0, which keeps 3 of 4 >= the 2 asked for.
    QTest::newRow("ties") << std::vector<double>{1.0, 0.5, 1.0, 1.0} << 0.5 << true << 1.0;
    QTest::newRow("single value") << std::vector<double>{0.25} << 0.95 << true << 0.25;

    QTest::newRow("zero fraction") << std::vector<double>{0.5} << 0.0 << false << 0.0;
    QTest::newRow("negative fraction") << std::vector<double>{0.5} << -0.1 << false << 0.0;
    QTest::newRow("fraction above 1") << std::vector<double>{0.5} << 1.5 << false << 0.0;
    QTest::newRow("NaN fraction") << std::vector<double>{0.5} << kNan << false << 0.0;
    QTest::newRow("empty") << std::vector<double>{} << 0.95 << false << 0.0;
    QTest::newRow("NaN value") << std::vector<double>{0.5, kNan} << 0.95 << false << 0.0;
}

void TestMetrics::thresholdKeepingInd() {
    QFETCH(std::vector<double>, ind);
    QFETCH(double, keepFraction);
    QFETCH(bool, valid);
    QFETCH(double, threshold);

    if (!valid) {
        QVERIFY(throwsBadInput([&] { nac::engine::thresholdKeepingInd(ind, keepFraction); }));
        return;
    }
    const double found = nac::engine::thresholdKeepingInd(ind, keepFraction);
    QCOMPARE(found, threshold);
    const auto kept = std::count_if(ind.begin(), ind.end(), [found](double v) { return v >= found; });
    QVERIFY(static_cast<double>(kept) >= keepFraction * static_cast<double>(ind.size()) - 1e-9);
}

void TestMetrics::spearman_data() {
    QTest::addColumn<std::vector<double>>("x");
    QTest::addColumn<std::vector<double>>("y");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<double>("correlation");  // NaN = expect NaN

    QTest::newRow("perfect") << std::vector<double>{1, 2, 3, 4} << std::vector<double>{10, 20, 30, 40} << true << 1.0;
    QTest::newRow("reversed") << std::vector<double>{1, 2, 3, 4} << std::vector<double>{4, 3, 2, 1} << true << -1.0;
    // Ranks x 0..4, y 1,0,3,2,4: sum d^2 = 4 -> 1 - 6*4/(5*24) = 0.8.
    QTest::newRow("two swaps") << std::vector<double>{1, 2, 3, 4, 5} << std::vector<double>{2, 1, 4, 3, 5} << true
                               << 0.8;
    // Ties share their average rank (scipy.stats.spearmanr): x ranks 1.5,1.5,3, y ranks 2,1,3:
    // Pearson = 1.5 / sqrt(1.5 * 2) = 0.8660254 (by hand).
    QTest::newRow("tie averaged") << std::vector<double>{1, 1, 2} << std::vector<double>{2, 1, 3} << true
                                  << 0.8660254037844386;
    // The same pairs in another order give the same value (a positional tie-break gave 0.5 and 1.0).
    QTest::newRow("tie averaged, reordered") << std::vector<double>{1, 1, 2} << std::vector<double>{1, 2, 3} << true
                                             << 0.8660254037844386;
    // x ranks 1.5,1.5,3,4, y ranks 2,1,3,4: Pearson = 0.9486833 (scipy.stats.spearmanr).
    QTest::newRow("tie at the start") << std::vector<double>{5, 5, 6, 7} << std::vector<double>{2, 1, 3, 4} << true
                                      << 0.9486832980505138;
    // Ties on both sides: x 1.5,1.5,3.5,3.5, y 1,2.5,2.5,4: r = 3 / sqrt(4 * 4.5) = 0.7071068 (scipy agrees).
    QTest::newRow("ties on both sides") << std::vector<double>{1, 1, 2, 2} << std::vector<double>{1, 2, 2, 3} << true
                                        << 0.7071067811865476;
    QTest::newRow("constant x") << std::vector<double>{3, 3, 3} << std::vector<double>{1, 2, 3} << true << kNan;
    QTest::newRow("constant y") << std::vector<double>{1, 2, 3} << std::vector<double>{7, 7, 7} << true << kNan;
    QTest::newRow("single pair") << std::vector<double>{1} << std::vector<double>{2} << true << kNan;

    QTest::newRow("size mismatch") << std::vector<double>{1, 2} << std::vector<double>{1, 2, 3} << false << 0.0;
    QTest::newRow("NaN value") << std::vector<double>{1, kNan, 3} << std::vector<double>{1, 2, 3} << false << 0.0;
}

void TestMetrics::spearman() {
    QFETCH(std::vector<double>, x);
    QFETCH(std::vector<double>, y);
    QFETCH(bool, valid);
    QFETCH(double, correlation);

    if (!valid) {
        QVERIFY(throwsBadInput([&] { nac::engine::spearmanCorrelation(x, y); }));
        return;
    }
    const double found = nac::engine::spearmanCorrelation(x, y);
    if (std::isnan(correlation)) {
        QVERIFY(std::isnan(found));
    } else {
        QVERIFY2(std::abs(found - correlation) < kHandTolerance, qPrintable(QString::number(found, 'g', 17)));
    }
}

QTEST_APPLESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
