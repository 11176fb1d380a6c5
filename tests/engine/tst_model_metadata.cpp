// Tests for engine/model_metadata: valid nac.json documents, and hostile ones (deep nesting,
// fractional or overflowing integers, 10^5 layers, wrong types) refused fast with a message
// naming the origin.
#include "engine/error.h"
#include "engine/model_metadata.h"

#include <QtTest/QtTest>

#include <QElapsedTimer>

using namespace nac::engine;

namespace {

QByteArray withInput(const QByteArray& input)
{
    return R"({"input": )" + input + "}";
}

QByteArray manyLayers(int count, bool duplicate)
{
    QByteArray json = R"({"layers": [)";
    for (int i = 0; i < count; ++i)
        json += (i ? "," : "") + QByteArray(R"({"name": "l)") + QByteArray::number(duplicate && i == count - 1 ? 0 : i) + "\"}";
    return json + "]}";
}

}  // namespace

class TestModelMetadata : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parse_data();
    void parse();
};

void TestModelMetadata::parse_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("mentions");  // empty: parses
    const QByteArray good = R"({"channels": 1, "height": 28, "width": 28, "mean": [0.5], "std": [0.25]})";
    QTest::newRow("valid") << withInput(good) << "";
    QTest::newRow("integral float") << withInput(R"({"channels": 1.0, "height": 28, "width": 28})") << "";
    QTest::newRow("valid layers") << manyLayers(100, false) << "";
    QTest::newRow("unknown keys kept") << QByteArray(R"({"training": {"a": [1, {"b": 2}]}})") << "";
    QTest::newRow("fractional channels") << withInput(R"({"channels": 1.99, "height": 28, "width": 28})")
                                         << "'channels' is 1.99";
    QTest::newRow("fractional width") << withInput(R"({"channels": 1, "height": 28, "width": 28.9})") << "'width' is 28.9";
    QTest::newRow("2^31 height") << withInput(R"({"channels": 1, "height": 2147483648, "width": 28})") << "'height' is 2147483648";
    QTest::newRow("2^64 width") << withInput(R"({"channels": 1, "height": 28, "width": 18446744073709551616})") << "'width'";
    QTest::newRow("negative M") << QByteArray(R"({"layers": [{"name": "a", "M": -2}]})") << "'M' is -2";
    QTest::newRow("fractional M") << QByteArray(R"({"layers": [{"name": "a", "M": 50.5}]})") << "'M' is 50.5";
    QTest::newRow("2^31 M") << QByteArray(R"({"layers": [{"name": "a", "M": 2147483648}]})") << "'M' is 2147483648";
    QTest::newRow("huge version") << QByteArray(R"({"version": 4294967297})") << "version 4294967297";
    QTest::newRow("nested 100000 deep") << "{\"x\": " + QByteArray(100000, '[') + QByteArray(100000, ']') + "}" << "levels deep";
    QTest::newRow("100000 layers") << manyLayers(100000, false) << "at most 4096";
    QTest::newRow("a layer twice") << manyLayers(4000, true) << "listed twice";
    QTest::newRow("classes not a list") << QByteArray(R"({"classes": "cat"})") << "'classes' must be a list";
    QTest::newRow("layers not a list") << QByteArray(R"({"layers": {"name": "a"}})") << "'layers' must be a list";
    QTest::newRow("17 mean values") << withInput(R"({"channels": 1, "height": 28, "width": 28, "mean": [)"
                                                 + QByteArray("0,").repeated(16) + "0]}")
                                    << "at most 16";
}

void TestModelMetadata::parse()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, mentions);
    // No time limit here (the machines are shared): a parser that blew up would hit ctest's timeout.
    try {
        const ModelMetadata meta = parseModelMetadata(json.toStdString(), "m.pt.nac.json");
        QVERIFY2(mentions.isEmpty(), "the metadata should have been refused");
        // What is written back parses again.
        parseModelMetadata(serializeModelMetadata(meta), "again");
    } catch (const Error& e) {
        QVERIFY2(!mentions.isEmpty(), e.what());
        QVERIFY(e.kind() == ErrorKind::BadInput);
        QVERIFY2(QString(e.what()).contains("m.pt.nac.json"), e.what());
        QVERIFY2(QString(e.what()).contains(mentions), e.what());
    }
}

QTEST_APPLESS_MAIN(TestModelMetadata)
#include "tst_model_metadata.moc"
