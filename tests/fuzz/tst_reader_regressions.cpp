// Tests for the readers on the inputs their fuzz targets found trouble with (tests/fuzz/corpus/
// */regress-*): each is now refused with Error(BadInput) and a message, and no undefined behaviour
// (the asan preset runs this and the fuzz targets under ASan and UBSan).
#include "engine/error.h"
#include "engine/model_metadata.h"
#include "engine/profile_io.h"
#include "engine/sha256.h"

#include <QtTest/QtTest>

#include <QTemporaryDir>

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
    void profile_data();
    void profile();
};

void TestReaderRegressions::modelMetadata_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("mentions");
    // A float out of int's range: get<int>() converted it with undefined behaviour.
    QTest::newRow("channels 1e300") << "regress-channels-1e300.json" << "'channels' is 1e+300; it must be a whole number from 1 to 16";
    QTest::newRow("M -1e300") << "regress-M-minus-1e300.json" << "'M' is -1e+300; it must be a whole number";
    // 20,000 nested brackets under an unknown key: copying them overflowed the stack.
    QTest::newRow("nesting 20000") << "regress-nesting-20000.json" << "more than 64 levels deep";
}

void TestReaderRegressions::modelMetadata()
{
    QFETCH(QString, file);
    QFETCH(QString, mentions);
    const std::string text = corpusFile("fuzz_model_metadata", file);
    expectBadInput([&] { parseModelMetadata(text, "nac.json"); }, mentions);
    // Integers just inside and outside int's range.
    expectBadInput([&] { parseModelMetadata(R"({"input": {"channels": 4294967297, "height": 1, "width": 1}})", "nac.json"); },
                   "'channels' is 4294967297; it must be a whole number from 1 to 16");
    expectBadInput([&] { parseModelMetadata(R"({"input": {"channels": 2147483647, "height": 1, "width": 1}})", "nac.json"); },
                   "'channels' is 2147483647; it must be a whole number from 1 to 16");
}

void TestReaderRegressions::profile_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("mentions");
    // Floats out of range in a checksummed header: get<int>() / get<size_t>() converted them with
    // undefined behaviour.
    QTest::newRow("neurons 1e300") << "regress-neurons-1e300" << "neuron count 1e+300 that is not a whole number";
    QTest::newRow("count -1e300") << "regress-count-1e300" << "sample counts disagree";
    QTest::newRow("shape 1e300") << "regress-shape-1e300" << "the number 1e+300, out of range";
    QTest::newRow("label 1e300") << "regress-labels-1e300" << "the number 1e+300, out of range";
}

void TestReaderRegressions::profile()
{
    QFETCH(QString, file);
    QFETCH(QString, mentions);
    // The fuzz target's layout: a first byte 1, then the file without its checksum.
    const std::string input = corpusFile("fuzz_profile_io", file);
    QCOMPARE(input.at(0), '\1');
    std::string bytes = input.substr(1);
    const std::string hex = sha256Hex(bytes.data(), bytes.size());
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        bytes.push_back(char(std::stoi(hex.substr(i, 2), nullptr, 16)));
    QTemporaryDir dir;
    const std::string path = dir.filePath("p.nacprofile").toStdString();
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    expectBadInput([&] { loadProfile(path); }, mentions);
}

QTEST_APPLESS_MAIN(TestReaderRegressions)
#include "tst_reader_regressions.moc"
