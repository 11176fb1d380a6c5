// Tests for engine/number_text: whole-text integer and decimal parsing with '.' only, formatting
// as %g does, and the parsers and writers of layer parameters and input shapes under a
// comma-decimal locale (de_DE.UTF-8, compiled by the make_test_locale CTest fixture).
#include "engine/error.h"
#include "engine/layer_params.h"
#include "engine/model_metadata.h"
#include "engine/number_text.h"

#include <QtTest/QtTest>

#include <QDir>

#include <clocale>
#include <cstdlib>
#include <locale>

using namespace nac::engine;

class TestNumberText : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void integers_data();
    void integers();
    void reals_data();
    void reals();
    void formatting();
    void commaDecimalLocale();
};

void TestNumberText::integers_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<qlonglong>("value");
    QTest::newRow("zero") << "0" << true << 0LL;
    QTest::newRow("plus") << "+42" << true << 42LL;
    QTest::newRow("minus") << "-7" << true << -7LL;
    QTest::newRow("largest") << "9223372036854775807" << true << 9223372036854775807LL;
    QTest::newRow("overflow") << "9223372036854775808" << false << 0LL;
    QTest::newRow("fraction") << "1.5" << false << 0LL;
    QTest::newRow("exponent") << "1e3" << false << 0LL;
    QTest::newRow("space") << " 5" << false << 0LL;
    QTest::newRow("trailing") << "5x" << false << 0LL;
    QTest::newRow("empty") << "" << false << 0LL;
    QTest::newRow("sign only") << "+" << false << 0LL;
    QTest::newRow("two signs") << "+-3" << false << 0LL;
}

void TestNumberText::integers()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QFETCH(qlonglong, value);
    const auto parsed = parseInteger(text.toStdString());
    QCOMPARE(parsed.has_value(), valid);
    if (valid)
        QCOMPARE(qlonglong(*parsed), value);
}

void TestNumberText::reals_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<double>("value");
    QTest::newRow("half") << "0.5" << true << 0.5;
    QTest::newRow("plus") << "+2.25" << true << 2.25;
    QTest::newRow("exponent") << "1e-3" << true << 1e-3;
    QTest::newRow("whole") << "100" << true << 100.0;
    QTest::newRow("comma") << "0,5" << false << 0.0;
    QTest::newRow("trailing") << "0.5 " << false << 0.0;
    QTest::newRow("empty") << "" << false << 0.0;
    QTest::newRow("hex") << "0x10" << false << 0.0;
    QTest::newRow("too large") << "1e999" << false << 0.0;
}

void TestNumberText::reals()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QFETCH(double, value);
    const auto parsed = parseReal(text.toStdString());
    QCOMPARE(parsed.has_value(), valid);
    if (valid)
        QCOMPARE(*parsed, value);
}

void TestNumberText::formatting()
{
    QCOMPARE(QString::fromStdString(formatReal(0.5, 10)), QStringLiteral("0.5"));
    QCOMPARE(QString::fromStdString(formatReal(1e-5, 10)), QStringLiteral("1e-05"));
    QCOMPARE(QString::fromStdString(formatReal(123.456, 4)), QStringLiteral("123.5"));
    QCOMPARE(QString::fromStdString(formatReal(100.0, 8)), QStringLiteral("100"));
}

void TestNumberText::commaDecimalLocale()
{
    const QString localeDir = QStringLiteral(NAC_TEST_LOCALE_DIR);
    if (!QDir(localeDir + "/de_DE.UTF-8").exists())
        QSKIP("de_DE.UTF-8 was not compiled (the make_test_locale fixture needs localedef and the locales package)");
    qputenv("LOCPATH", localeDir.toLocal8Bit());
    QVERIFY(std::setlocale(LC_ALL, "de_DE.UTF-8") != nullptr);
    const std::locale previous = std::locale::global(std::locale("de_DE.UTF-8"));
    // The locale is in force: the C library reads "0,5" as a half and stops at '.'.
    QCOMPARE(std::strtod("0,5", nullptr), 0.5);
    QCOMPARE(std::strtod("0.5", nullptr), 0.0);

    const LayerParams params = parseLayerParams("M=40,O=2.5,alpha=0.5", LayerParams());
    QCOMPARE(params.binEdgeCount, 40);
    QCOMPARE(params.minActivated, 2.5);
    QCOMPARE(params.alpha, 0.5);
    QCOMPARE(QString::fromStdString(formatLayerParams(params)), QStringLiteral("M=40,O=2.5,alpha=0.5,bins=reference"));
    QVERIFY_THROWS_EXCEPTION(Error, parseLayerParams("alpha=0,5", LayerParams()));
    QCOMPARE(parseFloatList("0.485,0.456", "--mean"), (std::vector<float>{0.485f, 0.456f}));
    InputSpec spec;
    parseInputShape("3x32x32", spec);
    QCOMPARE(spec.height, 32);
    const ModelMetadata meta = parseModelMetadata(
        R"({"input": {"channels": 1, "height": 28, "width": 28, "mean": [0.25], "std": [0.5]}, "layers": [{"name": "fc", "alpha": 0.125}]})",
        "m.nac.json");
    QCOMPARE(meta.input.mean.front(), 0.25f);
    QCOMPARE(meta.layers.front().params.alpha, 0.125);
    QVERIFY(serializeModelMetadata(meta).find("0.125") != std::string::npos);

    std::locale::global(previous);
    std::setlocale(LC_ALL, "C");
}

QTEST_APPLESS_MAIN(TestNumberText)
#include "tst_number_text.moc"
