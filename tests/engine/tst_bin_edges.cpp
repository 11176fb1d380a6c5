// Tests for engine/bin_edges: the reference's mirrored-log edges (SPEC §2 examples), linear edges,
// bin lookup at the boundaries, and invalid M.
#include "engine/bin_edges.h"
#include "engine/error.h"

#include <QtTest/QtTest>

#include <cmath>
#include <limits>

using namespace nac::engine;

namespace {
constexpr double kEdgeTolerance = 5e-5;  // SPEC quotes the edges to 4 digits
}

class TestBinEdges : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void referenceM50();
    void referenceM500();
    void referenceIsSymmetric();
    void linear();
    void findBinBoundaries_data();
    void findBinBoundaries();
    void binFinderEqualsFindBin_data();
    void binFinderEqualsFindBin();
    void binFinderRefusesBadEdges();
    void invalidM_data();
    void invalidM();
    void schemeNames();
};

void TestBinEdges::referenceM50()
{
    const std::vector<double> e = makeBinEdges(BinScheme::Reference, 50);
    QCOMPARE(int(e.size()), 50);
    // SPEC §2: 0, .1191, .1835, .2279, …, .494, .5, .506, …, .8165, .8809, 1.01, 1.2
    QCOMPARE(e[0], 0.0);
    QVERIFY(std::abs(e[1] - 0.1191) < kEdgeTolerance);
    QVERIFY(std::abs(e[2] - 0.1835) < kEdgeTolerance);
    QVERIFY(std::abs(e[3] - 0.2279) < kEdgeTolerance);
    QVERIFY(std::abs(e[23] - 0.494) < 5e-4);
    QCOMPARE(e[24], 0.5);
    QVERIFY(std::abs(e[25] - 0.506) < 5e-4);
    QVERIFY(std::abs(e[46] - 0.8165) < kEdgeTolerance);
    QVERIFY(std::abs(e[47] - 0.8809) < kEdgeTolerance);
    QVERIFY(std::abs(e[48] - 1.01) < 1e-12);
    QCOMPARE(e[49], 1.2);
    for (std::size_t i = 1; i < e.size(); ++i)
        QVERIFY(e[i] > e[i - 1]);
}

void TestBinEdges::referenceM500()
{
    const std::vector<double> e = makeBinEdges(BinScheme::Reference, 500);
    QCOMPARE(int(e.size()), 500);
    QVERIFY(std::abs(e[1] - 0.01679) < kEdgeTolerance);
    QVERIFY(std::abs(e[2] - 0.03184) < kEdgeTolerance);
    // Bins near 0.5 are about 5.6e-4 wide.
    const double nearHalf = e[250] - e[249];
    QVERIFY(nearHalf > 5.0e-4 && nearHalf < 6.2e-4);
}

void TestBinEdges::referenceIsSymmetric()
{
    const std::vector<double> e = makeBinEdges(BinScheme::Reference, 50);
    // xl and reverse(1 - xl) mirror around 0.5 (the last two edges are the extra 1.01 and 1.2).
    // e[k] + e[M-2-k] = 1 for k = 1..M/2-2; e[M/2-1] = 0.5; e[M-2] = 1 + 0.01 pairs with e[0] = 0.
    const int m = 50;
    for (int k = 1; k <= m / 2 - 2; ++k)
        QVERIFY(std::abs(e[std::size_t(k)] + e[std::size_t(m - 2 - k)] - 1.0) < 1e-12);
    QCOMPARE(e[std::size_t(m / 2 - 1)], 0.5);
}

void TestBinEdges::linear()
{
    const std::vector<double> e = makeBinEdges(BinScheme::Linear, 5);
    QCOMPARE(int(e.size()), 5);
    QCOMPARE(e[0], 0.0);
    QCOMPARE(e[1], 0.25);
    QCOMPARE(e[4], 1.0);
    // Linear bins accept odd M.
    QVERIFY(int(makeBinEdges(BinScheme::Linear, 51).size()) == 51);
}

void TestBinEdges::findBinBoundaries_data()
{
    QTest::addColumn<float>("value");
    QTest::addColumn<int>("bin");
    const std::vector<double> e = makeBinEdges(BinScheme::Reference, 50);
    QTest::newRow("zero is in bin 0") << 0.0f << 0;
    QTest::newRow("just below edge 1") << std::nextafter(std::nextafter(float(e[1]), 0.0f), 0.0f) << 0;
    QTest::newRow("just above edge 1") << std::nextafter(std::nextafter(float(e[1]), 1.0f), 1.0f) << 1;
    QTest::newRow("exactly 0.5 starts bin 24") << 0.5f << 24;
    QTest::newRow("just below 0.5") << std::nextafter(0.5f, 0.0f) << 23;
    QTest::newRow("one is in the last live bin") << 1.0f << 47;
    QTest::newRow("1.1 is in the dead bin") << 1.1f << 48;
    QTest::newRow("1.2 is outside") << 1.2f << -1;
    QTest::newRow("negative is outside") << -0.001f << -1;
    QTest::newRow("NaN is outside") << std::nanf("") << -1;
}

void TestBinEdges::findBinBoundaries()
{
    QFETCH(float, value);
    QFETCH(int, bin);
    QVERIFY(findBin(makeBinEdges(BinScheme::Reference, 50), value) == bin);
}

void TestBinEdges::invalidM_data()
{
    QTest::addColumn<int>("scheme");
    QTest::addColumn<int>("m");
    QTest::addColumn<bool>("valid");
    QTest::newRow("reference 50") << int(BinScheme::Reference) << 50 << true;
    QTest::newRow("reference 4") << int(BinScheme::Reference) << 4 << true;
    QTest::newRow("reference odd 51") << int(BinScheme::Reference) << 51 << false;
    QTest::newRow("reference 2") << int(BinScheme::Reference) << 2 << false;
    QTest::newRow("reference 0") << int(BinScheme::Reference) << 0 << false;
    QTest::newRow("reference negative") << int(BinScheme::Reference) << -50 << false;
    QTest::newRow("reference huge") << int(BinScheme::Reference) << 1000000 << false;
    QTest::newRow("linear odd 51") << int(BinScheme::Linear) << 51 << true;
    QTest::newRow("linear 3") << int(BinScheme::Linear) << 3 << false;
}

void TestBinEdges::invalidM()
{
    QFETCH(int, scheme);
    QFETCH(int, m);
    QFETCH(bool, valid);
    try {
        makeBinEdges(BinScheme(scheme), m);
        QVERIFY(valid);
    } catch (const Error& e) {
        QVERIFY2(!valid, e.what());
        QVERIFY(e.kind() == ErrorKind::BadInput);
        QVERIFY(std::string(e.what()).find("M=" + std::to_string(m)) != std::string::npos);
    }
}

void TestBinEdges::schemeNames()
{
    QVERIFY(binSchemeFromString("reference") == BinScheme::Reference);
    QVERIFY(binSchemeFromString("linear") == BinScheme::Linear);
    QVERIFY(QString::fromStdString(toString(BinScheme::Linear)) == QStringLiteral("linear"));
    QVERIFY_THROWS_EXCEPTION(Error, binSchemeFromString("cubic"));
}

void TestBinEdges::binFinderEqualsFindBin_data()
{
    QTest::addColumn<int>("scheme");
    QTest::addColumn<int>("m");
    for (int m : {4, 6, 50, 52, 500, 1000, 20000})
        QTest::addRow("reference M=%d", m) << int(BinScheme::Reference) << m;
    for (int m : {4, 5, 51, 1000})
        QTest::addRow("linear M=%d", m) << int(BinScheme::Linear) << m;
}

// BinFinder must give findBin's answer for every float: a dense sweep, each edge and the floats on
// either side of it, the ends, and values no bin holds.
void TestBinEdges::binFinderEqualsFindBin()
{
    QFETCH(int, scheme);
    QFETCH(int, m);
    const std::vector<double> edges = makeBinEdges(BinScheme(scheme), m);
    const BinFinder finder(edges);
    std::vector<float> values = {-1.0f, -0.0f, 0.0f, 1.0f, 1.2f, 1.25f, 7.0f, std::nanf(""),
                                 std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                                 std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::min()};
    for (int i = -1000; i <= 131000; ++i)
        values.push_back(float(i) * 1e-5f);
    for (double edge : edges) {
        float f = float(edge);
        for (int step = 0; step < 4; ++step)
            f = std::nextafter(f, -1.0f);
        for (int step = 0; step < 9; ++step, f = std::nextafter(f, 2.0f))
            values.push_back(f);
    }
    int checked = 0;
    for (float v : values) {
        const int expected = findBin(edges, v);
        const int got = finder(v);
        if (got != expected)
            QFAIL(qPrintable(QStringLiteral("value %1: BinFinder %2, findBin %3").arg(double(v), 0, 'g', 12).arg(got).arg(expected)));
        ++checked;
    }
    QVERIFY(checked > 132000);
}

void TestBinEdges::binFinderRefusesBadEdges()
{
    QVERIFY_THROWS_EXCEPTION(Error, BinFinder(std::vector<double>{0.5}));
    QVERIFY_THROWS_EXCEPTION(Error, BinFinder(std::vector<double>{1.0, 0.0}));
}

QTEST_APPLESS_MAIN(TestBinEdges)
#include "tst_bin_edges.moc"
