// Tests for engine/tuner: the fast AUROC equals the full metrics' AUROC, the search finds the
// best combination by brute force and keeps the first on ties, grids parse, cancel stops it.
#include "engine/error.h"
#include "engine/metrics.h"
#include "engine/tuner.h"

#include <QtTest/QtTest>

#include <random>

using namespace nac::engine;

namespace {

constexpr double kAurocTolerance = 1e-12;

SampleSet samples(const std::string& layer, int neurons, std::size_t count, float mean, float spread, std::uint32_t seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(mean, spread);
    SampleSet s;
    s.layerNames = {layer};
    s.neuronCounts = {neurons};
    s.rawProducts.resize(1);
    s.classCount = 2;
    for (std::size_t i = 0; i < count; ++i) {
        for (int n = 0; n < neurons; ++n)
            s.rawProducts[0].push_back(normal(rng));
        s.logits.insert(s.logits.end(), {0.0f, 1.0f});
        s.labels.push_back(-1);
        s.sources.push_back("s");
    }
    return s;
}

}  // namespace

class TestTuner : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void aurocMatchesMetrics_data();
    void aurocMatchesMetrics();
    void findsBestCombination();
    void parsesGrids_data();
    void parsesGrids();
    void cancel();
};

void TestTuner::aurocMatchesMetrics_data()
{
    QTest::addColumn<int>("levels");  // few levels -> many ties
    QTest::newRow("heavy ties") << 5;
    QTest::newRow("some ties") << 50;
    QTest::newRow("continuous") << 0;
}

void TestTuner::aurocMatchesMetrics()
{
    QFETCH(int, levels);
    std::mt19937 rng(11);
    std::normal_distribution<double> normal(0.0, 1.0);
    auto draw = [&](double shift) {
        const double v = normal(rng) + shift;
        return levels > 0 ? std::round(v * levels) / levels : v;
    };
    std::vector<double> ind;
    std::vector<double> ood;
    for (int i = 0; i < 700; ++i)
        ind.push_back(draw(0.8));
    for (int i = 0; i < 500; ++i)
        ood.push_back(draw(0.0));
    QVERIFY(std::abs(aurocOnly(ind, ood) - computeOodMetrics(ind, ood).auroc) < kAurocTolerance);
    QCOMPARE(aurocOnly({1.0, 2.0}, {0.0}), 1.0);
    QCOMPARE(aurocOnly({0.0}, {1.0, 2.0}), 0.0);
    QCOMPARE(aurocOnly({1.0}, {1.0}), 0.5);
}

void TestTuner::findsBestCombination()
{
    // Fit and InD validation share a distribution; OOD validation is shifted. Brute force over
    // the same grid with fresh profiles must agree with the search.
    const SampleSet fit = samples("a", 6, 400, 0.0f, 0.02f, 1);
    const SampleSet ind = samples("a", 6, 150, 0.0f, 0.02f, 2);
    const SampleSet ood = samples("a", 6, 150, 0.02f, 0.03f, 3);
    LayerParams start;
    start.binEdgeCount = 50;
    start.minActivated = 50;
    start.alpha = 100;
    const CoverageProfile profile({{"a", {1, 6}, 6}}, fit, {start});
    LayerGrid grid = parseLayerGrid("a:O=1/5/20,M=50/500,alpha=10/100/1000");
    const TuneResult result = tuneParameters(profile, ind, ood, {grid});
    QCOMPARE(result.combinations, std::size_t(18));
    QCOMPARE(result.histogramsBuilt, std::size_t(6));
    double best = -1.0;
    LayerParams bestParams;
    for (int m : {50, 500})
        for (double alpha : {10.0, 100.0, 1000.0})
            for (double o : {1.0, 5.0, 20.0}) {
                LayerParams p = start;
                p.binEdgeCount = m;
                p.alpha = alpha;
                p.minActivated = o;
                const CoverageProfile fresh({{"a", {1, 6}, 6}}, fit, {p});
                const double auroc = computeOodMetrics(fresh.score(ind).total, fresh.score(ood).total).auroc;
                if (auroc > best) {
                    best = auroc;
                    bestParams = p;
                }
            }
    QVERIFY(std::abs(result.bestAuroc - best) < 1e-9);
    QVERIFY(result.best[0] == bestParams);
    QVERIFY(result.bestAuroc >= result.defaultAuroc);
}

void TestTuner::parsesGrids_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::newRow("full") << "layer3:O=100/500,M=50/500,alpha=10/50/100" << true;
    QTest::newRow("one key") << "avgpool:alpha=1e-3/2.5" << true;
    QTest::newRow("no layer") << "O=1/2" << false;
    QTest::newRow("bad number") << "a:O=1/x" << false;
    QTest::newRow("fractional M") << "a:M=50.5" << false;
    QTest::newRow("unknown key") << "a:Q=1" << false;
    QTest::newRow("empty values") << "a:O=" << false;
}

void TestTuner::parsesGrids()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    try {
        const LayerGrid g = parseLayerGrid(text.toStdString());
        QVERIFY(valid);
        QVERIFY(!g.layer.empty());
    } catch (const Error& e) {
        QVERIFY2(!valid, e.what());
        QVERIFY(QString(e.what()).contains(text));
    }
}

void TestTuner::cancel()
{
    const SampleSet fit = samples("a", 4, 100, 0.0f, 0.02f, 4);
    LayerParams p;
    const CoverageProfile profile({{"a", {1, 4}, 4}}, fit, {p});
    CancelToken token = makeCancelToken();
    token->store(true);
    try {
        tuneParameters(profile, samples("a", 4, 20, 0.0f, 0.02f, 5), samples("a", 4, 20, 0.1f, 0.02f, 6),
                       {parseLayerGrid("a:O=1/2")}, token);
        QFAIL("a canceled search finished");
    } catch (const Error& e) {
        QVERIFY(e.kind() == ErrorKind::Canceled);
    }
    QVERIFY_THROWS_EXCEPTION(Error, tuneParameters(profile, fit, fit, {parseLayerGrid("missing:O=1")}));
}

QTEST_APPLESS_MAIN(TestTuner)
#include "tst_tuner.moc"
