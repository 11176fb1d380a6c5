// Tests for engine/profile_io: .nacprofile round trip, and every damaged or foreign file gives a
// clear error while an existing file survives a failed save.
#include "engine/error.h"
#include "engine/profile_io.h"

#include <QtTest/QtTest>

#include <QFile>
#include <QTemporaryDir>

#include <random>

using namespace nac::engine;

namespace {

CoverageProfile makeProfile(std::uint32_t seed, std::size_t samples, std::size_t heldout)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    SampleSet fit;
    fit.layerNames = {"avgpool", "layer3"};
    fit.neuronCounts = {4, 3};
    fit.rawProducts.resize(2);
    fit.classCount = 3;
    auto addSamples = [&](SampleSet& set, std::size_t count, const std::string& prefix) {
        for (std::size_t i = 0; i < count; ++i) {
            for (std::size_t l = 0; l < 2; ++l)
                for (int n = 0; n < set.neuronCounts[l]; ++n)
                    set.rawProducts[l].push_back(normal(rng));
            for (int c = 0; c < 3; ++c)
                set.logits.push_back(normal(rng));
            set.labels.push_back(int(i % 3));
            set.sources.push_back(prefix + std::to_string(i) + (i == 1 ? ",with \"comma\"" : ""));
        }
    };
    addSamples(fit, samples, "fit#");
    SampleSet held = fit.emptyLike();
    addSamples(held, heldout, "held#");
    LayerParams a;
    LayerParams b;
    b.binEdgeCount = 500;
    b.minActivated = 100;
    b.alpha = 1000;
    // layer3 as if it were a transformer block's [B, tokens, features] output, pooled over tokens.
    CoverageProfile profile({{"avgpool", {1, 4, 1, 1}, 4, Pooling::Spatial}, {"layer3", {1, 9, 3}, 3, Pooling::TokenSum}}, fit,
                            {a, b});
    profile.setHeldoutSamples(held);
    profile.modelSha256 = std::string(64, 'a');
    profile.modelPath = "/models/demo.pt";
    profile.datasetDescription = "idx:train (60000 images)";
    profile.createdBy = "test";
    return profile;
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

}  // namespace

class TestProfileIo : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void roundTrip();
    void roundTripWithoutHeldout();
    void damagedFiles_data();
    void damagedFiles();
    void missingFile();
    void failedSaveKeepsOldFile();
    void modelMismatch();
};

void TestProfileIo::roundTrip()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("p.nacprofile").toStdString();
    const CoverageProfile saved = makeProfile(1, 200, 30);
    saveProfile(saved, path);
    const CoverageProfile loaded = loadProfile(path);
    QCOMPARE(loaded.layerCount(), std::size_t(2));
    QCOMPARE(loaded.modelSha256, saved.modelSha256);
    QCOMPARE(loaded.modelPath, saved.modelPath);
    QCOMPARE(loaded.datasetDescription, saved.datasetDescription);
    QVERIFY(loaded.allParams() == saved.allParams());
    QCOMPARE(loaded.fitSamples().rawProducts, saved.fitSamples().rawProducts);
    QCOMPARE(loaded.fitSamples().logits, saved.fitSamples().logits);
    QCOMPARE(loaded.fitSamples().sources, saved.fitSamples().sources);
    QCOMPARE(loaded.heldoutSamples().sampleCount(), std::size_t(30));
    QCOMPARE(loaded.layers()[1].outputShape, saved.layers()[1].outputShape);
    QCOMPARE(loaded.layers()[0].pooling, Pooling::Spatial);
    QCOMPARE(loaded.layers()[1].pooling, Pooling::TokenSum);
    for (std::size_t l = 0; l < 2; ++l)
        QCOMPARE(loaded.coverage(l).counts, saved.coverage(l).counts);
    QCOMPARE(loaded.score(saved.heldoutSamples()).total, saved.score(saved.heldoutSamples()).total);
    // No temporary files are left behind.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 1);
}

// Empty blocks (no held-out samples) are read without touching memory: UBSan once reported a
// memcpy from a null pointer here on every such profile.
void TestProfileIo::roundTripWithoutHeldout()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("p.nacprofile").toStdString();
    const CoverageProfile saved = makeProfile(3, 20, 0);
    saveProfile(saved, path);
    const CoverageProfile loaded = loadProfile(path);
    QCOMPARE(loaded.heldoutSamples().sampleCount(), std::size_t(0));
    QVERIFY(loaded.heldoutSamples().logits.empty());
    QCOMPARE(loaded.fitSamples().rawProducts, saved.fitSamples().rawProducts);
}

void TestProfileIo::damagedFiles_data()
{
    QTest::addColumn<QString>("damage");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("truncated to half") << "half" << "truncated";
    QTest::newRow("truncated to 10 bytes") << "ten" << "truncated";
    QTest::newRow("one flipped byte") << "flip" << "checksum";
    QTest::newRow("random bytes") << "random" << "not a NAC Studio profile";
    QTest::newRow("empty file") << "empty" << "not a NAC Studio profile";
    QTest::newRow("newer version") << "version" << "version 7";
}

void TestProfileIo::damagedFiles()
{
    QFETCH(QString, damage);
    QFETCH(QString, mentions);
    QTemporaryDir dir;
    const QString path = dir.filePath("p.nacprofile");
    saveProfile(makeProfile(2, 50, 0), path.toStdString());
    QByteArray bytes = readAll(path);
    if (damage == "half")
        bytes.truncate(bytes.size() / 2);
    else if (damage == "ten")
        bytes.truncate(10);
    else if (damage == "flip")
        bytes[bytes.size() / 2] = char(bytes[bytes.size() / 2] ^ 0x40);
    else if (damage == "random") {
        std::mt19937 rng(3);
        for (char& c : bytes)
            c = char(rng());
    } else if (damage == "empty")
        bytes.clear();
    else if (damage == "version")
        bytes[8] = 7;
    writeAll(path, bytes);
    try {
        loadProfile(path.toStdString());
        QFAIL("a damaged profile loaded");
    } catch (const Error& e) {
        QVERIFY(e.kind() == ErrorKind::BadInput);
        QVERIFY2(QString(e.what()).contains(mentions), e.what());
        QVERIFY2(QString(e.what()).contains(path), e.what());
    }
}

void TestProfileIo::missingFile()
{
    QVERIFY_THROWS_EXCEPTION(Error, loadProfile("/nonexistent/folder/p.nacprofile"));
}

void TestProfileIo::failedSaveKeepsOldFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("p.nacprofile");
    saveProfile(makeProfile(4, 20, 0), path.toStdString());
    const QByteArray before = readAll(path);
    // Saving into a folder that does not exist fails with a message and touches nothing.
    QVERIFY_THROWS_EXCEPTION(Error, saveProfile(makeProfile(5, 20, 0), dir.filePath("missing/p.nacprofile").toStdString()));
    // Saving over a path that is a folder fails at the rename; the folder and the old file stay.
    QDir(dir.path()).mkdir("taken.nacprofile");
    QVERIFY_THROWS_EXCEPTION(Error, saveProfile(makeProfile(6, 20, 0), dir.filePath("taken.nacprofile").toStdString()));
    QCOMPARE(readAll(path), before);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 1);
}

void TestProfileIo::modelMismatch()
{
    const CoverageProfile profile = makeProfile(7, 10, 0);
    checkProfileMatchesModel(profile, std::string(64, 'a'), "/models/demo.pt");
    try {
        checkProfileMatchesModel(profile, std::string(64, 'b'), "/models/other.pt");
        QFAIL("a profile for another model was accepted");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("another model"), e.what());
        QVERIFY2(QString(e.what()).contains("/models/other.pt"), e.what());
    }
}

QTEST_APPLESS_MAIN(TestProfileIo)
#include "tst_profile_io.moc"
