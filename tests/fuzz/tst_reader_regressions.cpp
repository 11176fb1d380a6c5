// Tests for the readers on the inputs their fuzz targets found trouble with (tests/fuzz/corpus/
// */regress-*): each is now refused with Error(BadInput) and a message, and no undefined behaviour
// (the asan preset runs this and the fuzz targets under ASan and UBSan).
#include "engine/error.h"
#include "engine/model_metadata.h"

#include <QtTest/QtTest>

#include <fstream>
#include <iterator>

using namespace nac::engine;

namespace {

std::string corpusFile(const char* target, const QString& name)
{
    const std::string path = std::string(NAC_SOURCE_DIR) + "/tests/fuzz/corpus/" + target + "/" + name.toStdString();
    std::ifstream file(path, std::ios::binary);
    if (!file)
        qFatal("missing regression input %s", path.c_str());
    return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

template <typename Call>
void expectBadInput(Call call, const QString& mentions)
{
    try {
        call();
    } catch (const Error& e) {
        QCOMPARE(e.kind(), ErrorKind::BadInput);
        QVERIFY2(QString::fromStdString(e.what()).contains(mentions), e.what());
        return;
    }
    QFAIL("no error");
}

}  // namespace

class TestReaderRegressions : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void modelMetadata_data();
    void modelMetadata();
};

void TestReaderRegressions::modelMetadata_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("mentions");
    // A float out of int's range: get<int>() converted it with undefined behaviour.
    QTest::newRow("channels 1e300") << "regress-channels-1e300.json" << "'channels' is 1e+300, out of range";
    QTest::newRow("M -1e300") << "regress-M-minus-1e300.json" << "'M' is -1e+300, out of range";
}

void TestReaderRegressions::modelMetadata()
{
    QFETCH(QString, file);
    QFETCH(QString, mentions);
    const std::string text = corpusFile("fuzz_model_metadata", file);
    expectBadInput([&] { parseModelMetadata(text, "nac.json"); }, mentions);
    // Integers just inside and outside int's range.
    expectBadInput([&] { parseModelMetadata(R"({"input": {"channels": 4294967297, "height": 1, "width": 1}})", "nac.json"); },
                   "out of range");
    expectBadInput([&] { parseModelMetadata(R"({"input": {"channels": 2147483647, "height": 1, "width": 1}})", "nac.json"); },
                   "channels 2147483647 is out of range");
}

QTEST_APPLESS_MAIN(TestReaderRegressions)
#include "tst_reader_regressions.moc"
