// Tests for engine/coverage_profile: counts, Phi, NAC-UE scores and explanations on hand-made
// states; re-binning after parameter changes; merging; NAC-ME's G; invalid parameters.
#include "engine/coverage_profile.h"
#include "engine/error.h"
#include "engine/nac_me.h"

#include <QtTest/QtTest>

#include <cmath>
#include <random>

using namespace nac::engine;

namespace {

constexpr double kScoreTolerance = 1e-9;

// Raw product whose state sigmoid(alpha * raw) is the given value (alpha = 1).
float rawForState(double state) { return float(std::log(state / (1.0 - state))); }

LayerParams params(int m, double o, double alpha, BinScheme scheme = BinScheme::Reference)
{
    LayerParams p;
    p.binEdgeCount = m;
    p.minActivated = o;
    p.alpha = alpha;
    p.scheme = scheme;
    return p;
}

// A sample set with the given layers ([layer] -> row-major [samples x neurons]).
SampleSet makeSamples(const std::vector<int>& neurons, const std::vector<std::vector<float>>& raw)
{
    SampleSet s;
    for (std::size_t l = 0; l < neurons.size(); ++l) {
        s.layerNames.push_back("layer" + std::to_string(l));
        s.neuronCounts.push_back(neurons[l]);
    }
    s.rawProducts = raw;
    s.classCount = 2;
    const std::size_t count = raw[0].size() / std::size_t(neurons[0]);
    for (std::size_t i = 0; i < count; ++i) {
        s.logits.push_back(1.0f);
        s.logits.push_back(0.0f);
        s.labels.push_back(0);
        s.sources.push_back("sample" + std::to_string(i));
    }
    return s;
}

std::vector<LayerInfo> infosOf(const SampleSet& s)
{
    std::vector<LayerInfo> infos;
    for (std::size_t l = 0; l < s.layerCount(); ++l)
        infos.push_back({s.layerNames[l], {1, s.neuronCounts[l]}, s.neuronCounts[l]});
    return infos;
}

// Counts by visiting every sample, as the reference does.
std::vector<std::uint32_t> bruteCounts(const SampleSet& s, std::size_t layer, const LayerParams& p)
{
    const std::vector<double> edges = makeBinEdges(p.scheme, p.binEdgeCount);
    const int n = s.neuronCounts[layer];
    std::vector<std::uint32_t> counts(std::size_t(p.binEdgeCount - 1) * std::size_t(n), 0);
    for (std::size_t i = 0; i < s.sampleCount(); ++i)
        for (int j = 0; j < n; ++j) {
            const int bin = findBin(edges, neuronState(s.rawRow(layer, i)[j], p.alpha));
            if (bin >= 0)
                ++counts[std::size_t(bin) * std::size_t(n) + std::size_t(j)];
        }
    return counts;
}

SampleSet randomSamples(std::uint32_t seed, std::size_t count, int neurons, float scale)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, scale);
    std::vector<float> raw(count * std::size_t(neurons));
    for (float& v : raw)
        v = normal(rng);
    SampleSet samples = makeSamples({neurons}, {raw});
    // Each seed is its own set of images (merge refuses profiles that share images).
    for (std::string& source : samples.sources)
        source = "set" + std::to_string(seed) + "/" + source;
    return samples;
}

}  // namespace

class TestCoverageProfile : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void stateIsTheReferenceSigmoid();
    void countsAndPhiByHand();
    void scoreByHand();
    void layersHaveEqualWeight();
    void sortedCountsWithTiesAndExtremes();
    void sortedCountsEqualBruteForce_data();
    void sortedCountsEqualBruteForce();
    void changingOOnlyRecomputesPhi();
    void changingAlphaOrMRebins();
    void invalidParams_data();
    void invalidParams();
    void explainMatchesScore();
    void mergeEqualsUnion();
    void mergeRejectsOtherLayers();
    void coverageAreaByHand();
    void nacMeCorrectOnly();
};

void TestCoverageProfile::stateIsTheReferenceSigmoid()
{
    QCOMPARE(neuronState(0.0f, 100.0), 0.5f);
    QVERIFY(std::abs(neuronState(0.01f, 100.0) - float(1.0 / (1.0 + std::exp(-1.0)))) < 1e-6f);
    QCOMPARE(neuronState(1e6f, 1.0), 1.0f);
    QCOMPARE(neuronState(-1e6f, 1.0), 0.0f);
}

void TestCoverageProfile::countsAndPhiByHand()
{
    // One neuron, M=50 reference bins: states 0.5, 0.5, 0.5 fall in bin 24 = [0.5, 0.506);
    // 0.9 falls in bin 47 = [0.8809, 1.01); 0.05 in bin 0 = [0, 0.1191).
    const SampleSet fit = makeSamples({1}, {{rawForState(0.5), rawForState(0.5), rawForState(0.5), rawForState(0.9),
                                            rawForState(0.05)}});
    const CoverageProfile profile(infosOf(fit), fit, {params(50, 2.0, 1.0)});
    const LayerCoverage& c = profile.coverage(0);
    QCOMPARE(c.binCount(), 49);
    QCOMPARE(c.countAt(24, 0), 3u);
    QCOMPARE(c.countAt(47, 0), 1u);
    QCOMPARE(c.countAt(0, 0), 1u);
    std::uint32_t total = 0;
    for (int k = 0; k < c.binCount(); ++k)
        total += c.countAt(k, 0);
    QCOMPARE(total, 5u);
    // Phi = min(count / O, 1) with O = 2.
    QCOMPARE(c.phiAt(24, 0), 1.0f);
    QCOMPARE(c.phiAt(47, 0), 0.5f);
    QCOMPARE(c.phiAt(10, 0), 0.0f);
}

void TestCoverageProfile::scoreByHand()
{
    // Two neurons; O = 2. Neuron 0: three states at 0.5 (Phi 1 in bin 24); neuron 1: one at 0.9
    // (Phi 0.5 in bin 47), two at 0.05 (Phi 1 in bin 0).
    const SampleSet fit = makeSamples({2}, {{rawForState(0.5), rawForState(0.9), rawForState(0.5), rawForState(0.05),
                                            rawForState(0.5), rawForState(0.05)}});
    const CoverageProfile profile(infosOf(fit), fit, {params(50, 2.0, 1.0)});
    // Test sample A: (0.5, 0.9) -> (1 + 0.5) / 2 = 0.75; B: (0.7, 0.05) -> (0 + 1) / 2 = 0.5;
    // C: state 1.0 lies in the last live bin [0.8809, 1.01) -> neuron 1 Phi 0.5; neuron 0 at 0.3 -> 0.
    const SampleSet test = makeSamples({2}, {{rawForState(0.5), rawForState(0.9), rawForState(0.7), rawForState(0.05),
                                             rawForState(0.3), 1e6f}});
    const ScoreTable table = profile.score(test);
    QVERIFY(std::abs(table.total[0] - 0.75) < kScoreTolerance);
    QVERIFY(std::abs(table.total[1] - 0.5) < kScoreTolerance);
    QVERIFY(std::abs(table.total[2] - 0.25) < kScoreTolerance);
    QCOMPARE(table.perLayer.size(), std::size_t(1));
}

void TestCoverageProfile::layersHaveEqualWeight()
{
    // Layer 0 has 1 neuron, layer 1 has 3: the score is (s0 + s1) / 2, not weighted by neuron count.
    const SampleSet fit = makeSamples({1, 3}, {{rawForState(0.5)}, {rawForState(0.5), rawForState(0.5), rawForState(0.5)}});
    const CoverageProfile profile(infosOf(fit), fit, {params(50, 1.0, 1.0), params(50, 1.0, 1.0)});
    const SampleSet test = makeSamples({1, 3}, {{rawForState(0.5)}, {rawForState(0.5), rawForState(0.2), rawForState(0.2)}});
    const ScoreTable table = profile.score(test);
    QVERIFY(std::abs(table.perLayer[0][0] - 1.0) < kScoreTolerance);
    QVERIFY(std::abs(table.perLayer[1][0] - 1.0 / 3.0) < kScoreTolerance);
    QVERIFY(std::abs(table.total[0] - (1.0 + 1.0 / 3.0) / 2.0) < kScoreTolerance);
}

// Binary search per edge (M small against the sample count) and one walk up each sorted column
// (M large) must both give the brute-force counts, also when a large layer is split over threads.
void TestCoverageProfile::sortedCountsEqualBruteForce_data()
{
    QTest::addColumn<int>("m");
    QTest::addColumn<double>("alpha");
    QTest::addColumn<int>("scheme");
    QTest::addColumn<float>("scale");
    QTest::addColumn<int>("neurons");
    QTest::newRow("M50 alpha100 (search)") << 50 << 100.0 << int(BinScheme::Reference) << 0.02f << 16;
    QTest::newRow("M500 alpha1000 (walk)") << 500 << 1000.0 << int(BinScheme::Reference) << 0.002f << 16;
    QTest::newRow("M1000 alpha0.001 (walk)") << 1000 << 0.001 << int(BinScheme::Reference) << 2000.0f << 16;
    QTest::newRow("linear M50 alpha0.1") << 50 << 0.1 << int(BinScheme::Linear) << 20.0f << 16;
    QTest::newRow("saturated states") << 50 << 100.0 << int(BinScheme::Reference) << 10.0f << 16;
    QTest::newRow("M50, 160 neurons (threads, search)") << 50 << 100.0 << int(BinScheme::Reference) << 0.02f << 160;
    QTest::newRow("M500, 160 neurons (threads, walk)") << 500 << 1000.0 << int(BinScheme::Reference) << 0.002f << 160;
}

void TestCoverageProfile::sortedCountsEqualBruteForce()
{
    QFETCH(int, m);
    QFETCH(double, alpha);
    QFETCH(int, scheme);
    QFETCH(float, scale);
    QFETCH(int, neurons);
    const SampleSet fit = randomSamples(7, 2000, neurons, scale);
    const LayerParams p = params(m, 10.0, alpha, BinScheme(scheme));
    CoverageProfile profile(infosOf(fit), fit, {p});
    QCOMPARE(profile.coverage(0).counts, bruteCounts(fit, 0, p));
    // Re-binning the cached sorted columns under other parameters gives the brute force too.
    const LayerParams q = params(m == 50 ? 1000 : 50, 10.0, alpha * 2.0, BinScheme(scheme));
    profile.setParams(0, q);
    QCOMPARE(profile.coverage(0).counts, bruteCounts(fit, 0, q));
}

// The columns are sorted by their bit patterns: ties, +0.0 and -0.0, denormals and huge values of
// both signs must still give the brute-force counts.
void TestCoverageProfile::sortedCountsWithTiesAndExtremes()
{
    std::mt19937 rng(17);
    std::uniform_int_distribution<int> pick(0, 9);
    std::normal_distribution<float> normal(0.0f, 0.05f);
    const int neurons = 8;
    std::vector<float> raw(3000 * std::size_t(neurons));
    for (float& v : raw) {
        switch (pick(rng)) {
        case 0: v = 0.0f; break;
        case 1: v = -0.0f; break;
        case 2: v = 1e-40f; break;    // denormal
        case 3: v = -1e-40f; break;
        case 4: v = 3e30f; break;
        case 5: v = -3e30f; break;
        case 6: v = 0.01f * float(int(normal(rng) * 300.0f)); break;  // many ties
        default: v = normal(rng); break;
        }
    }
    const SampleSet fit = makeSamples({neurons}, {raw});
    for (const LayerParams& p : {params(50, 10.0, 100.0), params(1000, 10.0, 1.0), params(50, 10.0, 0.5, BinScheme::Linear)}) {
        const CoverageProfile profile(infosOf(fit), fit, {p});
        QCOMPARE(profile.coverage(0).counts, bruteCounts(fit, 0, p));
    }
}

void TestCoverageProfile::changingOOnlyRecomputesPhi()
{
    const SampleSet fit = randomSamples(3, 500, 8, 0.02f);
    CoverageProfile profile(infosOf(fit), fit, {params(50, 50.0, 100.0)});
    const auto counts = profile.coverage(0).counts;
    QVERIFY(profile.setParams(0, params(50, 5.0, 100.0)) == ParamChange::PhiOnly);
    QCOMPARE(profile.coverage(0).counts, counts);
    for (std::size_t i = 0; i < counts.size(); ++i)
        QCOMPARE(profile.coverage(0).phi[i], std::min(float(counts[i]) / 5.0f, 1.0f));
    QVERIFY(profile.setParams(0, params(50, 5.0, 100.0)) == ParamChange::None);
}

void TestCoverageProfile::changingAlphaOrMRebins()
{
    const SampleSet fit = randomSamples(4, 500, 8, 0.02f);
    CoverageProfile profile(infosOf(fit), fit, {params(50, 50.0, 100.0)});
    QVERIFY(profile.setParams(0, params(50, 50.0, 10.0)) == ParamChange::Rebinned);
    QCOMPARE(profile.coverage(0).counts, bruteCounts(fit, 0, params(50, 50.0, 10.0)));
    QVERIFY(profile.setParams(0, params(500, 50.0, 10.0)) == ParamChange::Rebinned);
    QCOMPARE(profile.coverage(0).binCount(), 499);
    QCOMPARE(profile.coverage(0).counts, bruteCounts(fit, 0, params(500, 50.0, 10.0)));
    // A fresh profile with the new parameters gives the same histogram as the re-binned one.
    const CoverageProfile fresh(infosOf(fit), fit, {params(500, 50.0, 10.0)});
    QCOMPARE(fresh.coverage(0).counts, profile.coverage(0).counts);
}

void TestCoverageProfile::invalidParams_data()
{
    QTest::addColumn<int>("m");
    QTest::addColumn<double>("o");
    QTest::addColumn<double>("alpha");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("valid") << 50 << 50.0 << 100.0 << QString();
    QTest::newRow("M odd") << 51 << 50.0 << 100.0 << "M=51";
    QTest::newRow("M below 4") << 2 << 50.0 << 100.0 << "M=2";
    QTest::newRow("O zero") << 50 << 0.0 << 100.0 << "O=0";
    QTest::newRow("O negative") << 50 << -3.0 << 100.0 << "O=-3";
    QTest::newRow("O NaN") << 50 << std::nan("") << 100.0 << "O=";
    QTest::newRow("alpha zero") << 50 << 50.0 << 0.0 << "alpha=0";
    QTest::newRow("alpha negative") << 50 << 50.0 << -1.0 << "alpha=-1";
    QTest::newRow("alpha infinite") << 50 << 50.0 << HUGE_VAL << "alpha=";
}

void TestCoverageProfile::invalidParams()
{
    QFETCH(int, m);
    QFETCH(double, o);
    QFETCH(double, alpha);
    QFETCH(QString, mentions);
    const SampleSet fit = randomSamples(5, 50, 4, 0.02f);
    CoverageProfile profile(infosOf(fit), fit, {params(50, 50.0, 100.0)});
    const auto before = profile.coverage(0).counts;
    try {
        profile.setParams(0, params(m, o, alpha));
        QVERIFY(mentions.isEmpty());
    } catch (const Error& e) {
        QVERIFY2(!mentions.isEmpty(), e.what());
        QVERIFY(e.kind() == ErrorKind::BadInput);
        QVERIFY2(QString(e.what()).contains(mentions), e.what());
        QVERIFY2(QString(e.what()).contains("layer0"), e.what());
        // A rejected change leaves the profile as it was.
        QVERIFY(profile.params(0) == params(50, 50.0, 100.0));
        QCOMPARE(profile.coverage(0).counts, before);
    }
}

void TestCoverageProfile::explainMatchesScore()
{
    const SampleSet fit = randomSamples(8, 300, 6, 0.02f);
    const CoverageProfile profile(infosOf(fit), fit, {params(50, 5.0, 100.0)});
    const SampleSet test = randomSamples(9, 20, 6, 0.03f);
    const ScoreTable table = profile.score(test);
    for (std::size_t i = 0; i < test.sampleCount(); ++i) {
        const SampleExplanation why = profile.explain(test, i);
        QVERIFY(std::abs(why.total - table.total[i]) < kScoreTolerance);
        double sum = 0.0;
        for (const NeuronVerdict& v : why.neurons[0])
            sum += v.phi;
        QVERIFY(std::abs(sum / 6.0 - why.perLayer[0]) < kScoreTolerance);
    }
    QVERIFY_THROWS_EXCEPTION(Error, profile.explain(test, 20));
}

void TestCoverageProfile::mergeEqualsUnion()
{
    const SampleSet a = randomSamples(10, 400, 5, 0.02f);
    const SampleSet b = randomSamples(11, 300, 5, 0.02f);
    SampleSet both = a;
    both.append(b);
    const LayerParams p = params(50, 20.0, 100.0);
    CoverageProfile merged(infosOf(a), a, {p});
    merged.merge(CoverageProfile(infosOf(b), b, {p}));
    const CoverageProfile whole(infosOf(both), both, {p});
    QCOMPARE(merged.fitSamples().sampleCount(), std::size_t(700));
    QCOMPARE(merged.coverage(0).counts, whole.coverage(0).counts);
    const SampleSet test = randomSamples(12, 30, 5, 0.02f);
    QCOMPARE(merged.score(test).total, whole.score(test).total);
}

void TestCoverageProfile::mergeRejectsOtherLayers()
{
    const SampleSet a = randomSamples(13, 40, 5, 0.02f);
    const SampleSet b = randomSamples(14, 40, 6, 0.02f);
    CoverageProfile first(infosOf(a), a, {params(50, 20.0, 100.0)});
    QVERIFY_THROWS_EXCEPTION(Error, first.merge(CoverageProfile(infosOf(b), b, {params(50, 20.0, 100.0)})));
    const SampleSet c = randomSamples(15, 40, 5, 0.02f);
    QVERIFY_THROWS_EXCEPTION(Error, first.merge(CoverageProfile(infosOf(c), c, {params(50, 10.0, 100.0)})));
    CoverageProfile other(infosOf(c), c, {params(50, 20.0, 100.0)});
    // Same layers, same parameters, but pooled another way (tokens vs spatial).
    std::vector<LayerInfo> tokenInfos = infosOf(c);
    tokenInfos[0].pooling = Pooling::TokenSum;
    QVERIFY_THROWS_EXCEPTION(Error, first.merge(CoverageProfile(tokenInfos, c, {params(50, 20.0, 100.0)})));
    first.modelSha256 = "aaaa";
    other.modelSha256 = "bbbb";
    QVERIFY_THROWS_EXCEPTION(Error, first.merge(other));
    QCOMPARE(first.fitSamples().sampleCount(), std::size_t(40));
}

void TestCoverageProfile::coverageAreaByHand()
{
    // Linear M=5 (4 bins of width 0.25), O=2, one neuron: states 0.1, 0.1, 0.6 -> counts (2,0,1,0)
    // -> Phi (1, 0, 0.5, 0) -> G = (1 + 0.5) / M = 0.3.
    const SampleSet fit = makeSamples({1}, {{rawForState(0.1), rawForState(0.1), rawForState(0.6)}});
    const CoverageProfile profile(infosOf(fit), fit, {params(5, 2.0, 1.0, BinScheme::Linear)});
    QVERIFY(std::abs(profile.coverage(0).coverageArea() - 0.3) < kScoreTolerance);
}

void TestCoverageProfile::nacMeCorrectOnly()
{
    // Sample 0 is correct (label 0, argmax 0); sample 1 is wrong (label 1); correct-only keeps one.
    SampleSet s = makeSamples({1}, {{rawForState(0.1), rawForState(0.6)}});
    s.labels = {0, 1};
    const LayerParams p = params(5, 1.0, 1.0, BinScheme::Linear);
    const NacMeResult onlyCorrect = nacMeScore(s, p, true);
    QCOMPARE(onlyCorrect.samplesUsed, std::size_t(1));
    QVERIFY(std::abs(onlyCorrect.coverage - 1.0 / 5.0) < kScoreTolerance);
    QVERIFY(std::abs(onlyCorrect.accuracy - 0.5) < kScoreTolerance);
    const NacMeResult all = nacMeScore(s, p, false);
    QVERIFY(std::abs(all.coverage - 2.0 / 5.0) < kScoreTolerance);
    s.labels = {1, 1};
    QVERIFY_THROWS_EXCEPTION(Error, nacMeScore(s, p, true));
    QVERIFY(nacMeDefaultParams().scheme == BinScheme::Linear);
    QCOMPARE(nacMeDefaultParams().minActivated, 500.0);
}

QTEST_APPLESS_MAIN(TestCoverageProfile)
#include "tst_coverage_profile.moc"
