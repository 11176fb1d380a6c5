// Tests of RocView: curves keep their points in ROC order, legend carries the AUROC.
#include "widgets/roc_view.h"

#include "engine/metrics.h"

#include <QtTest>

using nac::widgets::RocView;

class TestRocView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void curvesKeepTheirPoints();
    void legendShowsAurocInPercent_data();
    void legendShowsAurocInPercent();
    void clearRemovesCurves();
};

void TestRocView::curvesKeepTheirPoints()
{
    // Two detectors on the same hand-made sets: NAC-UE separates them, the baseline less so.
    const nac::engine::OodMetrics nac = nac::engine::computeOodMetrics({0.9, 0.8, 0.7, 0.6}, {0.1, 0.2, 0.65, 0.3});
    const nac::engine::OodMetrics msp = nac::engine::computeOodMetrics({0.9, 0.5, 0.7, 0.6}, {0.55, 0.95, 0.65, 0.3});
    RocView view;
    view.setCurves({{QStringLiteral("NAC-UE"), nac.roc, nac.auroc}, {QStringLiteral("MSP"), msp.roc, msp.auroc}});
    QCOMPARE(view.curves().size(), std::size_t(2));
    const auto& points = view.curves()[0].points;
    QCOMPARE(points.size(), nac.roc.size());
    QCOMPARE(points.front().falsePositiveRate, 0.0);
    QCOMPARE(points.front().truePositiveRate, 0.0);
    QCOMPARE(points.back().falsePositiveRate, 1.0);
    QCOMPARE(points.back().truePositiveRate, 1.0);
    for (std::size_t i = 0; i < points.size(); ++i) {
        QCOMPARE(points[i].falsePositiveRate, nac.roc[i].falsePositiveRate);
        QCOMPARE(points[i].truePositiveRate, nac.roc[i].truePositiveRate);
    }
    QCOMPARE(view.curves()[0].auroc, 0.9375);  // 15 of 16 pairs ordered
    QCOMPARE(view.legendTexts(), (QStringList{QStringLiteral("NAC-UE (AUROC 93.75%)"),
                                              RocView::legendText(view.curves()[1])}));
}

void TestRocView::legendShowsAurocInPercent_data()
{
    QTest::addColumn<double>("auroc");
    QTest::addColumn<QString>("text");
    QTest::newRow("perfect") << 1.0 << QStringLiteral("X (AUROC 100.00%)");
    QTest::newRow("chance") << 0.5 << QStringLiteral("X (AUROC 50.00%)");
    QTest::newRow("rounded") << 0.94314 << QStringLiteral("X (AUROC 94.31%)");
}

void TestRocView::legendShowsAurocInPercent()
{
    QFETCH(double, auroc);
    QFETCH(QString, text);
    QCOMPARE(RocView::legendText({QStringLiteral("X"), {}, auroc}), text);
}

void TestRocView::clearRemovesCurves()
{
    RocView view;
    view.setCurves({{QStringLiteral("NAC-UE"), {{0, 0, 1}, {1, 1, 0}}, 0.5}});
    view.clear();
    QVERIFY(view.curves().empty());
    QVERIFY(view.legendTexts().isEmpty());
}

QTEST_MAIN(TestRocView)
#include "tst_roc_view.moc"
