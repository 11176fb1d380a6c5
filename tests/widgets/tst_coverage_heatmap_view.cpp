// Tests of CoverageHeatmapView through its data seam: row -> bin at true widths, Phi/Count, order, hover, click.
#include "widgets/coverage_heatmap_view.h"
#include "widgets/plot_style.h"

#include "widget_test_data.h"

#include <QComboBox>
#include <QSignalSpy>
#include <QtTest>

#include <cmath>

using nac::engine::BinScheme;
using nac::widgets::CoverageHeatmapView;
using nac::widgets::test::distinctCount;
using nac::widgets::test::makeCoverage;
using nac::widgets::test::sameColour;

Q_DECLARE_METATYPE(BinScheme)

class TestCoverageHeatmapView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rowsShowTheBinOfTheirCentre_data();
    void rowsShowTheBinOfTheirCentre();
    void stateNearHalfShowsThatBinsPhi();
    void countModeShowsRawCounts();
    void neuronOrderIsApplied();
    void invalidOrderFallsBackToNaturalOrder();
    void statesOutsideEveryBinAreEmpty();
    void hoverTextDescribesTheCell();
    void clickEmitsTheNeuron();
    void dragDoesNotEmitAClick();
    void wideLayerStartsWithAtMost128Neurons();
    void narrowViewLeavesOutTheHoverHint();
    void sameLayerKeepsTheZoom();
    void markersFollowTheOrder();
    void colourComboEmitsModeChange();
    void labelsNameTheNacTerms();
    void singleNeuronLayer();
    void emptyStatePromptsAFit();
    void highlightOutlinesTheCell();
};

void TestCoverageHeatmapView::rowsShowTheBinOfTheirCentre_data()
{
    QTest::addColumn<BinScheme>("scheme");
    QTest::addColumn<int>("binEdgeCount");
    QTest::addColumn<int>("minimumRows");
    QTest::newRow("reference M=50") << BinScheme::Reference << 50 << 512;
    QTest::newRow("reference M=500: bins 5.6e-4 wide need more rows") << BinScheme::Reference << 500 << 1700;
    QTest::newRow("reference M=1000") << BinScheme::Reference << 1000 << 3000;
    QTest::newRow("linear M=50") << BinScheme::Linear << 50 << 512;
}

void TestCoverageHeatmapView::rowsShowTheBinOfTheirCentre()
{
    QFETCH(BinScheme, scheme);
    QFETCH(int, binEdgeCount);
    QFETCH(int, minimumRows);
    CoverageHeatmapView view;
    const auto coverage = makeCoverage(scheme, binEdgeCount, 3, 50.0, distinctCount);
    view.setLayer(QStringLiteral("layer3"), coverage);
    const auto& data = view.heatmapData();
    QCOMPARE(data.neuronCount(), 3);
    QVERIFY(data.rowCount() >= minimumRows);
    QVERIFY(data.rowCount() <= CoverageHeatmapView::kMaxRows);

    std::vector<int> rowsPerBin(std::size_t(coverage.binCount()), 0);
    for (int row = 0; row < data.rowCount(); ++row) {
        const double centre = data.rowCentre(row);
        const int bin = data.rowBin[std::size_t(row)];
        if (bin < 0)
            continue;
        QVERIFY(coverage.edges[std::size_t(bin)] <= centre && centre < coverage.edges[std::size_t(bin) + 1]);
        ++rowsPerBin[std::size_t(bin)];
    }
    // Any state is drawn in a row whose bin lies within one row height of it.
    for (int i = 0; i < 1000; ++i) {
        const double state = (i + 0.5) / 1000.0;
        const int bin = data.rowBin[std::size_t(data.rowOfState(state))];
        if (bin < 0)
            continue;
        QVERIFY(coverage.edges[std::size_t(bin)] <= state + data.rowHeight());
        QVERIFY(state - data.rowHeight() < coverage.edges[std::size_t(bin) + 1]);
    }
    // Every bin that lies inside [0, 1.01) appears, and with a height proportional to its width.
    for (int bin = 0; bin < coverage.binCount(); ++bin) {
        const double low = coverage.edges[std::size_t(bin)];
        const double high = coverage.edges[std::size_t(bin) + 1];
        if (high > data.stateMax)
            continue;
        const double expectedRows = (high - low) / data.rowHeight();
        QVERIFY2(rowsPerBin[std::size_t(bin)] >= 1, qPrintable(QStringLiteral("bin %1 has no row").arg(bin)));
        QVERIFY2(std::abs(rowsPerBin[std::size_t(bin)] - expectedRows) <= 1.0,
                 qPrintable(QStringLiteral("bin %1: %2 rows, width says %3").arg(bin).arg(rowsPerBin[std::size_t(bin)]).arg(expectedRows)));
    }
}

void TestCoverageHeatmapView::stateNearHalfShowsThatBinsPhi()
{
    CoverageHeatmapView view;
    const auto coverage = makeCoverage(BinScheme::Reference, 50, 4, 50.0, distinctCount);
    // M=50 reference: bin 23 is [0.494, 0.5) (SPEC §2), bin 24 is [0.5, 0.506).
    QCOMPARE(std::round(coverage.edges[23] * 1000.0) / 1000.0, 0.494);
    QCOMPARE(coverage.edges[24], 0.5);
    view.setLayer(QStringLiteral("avgpool"), coverage);
    const auto& data = view.heatmapData();
    // States more than a row (1.01/512 = 0.002) inside the bin; nearer an edge a row may show
    // the neighbour (see rowsShowTheBinOfTheirCentre: off by at most one row).
    for (double state : {0.4962, 0.497, 0.4978}) {
        const int row = data.rowOfState(state);
        QVERIFY(row >= 0);
        QCOMPARE(data.rowBin[std::size_t(row)], 23);
        for (int neuron = 0; neuron < 4; ++neuron)
            QCOMPARE(data.valueAt(neuron, row), double(coverage.phiAt(23, neuron)));
    }
    const int above = data.rowOfState(0.503);
    QCOMPARE(data.rowBin[std::size_t(above)], 24);
    QCOMPARE(data.valueAt(2, above), double(coverage.phiAt(24, 2)));
    // A wide bin near 0: [0, 0.1191) holds many rows, all showing bin 0.
    QCOMPARE(data.rowBin[std::size_t(data.rowOfState(0.05))], 0);
    QCOMPARE(data.rowBin[std::size_t(data.rowOfState(0.11))], 0);
}

void TestCoverageHeatmapView::countModeShowsRawCounts()
{
    CoverageHeatmapView view;
    const auto coverage = makeCoverage(BinScheme::Reference, 50, 3, 50.0, distinctCount);
    view.setLayer(QStringLiteral("layer2"), coverage);
    const int row = view.heatmapData().rowOfState(0.497);
    QCOMPARE(view.heatmapData().valueAt(1, row), double(coverage.phiAt(23, 1)));  // 231 / 50 -> 1
    QCOMPARE(view.heatmapData().colourMax, 1.0);

    view.setColourMode(CoverageHeatmapView::ColourMode::Count);
    QCOMPARE(view.colourMode(), CoverageHeatmapView::ColourMode::Count);
    QCOMPARE(view.heatmapData().valueAt(1, row), 231.0);
    const int lowRow = view.heatmapData().rowOfState(0.01);
    QCOMPARE(view.heatmapData().valueAt(2, lowRow), 2.0);  // bin 0, neuron 2
    QCOMPARE(view.heatmapData().colourMax, double(distinctCount(coverage.binCount() - 1, 2)));
    QVERIFY(view.colourScaleLabel().contains(QStringLiteral("count")));

    view.setColourMode(CoverageHeatmapView::ColourMode::Phi);
    QCOMPARE(view.heatmapData().valueAt(2, lowRow), double(float(2.0 / 50.0)));
    QVERIFY(view.colourScaleLabel().contains(QStringLiteral("Φ")));
}

void TestCoverageHeatmapView::neuronOrderIsApplied()
{
    CoverageHeatmapView view;
    const auto coverage = makeCoverage(BinScheme::Reference, 50, 3, 1000.0, distinctCount);
    view.setLayer(QStringLiteral("layer1"), coverage, {2, 0, 1}, QStringLiteral("coverage area"));
    const auto& data = view.heatmapData();
    QCOMPARE(data.neuronOrder, (std::vector<int>{2, 0, 1}));
    QCOMPARE(data.positionOfNeuron, (std::vector<int>{1, 2, 0}));
    const int row = data.rowOfState(0.3);
    const int bin = data.rowBin[std::size_t(row)];
    QCOMPARE(data.valueAt(0, row), double(coverage.phiAt(bin, 2)));
    QCOMPARE(data.valueAt(1, row), double(coverage.phiAt(bin, 0)));
    QCOMPARE(data.valueAt(2, row), double(coverage.phiAt(bin, 1)));
    QVERIFY(view.xAxisLabel().contains(QStringLiteral("sorted by coverage area")));
}

void TestCoverageHeatmapView::invalidOrderFallsBackToNaturalOrder()
{
#ifdef QT_NO_DEBUG
    CoverageHeatmapView view;
    const auto coverage = makeCoverage(BinScheme::Reference, 50, 3, 50.0, distinctCount);
    view.setLayer(QStringLiteral("layer1"), coverage, {0, 0, 1}, QStringLiteral("nothing"));
    QCOMPARE(view.heatmapData().neuronOrder, (std::vector<int>{0, 1, 2}));
    QCOMPARE(view.xAxisLabel(), QStringLiteral("neuron index"));
#else
    QSKIP("Q_ASSERT is active in this build");
#endif
}

void TestCoverageHeatmapView::statesOutsideEveryBinAreEmpty()
{
    CoverageHeatmapView view;
    // Linear edges end at 1.0, so the rows in [1.0, 1.01) are in no bin.
    view.setLayer(QStringLiteral("fc"), makeCoverage(BinScheme::Linear, 11, 2, 5.0, distinctCount));
    const auto& data = view.heatmapData();
    const int row = data.rowOfState(1.005);
    QVERIFY(row >= 0);
    QCOMPARE(data.rowBin[std::size_t(row)], -1);
    QVERIFY(std::isnan(data.valueAt(0, row)));
    QCOMPARE(data.rowOfState(1.2), -1);
    QCOMPARE(data.rowOfState(-0.1), -1);
    QCOMPARE(data.binOfState(std::nan("")), -1);
    QVERIFY(view.hoverText(0, 1.005).contains(QStringLiteral("no bin")));
}

void TestCoverageHeatmapView::hoverTextDescribesTheCell()
{
    CoverageHeatmapView view;
    const auto coverage = makeCoverage(BinScheme::Reference, 50, 3, 200.0, distinctCount);
    view.setLayer(QStringLiteral("layer3"), coverage, {2, 0, 1}, QStringLiteral("coverage area"));
    const QString text = view.hoverText(0, 0.497);  // column 0 = neuron 2, bin 23 = [0.494, 0.5)
    QVERIFY2(text.contains(QStringLiteral("neuron 2")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("[0.494, 0.5)")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("count: 232")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("= 1")), qPrintable(text));  // 232 / 200 capped at 1
    QVERIFY2(text.contains(QStringLiteral("O = 200")), qPrintable(text));
    const QString low = view.hoverText(1, 0.05);  // neuron 0, bin 0: count 0
    QVERIFY2(low.contains(QStringLiteral("count: 0")) && low.contains(QStringLiteral("= 0 ")), qPrintable(low));
    QVERIFY(view.hoverText(3, 0.5).isEmpty());
}

void TestCoverageHeatmapView::clickEmitsTheNeuron()
{
    CoverageHeatmapView view;
    view.resize(900, 500);
    view.setLayer(QStringLiteral("layer3"), makeCoverage(BinScheme::Reference, 50, 5, 50.0, distinctCount),
                  {4, 3, 2, 1, 0}, QStringLiteral("index, descending"));
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy clicked(&view, &CoverageHeatmapView::neuronClicked);
    QTest::mouseClick(view.plotWidget(), Qt::LeftButton, Qt::NoModifier, view.pixelFor(1, 0.3));
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.at(0).at(0).toInt(), 3);
    QTest::mouseClick(view.plotWidget(), Qt::LeftButton, Qt::NoModifier, view.pixelFor(4, 0.9));
    QCOMPARE(clicked.count(), 2);
    QCOMPARE(clicked.at(1).at(0).toInt(), 0);
    // Outside the cells (on the axis labels) nothing is emitted.
    QTest::mouseClick(view.plotWidget(), Qt::LeftButton, Qt::NoModifier, QPoint(2, 2));
    QCOMPARE(clicked.count(), 2);
}

void TestCoverageHeatmapView::dragDoesNotEmitAClick()
{
    CoverageHeatmapView view;
    view.resize(900, 500);
    view.setLayer(QStringLiteral("layer3"), makeCoverage(BinScheme::Reference, 50, 300, 50.0, distinctCount));
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy clicked(&view, &CoverageHeatmapView::neuronClicked);
    const QPoint start = view.pixelFor(60, 0.5);
    QTest::mousePress(view.plotWidget(), Qt::LeftButton, Qt::NoModifier, start);
    QTest::mouseMove(view.plotWidget(), start + QPoint(120, 0));
    QTest::mouseRelease(view.plotWidget(), Qt::LeftButton, Qt::NoModifier, start + QPoint(120, 0));
    QCOMPARE(clicked.count(), 0);
}

void TestCoverageHeatmapView::wideLayerStartsWithAtMost128Neurons()
{
    CoverageHeatmapView view;
    view.setLayer(QStringLiteral("layer4"), makeCoverage(BinScheme::Reference, 50, 512, 50.0, distinctCount));
    QCOMPARE(view.visibleFrom(), -0.5);
    QCOMPARE(view.visibleTo(), 127.5);
    QVERIFY2(view.noteText().contains(QStringLiteral("128 of 512")), qPrintable(view.noteText()));

    CoverageHeatmapView narrow;
    narrow.setLayer(QStringLiteral("fc"), makeCoverage(BinScheme::Reference, 50, 10, 50.0, distinctCount));
    QCOMPARE(narrow.visibleTo(), 9.5);
    QVERIFY2(narrow.noteText().contains(QStringLiteral("All 10 neurons")), qPrintable(narrow.noteText()));
}

// A narrow view (a 1024 px window) leaves the hover hint out of its note, so the heatmap keeps
// the lines; the hint comes back when the view is wide again.
void TestCoverageHeatmapView::narrowViewLeavesOutTheHoverHint()
{
    CoverageHeatmapView view;
    view.setLayer(QStringLiteral("layer4"), makeCoverage(BinScheme::Reference, 50, 64, 50.0, distinctCount));
    view.resize(900, 500);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QVERIFY2(view.noteText().contains(QStringLiteral("Hover a cell")), qPrintable(view.noteText()));
    view.resize(340, 400);
    QTRY_VERIFY2(!view.noteText().contains(QStringLiteral("Hover a cell")), qPrintable(view.noteText()));
    QVERIFY2(view.noteText().contains(QStringLiteral("All 64 neurons")), qPrintable(view.noteText()));
    view.resize(900, 500);
    QTRY_VERIFY2(view.noteText().contains(QStringLiteral("Hover a cell")), qPrintable(view.noteText()));
}

void TestCoverageHeatmapView::sameLayerKeepsTheZoom()
{
    CoverageHeatmapView view;
    const auto first = makeCoverage(BinScheme::Reference, 50, 512, 50.0, distinctCount);
    view.setLayer(QStringLiteral("layer4"), first);
    QCOMPARE(view.visibleTo(), 127.5);
    // A live update of the same layer (e.g. during a fit) does not reset the view.
    const auto second = makeCoverage(BinScheme::Reference, 50, 512, 50.0, [](int bin, int) { return std::uint32_t(bin); });
    view.setLayer(QStringLiteral("layer4"), second);
    QCOMPARE(view.visibleTo(), 127.5);
    QCOMPARE(view.heatmapData().valueAt(5, view.heatmapData().rowOfState(0.497)), double(float(23.0 / 50.0)));
}

void TestCoverageHeatmapView::markersFollowTheOrder()
{
    CoverageHeatmapView view;
    view.setLayer(QStringLiteral("layer1"), makeCoverage(BinScheme::Reference, 50, 3, 50.0, distinctCount), {2, 0, 1});
    view.setMarkers({QPointF(0, 0.25), QPointF(2, 0.75), QPointF(7, 0.5)});  // neuron 7 does not exist
    const QVector<QPointF> drawn = view.markerPositions();
    QCOMPARE(drawn.size(), 2);
    QCOMPARE(drawn.at(0), QPointF(0, 0.75));  // neuron 2 is column 0
    QCOMPARE(drawn.at(1), QPointF(1, 0.25));  // neuron 0 is column 1
}

void TestCoverageHeatmapView::colourComboEmitsModeChange()
{
    CoverageHeatmapView view;
    view.setLayer(QStringLiteral("layer1"), makeCoverage(BinScheme::Reference, 50, 3, 50.0, distinctCount));
    QSignalSpy changed(&view, &CoverageHeatmapView::colourModeChanged);
    auto* combo = view.findChild<QComboBox*>(QStringLiteral("colourModeCombo"));
    QVERIFY(combo);
    combo->setCurrentIndex(1);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(view.colourMode(), CoverageHeatmapView::ColourMode::Count);
    view.setColourMode(CoverageHeatmapView::ColourMode::Phi);  // a setter: no signal
    QCOMPARE(changed.count(), 1);
    QCOMPARE(combo->currentIndex(), 0);
}

void TestCoverageHeatmapView::labelsNameTheNacTerms()
{
    CoverageHeatmapView view;
    QVERIFY(view.yAxisLabel().contains(QStringLiteral("sigmoid(α·z·∂KL/∂z)")));
    QCOMPARE(view.xAxisLabel(), QStringLiteral("neuron index"));
    view.clear();
    QCOMPARE(view.heatmapData().neuronCount(), 0);
    QVERIFY(!view.noteText().isEmpty());
}

void TestCoverageHeatmapView::singleNeuronLayer()
{
    CoverageHeatmapView view;
    const auto coverage = makeCoverage(BinScheme::Reference, 50, 1, 50.0, distinctCount);
    view.setLayer(QStringLiteral("fc"), coverage);
    QCOMPARE(view.heatmapData().neuronCount(), 1);
    QCOMPARE(view.visibleFrom(), -0.5);
    QCOMPARE(view.visibleTo(), 0.5);
    const int row = view.heatmapData().rowOfState(0.3);
    QCOMPARE(view.heatmapData().valueAt(0, row), double(coverage.phiAt(view.heatmapData().rowBin[std::size_t(row)], 0)));
    QVERIFY(!view.grab().isNull());
}

void TestCoverageHeatmapView::emptyStatePromptsAFit()
{
    CoverageHeatmapView view;
    QCOMPARE(view.titleText(), QStringLiteral("Fit to see coverage"));
    QVERIFY2(view.noteText().contains(QStringLiteral("Fit (F5)")), qPrintable(view.noteText()));
    // With a layer, the parameters go on a second line of their own (one long line was clipped
    // over the axis rect: "α = 200" read "α = 20").
    auto coverage = makeCoverage(BinScheme::Reference, 50, 3, 200.0, distinctCount);
    coverage.params.alpha = 200.0;
    view.setLayer(QStringLiteral("layer2"), coverage);
    view.setColourMode(CoverageHeatmapView::ColourMode::Count);
    const QStringList lines = view.titleText().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 2);
    QVERIFY2(lines[1].endsWith(QStringLiteral("O = 200, α = 200")), qPrintable(lines[1]));
    view.clear();
    QCOMPARE(view.titleText(), QStringLiteral("Fit to see coverage"));
}

void TestCoverageHeatmapView::highlightOutlinesTheCell()
{
    CoverageHeatmapView view;
    view.resize(640, 480);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    // Linear bins 0.1 wide, neurons shown in reverse order: neuron 1 sits at display position 2.
    const auto coverage = makeCoverage(BinScheme::Linear, 11, 4, 50.0, distinctCount);
    view.setLayer(QStringLiteral("layer3"), coverage, {3, 2, 1, 0}, QStringLiteral("reversed"));
    QCOMPARE(view.highlightedNeuron(), -1);
    QVERIFY(view.highlightRect().isNull());

    view.highlightCell(1, 4);
    QCOMPARE(view.highlightedNeuron(), 1);
    QCOMPARE(view.highlightedBin(), 4);
    const QRectF rect = view.highlightRect();
    QCOMPARE(rect.left(), 1.5);
    QCOMPARE(rect.right(), 2.5);
    QCOMPARE(rect.top(), coverage.edges[4]);
    QCOMPARE(rect.bottom(), coverage.edges[5]);

    // Drawn: the outline's left edge, halfway up the bin, is magenta; the cell's centre keeps its colour.
    const double middle = 0.5 * (coverage.edges[4] + coverage.edges[5]);
    const QPoint centre = view.pixelFor(2, middle);
    const QPoint next = view.pixelFor(3, middle);
    const QPoint edge(centre.x() - (next.x() - centre.x()) / 2, centre.y());
    const QImage drawn = view.plotWidget()->grab().toImage();
    QVERIFY2(sameColour(drawn.pixel(edge), nac::widgets::PlotStyle::highlightColour()),
             qPrintable(QColor(drawn.pixel(edge)).name()));
    QVERIFY(!sameColour(drawn.pixel(centre), nac::widgets::PlotStyle::highlightColour()));

    // The same layer again (a parameter change) keeps it; clearing removes it from the picture.
    view.setLayer(QStringLiteral("layer3"), coverage, {3, 2, 1, 0}, QStringLiteral("reversed"));
    QCOMPARE(view.highlightedNeuron(), 1);
    view.clearHighlight();
    QVERIFY(view.highlightRect().isNull());
    view.pixelFor(2, middle);  // replots
    QVERIFY(!sameColour(view.plotWidget()->grab().toImage().pixel(edge), nac::widgets::PlotStyle::highlightColour()));

    // Out of range: nothing drawn; another layer drops the highlight.
    view.highlightCell(9, 4);
    QVERIFY(view.highlightRect().isNull());
    view.highlightCell(1, 10);  // the reference-only bin above 1.01 does not exist here either
    QVERIFY(view.highlightRect().isNull());
    view.highlightCell(0, 0);
    QVERIFY(!view.highlightRect().isNull());
    view.setLayer(QStringLiteral("layer4"), coverage);
    QCOMPARE(view.highlightedNeuron(), -1);
    QVERIFY(view.highlightRect().isNull());
}

QTEST_MAIN(TestCoverageHeatmapView)
#include "tst_coverage_heatmap_view.moc"
