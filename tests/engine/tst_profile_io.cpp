// Tests for engine/profile_io: .nacprofile round trip, and every damaged or foreign file gives a
// clear error while an existing file survives a failed save.
#include "engine/error.h"
#include "engine/profile_io.h"

#include <QtTest/QtTest>

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <random>

#include <sys/stat.h>

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
            set.identities.push_back("/data/" + prefix + std::to_string(i));
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
    profile.input.channels = 1;
    profile.input.height = 28;
    profile.input.width = 28;
    profile.input.mean = {0.5f};
    profile.input.std = {0.25f};
    profile.hasInput = true;
    profile.conversionRules = kImageConversionRules;
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

constexpr int kFixedBytes = 8 + 4 + 8;  // magic, version, header length
constexpr int kDigestBytes = 32;

// bytes (a saved profile) with its JSON header replaced by header and the checksum made valid
// again: a crafted file, not a damaged one.
QByteArray withHeader(const QByteArray& bytes, const QByteArray& header)
{
    quint64 oldLength = 0;
    std::memcpy(&oldLength, bytes.constData() + 12, sizeof oldLength);
    const quint64 newLength = quint64(header.size());
    QByteArray out = bytes.left(12) + QByteArray(reinterpret_cast<const char*>(&newLength), sizeof newLength) + header
        + bytes.mid(kFixedBytes + int(oldLength), bytes.size() - kFixedBytes - int(oldLength) - kDigestBytes);
    return out + QCryptographicHash::hash(out, QCryptographicHash::Sha256);
}

QJsonObject headerOf(const QByteArray& bytes)
{
    quint64 length = 0;
    std::memcpy(&length, bytes.constData() + 12, sizeof length);
    return QJsonDocument::fromJson(bytes.mid(kFixedBytes, int(length))).object();
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
    void preprocessingAndIdentities();
    void profileWithoutPreprocessing();
    void foreignConversionRules();
    void modelFoundBesideMovedProfile();
    void mergeRefusesSharedImages();
    void mergeRefusesOtherPreprocessing();
    void hostileFiles_data();
    void hostileFiles();
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

void TestProfileIo::preprocessingAndIdentities()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("p.nacprofile").toStdString();
    CoverageProfile saved = makeProfile(8, 20, 5);
    saved.input.channels = 3;
    saved.input.mean = {0.485f, 0.456f, 0.406f};
    saved.input.std = {0.229f, 0.224f, 0.225f};
    saveProfile(saved, path);
    const CoverageProfile loaded = loadProfile(path);
    QVERIFY(loaded.hasInput);
    QVERIFY(loaded.input == saved.input);
    QCOMPARE(loaded.input.mean, saved.input.mean);
    QCOMPARE(loaded.conversionRules, std::string(kImageConversionRules));
    QCOMPARE(loaded.fitSamples().identities, saved.fitSamples().identities);
    QCOMPARE(loaded.heldoutSamples().identities, saved.heldoutSamples().identities);
    QCOMPARE(loaded.fitSamples().identities.size(), std::size_t(20));
}

void TestProfileIo::profileWithoutPreprocessing()
{
    // As written before the input spec and identities were stored: loads, and says it has none.
    QTemporaryDir dir;
    const std::string path = dir.filePath("old.nacprofile").toStdString();
    CoverageProfile saved = makeProfile(9, 20, 0);
    saved.hasInput = false;
    saved.conversionRules.clear();
    SampleSet fit = saved.fitSamples();
    fit.identities.clear();
    CoverageProfile old({saved.layers()[0], saved.layers()[1]}, fit, saved.allParams());
    old.modelSha256 = saved.modelSha256;
    saveProfile(old, path);
    const CoverageProfile loaded = loadProfile(path);
    QVERIFY(!loaded.hasInput);
    QVERIFY(loaded.fitSamples().identities.empty());
}

void TestProfileIo::foreignConversionRules()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("p.nacprofile").toStdString();
    CoverageProfile saved = makeProfile(10, 20, 0);
    saved.conversionRules = "v0: some other resizing";
    saveProfile(saved, path);
    try {
        loadProfile(path);
        QFAIL("a profile with foreign conversion rules loaded");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("conversion rules"), e.what());
        QVERIFY2(QString(e.what()).contains("v0: some other resizing"), e.what());
    }
}

void TestProfileIo::modelFoundBesideMovedProfile()
{
    // A profile saved beside (or near) its model finds the model again after both moved.
    QTemporaryDir dir;
    QDir(dir.path()).mkpath("before/models");
    QFile model(dir.filePath("before/models/m.pt"));
    QVERIFY(model.open(QIODevice::WriteOnly));
    model.write("model bytes");
    model.close();
    CoverageProfile saved = makeProfile(11, 20, 0);
    saved.modelPath = dir.filePath("before/models/m.pt").toStdString();
    saveProfile(saved, dir.filePath("before/p.nacprofile").toStdString());
    QVERIFY(QDir(dir.path()).rename("before", "after"));
    const CoverageProfile loaded = loadProfile(dir.filePath("after/p.nacprofile").toStdString());
    QCOMPARE(QFileInfo(QString::fromStdString(loaded.modelPath)).canonicalFilePath(),
             QFileInfo(dir.filePath("after/models/m.pt")).canonicalFilePath());
    // When the model is not beside it either, the absolute path it was fitted with stays.
    QVERIFY(QFile::remove(dir.filePath("after/models/m.pt")));
    QCOMPARE(loadProfile(dir.filePath("after/p.nacprofile").toStdString()).modelPath, saved.modelPath);
}

void TestProfileIo::mergeRefusesSharedImages()
{
    CoverageProfile a = makeProfile(12, 30, 0);
    const CoverageProfile same = makeProfile(13, 30, 0);  // other values, the same image identities
    try {
        a.merge(same);
        QFAIL("profiles that share images were merged");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("share images"), e.what());
        QVERIFY2(QString(e.what()).contains("30 images"), e.what());
    }
    QCOMPARE(a.fitSamples().sampleCount(), std::size_t(30));  // unchanged by the refused merge

    // Disjoint identities merge; without identities, source names decide.
    CoverageProfile other = makeProfile(14, 30, 0);
    SampleSet renamed = other.fitSamples();
    for (std::string& id : renamed.identities)
        id += "-other";
    for (std::string& source : renamed.sources)
        source += "-other";
    CoverageProfile disjoint({other.layers()[0], other.layers()[1]}, renamed, other.allParams());
    disjoint.modelSha256 = other.modelSha256;
    disjoint.input = other.input;
    disjoint.hasInput = true;
    disjoint.conversionRules = other.conversionRules;
    a.merge(disjoint);
    QCOMPARE(a.fitSamples().sampleCount(), std::size_t(60));
    QCOMPARE(a.fitSamples().identities.size(), std::size_t(60));

    CoverageProfile b = makeProfile(15, 30, 0);
    SampleSet noIds = b.fitSamples();
    noIds.identities.clear();
    CoverageProfile old({b.layers()[0], b.layers()[1]}, noIds, b.allParams());
    old.modelSha256 = b.modelSha256;
    old.input = b.input;
    old.hasInput = true;
    old.conversionRules = b.conversionRules;
    QVERIFY_THROWS_EXCEPTION(Error, old.merge(makeProfile(16, 10, 0)));  // same source names fit#0..9
}

void TestProfileIo::mergeRefusesOtherPreprocessing()
{
    CoverageProfile a = makeProfile(17, 10, 0);
    CoverageProfile b = makeProfile(18, 10, 0);
    SampleSet renamed = b.fitSamples();
    for (std::string& id : renamed.identities)
        id += "-b";
    for (std::string& source : renamed.sources)
        source += "-b";
    CoverageProfile shard({b.layers()[0], b.layers()[1]}, renamed, b.allParams());
    shard.modelSha256 = b.modelSha256;
    shard.conversionRules = b.conversionRules;
    shard.hasInput = true;
    shard.input = b.input;
    shard.input.mean = {0.4f};
    try {
        a.merge(shard);
        QFAIL("profiles with different preprocessing were merged");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("different preprocessing"), e.what());
        QVERIFY2(QString(e.what()).contains("mean 0.4"), e.what());
    }
    shard.input.mean = {0.5f};
    a.merge(shard);  // the same spec merges
    QCOMPARE(a.fitSamples().sampleCount(), std::size_t(20));
}

// Issue 9: crafted profiles and files that are not files end in BadInput naming the path, fast.
void TestProfileIo::hostileFiles_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("/dev/zero") << "/dev/zero" << "not a regular file";
    QTest::newRow("FIFO") << "fifo" << "not a regular file";
    QTest::newRow("folder") << "folder" << "is a folder";
    QTest::newRow("fewer image names than samples") << "sources" << "image names for";
    QTest::newRow("header nested 100000 deep") << "deep" << "levels deep";
    QTest::newRow("fractional class count") << "classes" << "class count";
    QTest::newRow("neuron count 2^31") << "neurons" << "neuron count";
}

void TestProfileIo::hostileFiles()
{
    QFETCH(QString, kind);
    QFETCH(QString, mentions);
    QTemporaryDir dir;
    QString path = dir.filePath("p.nacprofile");
    saveProfile(makeProfile(8, 20, 5), path.toStdString());
    const QByteArray bytes = readAll(path);
    QJsonObject header = headerOf(bytes);
    if (kind == "/dev/zero") {
        path = kind;
    } else if (kind == "fifo") {
        QFile::remove(path);
        QVERIFY(::mkfifo(qPrintable(path), 0600) == 0);
    } else if (kind == "folder") {
        QFile::remove(path);
        QVERIFY(QDir(dir.path()).mkdir("p.nacprofile"));
    } else if (kind == "sources") {
        QJsonObject fit = header["fit"].toObject();
        QJsonArray sources = fit["sources"].toArray();
        sources.removeLast();
        fit["sources"] = sources;
        header["fit"] = fit;
        writeAll(path, withHeader(bytes, QJsonDocument(header).toJson(QJsonDocument::Compact)));
    } else if (kind == "deep") {
        QByteArray deep = QJsonDocument(header).toJson(QJsonDocument::Compact);
        deep.chop(1);
        deep += ",\"x\":" + QByteArray(100000, '[') + QByteArray(100000, ']') + "}";
        writeAll(path, withHeader(bytes, deep));
    } else if (kind == "classes") {
        header["class_count"] = 2.5;
        writeAll(path, withHeader(bytes, QJsonDocument(header).toJson(QJsonDocument::Compact)));
    } else if (kind == "neurons") {
        QJsonArray layers = header["layers"].toArray();
        QJsonObject first = layers[0].toObject();
        first["neurons"] = 2147483648.0;
        layers[0] = first;
        header["layers"] = layers;
        writeAll(path, withHeader(bytes, QJsonDocument(header).toJson(QJsonDocument::Compact)));
    }
    QElapsedTimer timer;
    timer.start();
    try {
        loadProfile(path.toStdString());
        QFAIL("a hostile profile loaded");
    } catch (const Error& e) {
        QVERIFY(e.kind() == ErrorKind::BadInput);
        QVERIFY2(QString(e.what()).contains(mentions), e.what());
        QVERIFY2(QString(e.what()).contains(path), e.what());
    }
    qInfo("%s: refused in %lld ms", qPrintable(kind), timer.elapsed());
}

QTEST_APPLESS_MAIN(TestProfileIo)
#include "tst_profile_io.moc"
