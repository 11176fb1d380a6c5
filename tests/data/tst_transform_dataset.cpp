// Tests for data-set specs with ranges ("@A-B") and pixel transforms (invert:, rot90:, rot180:).
#include "engine/data/data_source.h"
#include "engine/error.h"

#include <QtTest/QtTest>

using namespace nac::engine;

namespace {

constexpr float kPixelTolerance = 1e-5f;

InputSpec spec(int size)
{
    InputSpec s;
    s.channels = 1;
    s.height = size;
    s.width = size;
    s.mean = {0.25f};
    s.std = {0.5f};
    return s;
}

std::vector<float> loadImage(const Dataset& data, std::size_t index, const InputSpec& s)
{
    std::vector<float> out(s.valuesPerImage());
    data.load(index, s, out.data());
    return out;
}

}  // namespace

class TestTransformDataset : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void range();
    void badRanges_data();
    void badRanges();
    void invert();
    void rotations();
    void nested();
};

void TestTransformDataset::range()
{
    auto all = openDataset("noise:uniform:10");
    auto part = openDataset("noise:uniform:10@2-4");
    QCOMPARE(part->size(), std::size_t(3));
    QCOMPARE(part->sourceName(0), all->sourceName(2));
    QCOMPARE(loadImage(*part, 1, spec(8)), loadImage(*all, 3, spec(8)));
    QVERIFY(QString::fromStdString(part->description()).contains("images 2-4"));
}

void TestTransformDataset::badRanges_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("past the end") << "noise:uniform:10@5-10";
    QTest::newRow("reversed") << "noise:uniform:10@5-4";
    QTest::newRow("huge") << "noise:uniform:10@0-99999999999999999999999";
}

void TestTransformDataset::badRanges()
{
    QFETCH(QString, text);
    try {
        openDataset(text.toStdString());
        QFAIL("a bad range was accepted");
    } catch (const Error& e) {
        QVERIFY(e.kind() == ErrorKind::BadInput);
        QVERIFY2(QString(e.what()).contains("range"), e.what());
    }
}

void TestTransformDataset::invert()
{
    const InputSpec s = spec(6);
    auto plain = openDataset("noise:uniform:3");
    auto inverted = openDataset("invert:noise:uniform:3");
    const std::vector<float> a = loadImage(*plain, 1, s);
    const std::vector<float> b = loadImage(*inverted, 1, s);
    for (std::size_t i = 0; i < a.size(); ++i) {
        const float pixel = a[i] * 0.5f + 0.25f;
        QVERIFY(std::abs(b[i] - (1.0f - pixel - 0.25f) / 0.5f) < kPixelTolerance);
    }
    QVERIFY(QString::fromStdString(inverted->sourceName(0)).startsWith("invert:"));
}

void TestTransformDataset::rotations()
{
    const InputSpec s = spec(5);
    auto plain = openDataset("noise:gaussian:2");
    const std::vector<float> a = loadImage(*plain, 0, s);
    const std::vector<float> r90 = loadImage(*openDataset("rot90:noise:gaussian:2"), 0, s);
    const std::vector<float> r180 = loadImage(*openDataset("rot180:noise:gaussian:2"), 0, s);
    for (int y = 0; y < 5; ++y)
        for (int x = 0; x < 5; ++x) {
            // A quarter turn counter-clockwise: the top row becomes the left column, read upwards.
            QCOMPARE(r90[std::size_t(y * 5 + x)], a[std::size_t(x * 5 + (4 - y))]);
            QCOMPARE(r180[std::size_t(y * 5 + x)], a[std::size_t((4 - y) * 5 + (4 - x))]);
        }
    InputSpec wide = s;
    wide.width = 7;
    QVERIFY_THROWS_EXCEPTION(Error, loadImage(*openDataset("rot90:noise:gaussian:2"), 0, wide));
}

void TestTransformDataset::nested()
{
    auto data = openDataset("invert:rot180:noise:uniform:20@10-19");
    QCOMPARE(data->size(), std::size_t(10));
    QVERIFY_THROWS_EXCEPTION(Error, openDataset("invert:/does/not/exist.idx"));
}

QTEST_APPLESS_MAIN(TestTransformDataset)
#include "tst_transform_dataset.moc"
