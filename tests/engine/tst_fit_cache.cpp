// Tests for the two fit caches (engine/coverage_profile.h FitCache): a histograms-only fit of the
// demo model on real images counts exactly what the exact fit counts, scores the same bits, saves
// and loads, keeps O live and refuses re-binning; damaged histograms-only files are refused.
#include "engine/coverage_profile.h"
#include "engine/data/data_source.h"
#include "engine/error.h"
#include "engine/fitter.h"
#include "engine/model.h"
#include "engine/profile_io.h"

#include <QtTest/QtTest>

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>

#include <cstring>
#include <functional>
#include <memory>
#include <numeric>

using namespace nac::engine;

namespace {

const std::string kDemoModel = NAC_SOURCE_DIR "/resources/demo/fashion_resnet18.pt";
// Real images in the source tree (MNIST digits; the demo's OOD set), used here as fit data.
const std::string kFitImages = NAC_SOURCE_DIR "/resources/demo/ood/mnist-images-idx3-ubyte.gz";
const std::string kTestImages = NAC_SOURCE_DIR "/resources/demo/ood/textures-test-images-idx3-ubyte.gz";
constexpr std::size_t kFitCount = 700;
constexpr std::size_t kHeldoutCount = 50;
constexpr std::size_t kTestCount = 300;

LayerParams params(int m, double o, double alpha)
{
    LayerParams p;
    p.binEdgeCount = m;
    p.minActivated = o;
    p.alpha = alpha;
    return p;
}

std::vector<std::size_t> range(std::size_t first, std::size_t count)
{
    std::vector<std::size_t> out(count);
    std::iota(out.begin(), out.end(), first);
    return out;
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    file.open(QIODevice::ReadOnly);
    return file.readAll();
}

void writeAll(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    file.open(QIODevice::WriteOnly | QIODevice::Truncate);
    file.write(bytes);
}

void expectBadInput(const std::function<void()>& action, const QString& mentions)
{
    try {
        action();
        QFAIL(qPrintable("no error; expected one mentioning " + mentions));
    } catch (const Error& e) {
        QVERIFY2(e.kind() == ErrorKind::BadInput, e.what());
        QVERIFY2(QString(e.what()).contains(mentions), e.what());
    }
}

}  // namespace

class TestFitCache : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void histogramsCountAndScoreAsExact();
    void batchesAndWorkersDoNotMatter();
    void onlyOStaysLive();
    void saveLoadRoundTrip();
    void exactRoundTripUnchanged();
    void damagedHistogramsFiles_data();
    void damagedHistogramsFiles();
    void mergeAddsCounts();
    void layerSubset();

private:
    CoverageProfile fit(FitCache cache, int batch = 64, int workers = 2, std::size_t first = 0, std::size_t count = kFitCount);

    std::unique_ptr<Model> m_model;
    std::unique_ptr<Dataset> m_fitData;
    std::unique_ptr<Dataset> m_testData;
    SampleSet m_test;
    std::vector<LayerParams> m_params;
    CoverageProfile m_exact;
    CoverageProfile m_histograms;
};

CoverageProfile TestFitCache::fit(FitCache cache, int batch, int workers, std::size_t first, std::size_t count)
{
    RunOptions options;
    options.batchSize = batch;
    options.workers = workers;
    options.threads = 2;
    return fitProfile(*m_model, *m_fitData, range(first, count), range(first + count, kHeldoutCount), m_params, options, cache);
}

void TestFitCache::initTestCase()
{
    m_model = Model::load(kDemoModel, "cpu");
    m_model->setTappedLayers({"avgpool", "layer3", "layer2", "layer1"});
    m_fitData = openDataset(kFitImages);
    m_testData = openDataset(kTestImages);
    QVERIFY(m_fitData->size() >= 2 * (kFitCount + kHeldoutCount));
    // Both bin schemes' usual sizes, and an O that saturates some bins and not others.
    m_params = {params(50, 5.0, 100.0), params(500, 10.0, 1000.0), params(500, 50.0, 100.0), params(50, 500.0, 3000.0)};
    RunOptions options;
    options.threads = 2;
    m_test = computeSampleSet(*m_model, *m_testData, range(0, kTestCount), options);
    m_exact = fit(FitCache::Exact);
    m_histograms = fit(FitCache::Histograms);
}

// Counting every state in its bin as the batches arrive gives the counts of the sorted columns,
// so every score is the same bits.
void TestFitCache::histogramsCountAndScoreAsExact()
{
    QVERIFY(m_exact.fitCache() == FitCache::Exact);
    QVERIFY(m_histograms.fitCache() == FitCache::Histograms);
    QCOMPARE(m_histograms.fitSamples().sampleCount(), kFitCount);
    QCOMPARE(m_histograms.fitSamples().sources, m_exact.fitSamples().sources);
    QCOMPARE(m_histograms.fitSamples().identities, m_exact.fitSamples().identities);
    QCOMPARE(m_histograms.fitSamples().labels, m_exact.fitSamples().labels);
    std::uint64_t counted = 0;
    for (std::size_t l = 0; l < m_exact.layerCount(); ++l) {
        QCOMPARE(m_histograms.coverage(l).counts, m_exact.coverage(l).counts);
        QCOMPARE(m_histograms.coverage(l).phi, m_exact.coverage(l).phi);
        QVERIFY(m_histograms.fitSamples().rawProducts[l].empty());
        counted += std::accumulate(m_exact.coverage(l).counts.begin(), m_exact.coverage(l).counts.end(), std::uint64_t(0));
        // Memory: the exact cache grows with the fit images, the histograms do not.
        const std::size_t neurons = std::size_t(m_exact.layers()[l].neuronCount);
        QVERIFY(m_exact.fitCacheBytes(l) >= 2 * kFitCount * neurons * sizeof(float));
        QCOMPARE(m_histograms.fitCacheBytes(l), std::size_t(m_params[l].binEdgeCount - 1) * neurons * 8);
    }
    QVERIFY(counted > 0);
    const ScoreTable exact = m_exact.score(m_test);
    const ScoreTable histograms = m_histograms.score(m_test);
    QCOMPARE(histograms.total, exact.total);
    QCOMPARE(histograms.perLayer, exact.perLayer);
    QCOMPARE(m_histograms.score(m_histograms.heldoutSamples()).total, m_exact.score(m_exact.heldoutSamples()).total);
    // Scores are not all equal (the test would prove little if every state fell outside the bins).
    QVERIFY(*std::max_element(exact.total.begin(), exact.total.end()) > *std::min_element(exact.total.begin(), exact.total.end()));
    // The fit images' raw products are gone: scoring them is refused with a message.
    expectBadInput([&] { m_histograms.score(m_histograms.fitSamples()); }, "no raw products");
}

// Batches are counted on several workers at once and in any order: the counts do not depend on it.
void TestFitCache::batchesAndWorkersDoNotMatter()
{
    const CoverageProfile single = fit(FitCache::Histograms, 7, 1);
    const CoverageProfile many = fit(FitCache::Histograms, 33, 3);
    for (std::size_t l = 0; l < m_exact.layerCount(); ++l) {
        QCOMPARE(single.coverage(l).counts, m_exact.coverage(l).counts);
        QCOMPARE(many.coverage(l).counts, m_exact.coverage(l).counts);
    }
}

void TestFitCache::onlyOStaysLive()
{
    CoverageProfile exact = m_exact;
    CoverageProfile histograms = m_histograms;
    LayerParams o = m_params[2];
    o.minActivated = 3.0;
    QVERIFY(histograms.setParams(2, o) == ParamChange::PhiOnly);
    QVERIFY(exact.setParams(2, o) == ParamChange::PhiOnly);
    QCOMPARE(histograms.coverage(2).phi, exact.coverage(2).phi);
    QCOMPARE(histograms.score(m_test).total, exact.score(m_test).total);

    LayerParams m = m_params[0];
    m.binEdgeCount = 500;
    LayerParams alpha = m_params[0];
    alpha.alpha = 10.0;
    const std::vector<std::uint32_t> before = histograms.coverage(0).counts;
    expectBadInput([&] { histograms.setParams(0, m); }, "histograms only");
    expectBadInput([&] { histograms.setParams(0, alpha); }, "--cache exact");
    std::vector<LayerParams> all = histograms.allParams();
    all[1].minActivated = 7.0;  // allowed alone, but the whole change is refused with the M change
    all[3].binEdgeCount = 52;
    expectBadInput([&] { histograms.setAllParams(all); }, "layer1");
    QCOMPARE(histograms.coverage(0).counts, before);
    QCOMPARE(histograms.params(1).minActivated, m_params[1].minActivated);
    QCOMPARE(histograms.params(3).binEdgeCount, 50);
    // The exact profile re-bins (its counts change).
    QVERIFY(exact.setParams(0, m) == ParamChange::Rebinned);
    QVERIFY(exact.coverage(0).counts.size() != before.size());
}

void TestFitCache::saveLoadRoundTrip()
{
    QTemporaryDir dir;
    const QString exactPath = dir.filePath("exact.nacprofile");
    const QString histogramsPath = dir.filePath("histograms.nacprofile");
    saveProfile(m_exact, exactPath.toStdString());
    saveProfile(m_histograms, histogramsPath.toStdString());
    // The histograms-only file holds no fit raw products and no fit logits; its header says so.
    const QByteArray exactBytes = readAll(exactPath);
    const QByteArray bytes = readAll(histogramsPath);
    quint64 exactHeader = 0;
    quint64 histogramsHeader = 0;
    std::memcpy(&exactHeader, exactBytes.constData() + 12, sizeof exactHeader);
    std::memcpy(&histogramsHeader, bytes.constData() + 12, sizeof histogramsHeader);
    const qint64 fitBlocks = qint64(kFitCount) * (240 + qint64(m_exact.fitSamples().classCount)) * qint64(sizeof(float));
    QCOMPARE((exactBytes.size() - qint64(exactHeader)) - (bytes.size() - qint64(histogramsHeader)), fitBlocks);
    quint32 version = 0;
    std::memcpy(&version, bytes.constData() + 8, sizeof version);
    QCOMPARE(version, quint32(2));
    QVERIFY(bytes.contains("\"fit_cache\":\"histograms\""));

    const CoverageProfile loaded = loadProfile(histogramsPath.toStdString());
    QVERIFY(loaded.fitCache() == FitCache::Histograms);
    QCOMPARE(loaded.fitSamples().sampleCount(), kFitCount);
    QCOMPARE(loaded.fitSamples().identities, m_histograms.fitSamples().identities);
    QCOMPARE(loaded.heldoutSamples().sampleCount(), kHeldoutCount);
    for (std::size_t l = 0; l < loaded.layerCount(); ++l) {
        QCOMPARE(loaded.coverage(l).counts, m_exact.coverage(l).counts);
        QVERIFY(loaded.params(l) == m_params[l]);
    }
    QCOMPARE(loaded.score(m_test).total, m_exact.score(m_test).total);
    QCOMPARE(loaded.modelSha256, m_exact.modelSha256);
    // Saved again, it is the same bytes.
    const QString again = dir.filePath("again.nacprofile");
    saveProfile(loaded, again.toStdString());
    QCOMPARE(readAll(again), bytes);
}

// Exact profiles are still version 1 and load to the same counts and scores.
void TestFitCache::exactRoundTripUnchanged()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("exact.nacprofile");
    saveProfile(m_exact, path.toStdString());
    const QByteArray bytes = readAll(path);
    quint32 version = 0;
    std::memcpy(&version, bytes.constData() + 8, sizeof version);
    QCOMPARE(version, quint32(1));
    QVERIFY(!bytes.contains("fit_cache"));
    const CoverageProfile loaded = loadProfile(path.toStdString());
    QVERIFY(loaded.fitCache() == FitCache::Exact);
    for (std::size_t l = 0; l < loaded.layerCount(); ++l) {
        QCOMPARE(loaded.fitSamples().rawProducts[l], m_exact.fitSamples().rawProducts[l]);
        QCOMPARE(loaded.coverage(l).counts, m_exact.coverage(l).counts);
    }
    QCOMPARE(loaded.score(m_test).total, m_exact.score(m_test).total);
}

void TestFitCache::damagedHistogramsFiles_data()
{
    QTest::addColumn<QString>("damage");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("truncated") << "truncated" << "truncated";
    QTest::newRow("one flipped count byte") << "flip" << "checksum";
    QTest::newRow("a count above the fit size, checksum made valid") << "overcount" << "only 700 were fitted";
    QTest::newRow("fit raw products appended, checksum made valid") << "extra" << "unexpected bytes";
    QTest::newRow("marked version 1, checksum made valid") << "version1" << "version 1 profile cannot keep";
    QTest::newRow("unknown cache kind, checksum made valid") << "kind" << "this version knows exact and histograms";
}

void TestFitCache::damagedHistogramsFiles()
{
    QFETCH(QString, damage);
    QFETCH(QString, mentions);
    QTemporaryDir dir;
    const QString path = dir.filePath("h.nacprofile");
    saveProfile(m_histograms, path.toStdString());
    QByteArray bytes = readAll(path);
    quint64 headerLength = 0;
    std::memcpy(&headerLength, bytes.constData() + 12, sizeof headerLength);
    const int countsStart = 20 + int(headerLength);  // the first layer's counts come first
    auto rehash = [&] {
        bytes.chop(32);
        bytes += QCryptographicHash::hash(bytes, QCryptographicHash::Sha256);
    };
    if (damage == "truncated") {
        bytes.truncate(bytes.size() - 100);
    } else if (damage == "flip") {
        bytes[countsStart + 5] = char(bytes[countsStart + 5] ^ 0x10);
    } else if (damage == "overcount") {
        const quint32 many = 701;
        std::memcpy(bytes.data() + countsStart, &many, sizeof many);
        rehash();
    } else if (damage == "extra") {
        bytes.insert(countsStart, QByteArray(int(kFitCount) * 128 * 4, '\0'));
        rehash();
    } else if (damage == "version1") {
        bytes[8] = 1;
        rehash();
    } else if (damage == "kind") {
        const int at = bytes.indexOf("\"histograms\"");
        QVERIFY(at > 0);
        bytes.replace(at, 12, "\"histogramz\"");
        rehash();
    }
    writeAll(path, bytes);
    expectBadInput([&] { loadProfile(path.toStdString()); }, mentions);
    try {
        loadProfile(path.toStdString());
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains(path), e.what());
    }
}

// Shards fitted histograms-only merge by adding counts: the same as one fit on their union.
void TestFitCache::mergeAddsCounts()
{
    CoverageProfile first = fit(FitCache::Histograms, 64, 2, 0, 300);
    const CoverageProfile second = fit(FitCache::Histograms, 64, 2, 1000, 400);
    const CoverageProfile exactSecond = fit(FitCache::Exact, 64, 2, 1000, 400);
    CoverageProfile exactFirst = fit(FitCache::Exact, 64, 2, 0, 300);
    expectBadInput([&] { exactFirst.merge(second); }, "same --cache");
    first.merge(second);
    exactFirst.merge(exactSecond);
    QCOMPARE(first.fitSamples().sampleCount(), std::size_t(700));
    QVERIFY(first.fitCache() == FitCache::Histograms);
    for (std::size_t l = 0; l < first.layerCount(); ++l)
        QCOMPARE(first.coverage(l).counts, exactFirst.coverage(l).counts);
    QCOMPARE(first.score(m_test).total, exactFirst.score(m_test).total);
    // A shard merged with itself would count its images twice.
    expectBadInput([&] { first.merge(second); }, "share images");
}

void TestFitCache::layerSubset()
{
    const CoverageProfile histograms = m_histograms.withLayers({"layer2", "avgpool"});
    const CoverageProfile exact = m_exact.withLayers({"layer2", "avgpool"});
    QVERIFY(histograms.fitCache() == FitCache::Histograms);
    QCOMPARE(histograms.coverage(0).counts, exact.coverage(0).counts);
    QCOMPARE(histograms.coverage(1).counts, exact.coverage(1).counts);
    QCOMPARE(histograms.score(m_test.withLayers({2, 0})).total, exact.score(m_test.withLayers({2, 0})).total);
}

QTEST_APPLESS_MAIN(TestFitCache)
#include "tst_fit_cache.moc"
