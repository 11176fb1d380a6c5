// Tests of NeuronHistogramView: bars at true bin widths equal the counts, the O line, dropped-image lines.
#include "widgets/neuron_histogram_view.h"
#include "widgets/plot_style.h"

#include "widget_test_data.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <limits>

using nac::engine::BinScheme;
using nac::widgets::NeuronHistogramView;
using nac::widgets::test::sameColour;

class TestNeuronHistogramView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void barsEqualCountsAtTrueWidths();
    void minActivatedLine_data();
    void minActivatedLine();
    void droppedStatesBecomeLines();
    void selectedImageStandsOutAndCountIsRight();
    void hoverTextNamesBinCountAndPhi();
    void clearEmptiesTheView();
    void highlightsMarkStateAndBin();
    void shortPlotsGetBriefLabelsAndAStackedLegend();
};

void TestNeuronHistogramView::barsEqualCountsAtTrueWidths()
{
    NeuronHistogramView view;
    const std::vector<double> edges = nac::engine::makeBinEdges(BinScheme::Reference, 50);
    std::vector<std::uint32_t> counts(edges.size() - 1);
    for (std::size_t k = 0; k < counts.size(); ++k)
        counts[k] = std::uint32_t(k * 3);
    view.setNeuron(QStringLiteral("layer3"), 17, edges, counts, 50.0);
    QCOMPARE(view.layer(), QStringLiteral("layer3"));
    QCOMPARE(view.neuron(), 17);
    const auto& bars = view.bars();
    QCOMPARE(bars.size(), counts.size());
    for (std::size_t k = 0; k < bars.size(); ++k) {
        QCOMPARE(bars[k].left, edges[k]);
        QCOMPARE(bars[k].right, edges[k + 1]);
        QCOMPARE(bars[k].count, counts[k]);
        QCOMPARE(bars[k].phi, std::min(double(counts[k]) / 50.0, 1.0));
    }
    // True widths: the bin below 0.5 is about 20 times narrower than the first bin.
    QVERIFY((bars[0].right - bars[0].left) > 15.0 * (bars[23].right - bars[23].left));
}

void TestNeuronHistogramView::minActivatedLine_data()
{
    QTest::addColumn<double>("minActivated");
    QTest::addColumn<QString>("label");
    QTest::newRow("O=50") << 50.0 << QStringLiteral("O (r) = 50");
    QTest::newRow("O=5") << 5.0 << QStringLiteral("O (r) = 5");
    QTest::newRow("O=0.5") << 0.5 << QStringLiteral("O (r) = 0.5");
    QTest::newRow("O=5000") << 5000.0 << QStringLiteral("O (r) = 5000");
}

void TestNeuronHistogramView::minActivatedLine()
{
    QFETCH(double, minActivated);
    QFETCH(QString, label);
    NeuronHistogramView view;
    view.setNeuron(QStringLiteral("avgpool"), 0, {0.0, 0.5, 1.0}, {10, 30}, minActivated);
    QCOMPARE(view.minActivated(), minActivated);
    QCOMPARE(view.minActivatedLineValue(), minActivated);
    QCOMPARE(view.minActivatedLabel(), label);
}

void TestNeuronHistogramView::droppedStatesBecomeLines()
{
    NeuronHistogramView view;
    view.setNeuron(QStringLiteral("avgpool"), 3, {0.0, 0.25, 0.5, 0.75, 1.01}, {1, 2, 3, 4}, 2.0,
                   {0.1f, 0.9f, std::numeric_limits<float>::quiet_NaN()});
    QCOMPARE(view.droppedStates().size(), std::size_t(3));
    const std::vector<double> lines = view.droppedStateLinePositions();
    QCOMPARE(lines.size(), std::size_t(2));  // NaN is not drawn
    QCOMPARE(lines[0], double(0.1f));
    QCOMPARE(lines[1], double(0.9f));
    view.setDroppedStates({0.6f});
    QCOMPARE(view.droppedStateLinePositions(), std::vector<double>{double(0.6f)});
    QCOMPARE(view.bars().size(), std::size_t(4));
}

void TestNeuronHistogramView::selectedImageStandsOutAndCountIsRight()
{
    // 500 dropped images: the label counts all of them, at most 200 faded ticks are drawn, and the
    // selected image gets its own line.
    NeuronHistogramView view;
    std::vector<float> states;
    for (int i = 0; i < 500; ++i)
        states.push_back(float(i) / 500.0f);
    states.push_back(std::numeric_limits<float>::quiet_NaN());
    view.setNeuron(QStringLiteral("layer4"), 7, {0.0, 0.25, 0.5, 0.75, 1.01}, {10, 20, 30, 40}, 5.0, states);
    QCOMPARE(view.droppedStateLinePositions().size(), std::size_t(200));
    QVERIFY2(view.droppedLabel().contains(QStringLiteral("500 dropped images")), qPrintable(view.droppedLabel()));
    QVERIFY(std::isnan(view.selectedStateLinePosition()));
    view.setSelectedDropped(250, QStringLiteral("shoe.png"));
    QCOMPARE(view.selectedStateLinePosition(), double(states[250]));
    QVERIFY2(view.droppedLabel().contains(QStringLiteral("shoe.png")), qPrintable(view.droppedLabel()));
    QVERIFY2(view.droppedLabel().contains(QStringLiteral("499 other")), qPrintable(view.droppedLabel()));
    const std::vector<double> ticks = view.droppedStateLinePositions();
    QVERIFY(std::find(ticks.begin(), ticks.end(), double(states[250])) == ticks.end());
    // An unscored selection (NaN state) draws no line.
    view.setSelectedDropped(500);
    QVERIFY(std::isnan(view.selectedStateLinePosition()));
}

void TestNeuronHistogramView::hoverTextNamesBinCountAndPhi()
{
    NeuronHistogramView view;
    view.setNeuron(QStringLiteral("avgpool"), 3, {0.0, 0.25, 0.5, 0.75, 1.01}, {1, 2, 3, 40}, 8.0);
    const QString text = view.hoverText(0.6);
    QVERIFY2(text.contains(QStringLiteral("[0.5, 0.75)")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("count: 3")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("= 0.375")), qPrintable(text));
    QVERIFY(view.hoverText(0.8).contains(QStringLiteral("= 1 ")));
    QVERIFY(view.hoverText(1.1).isEmpty());
}

void TestNeuronHistogramView::clearEmptiesTheView()
{
    NeuronHistogramView view;
    view.setNeuron(QStringLiteral("avgpool"), 3, {0.0, 0.5, 1.0}, {1, 2}, 8.0, {0.2f});
    view.clear();
    QVERIFY(view.bars().empty());
    QVERIFY(view.droppedStateLinePositions().empty());
    QCOMPARE(view.neuron(), -1);
}

void TestNeuronHistogramView::highlightsMarkStateAndBin()
{
    NeuronHistogramView view;
    view.resize(640, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setNeuron(QStringLiteral("layer2"), 5, {0.0, 0.25, 0.5, 0.75, 1.01}, {10, 20, 30, 40}, 25.0, {0.3f, 0.6f});
    QVERIFY(std::isnan(view.highlightedState()));
    QCOMPARE(view.highlightedBin(), -1);
    const QColor magenta = nac::widgets::PlotStyle::highlightColour();

    view.highlightState(double(0.6f), QStringLiteral("boot.png"));  // the float state the engine gives
    QCOMPARE(view.highlightedState(), double(0.6f));
    QVERIFY2(view.highlightLabel().contains(QStringLiteral("boot.png: ẑ = 0.6")), qPrintable(view.highlightLabel()));
    // The line is drawn at x = 0.6, a third of the way up (inside the bar of bin 2, count 30).
    QPoint at = view.pixelFor(0.6, 10.0);
    QImage drawn = view.plotWidget()->grab().toImage();
    QVERIFY2(sameColour(drawn.pixel(at), magenta), qPrintable(QColor(drawn.pixel(at)).name()));
    // The selected image's line at the same state has its own label: no second one.
    view.setSelectedDropped(1, QStringLiteral("boot.png"));
    QVERIFY(view.highlightLabel().isEmpty());
    view.setSelectedDropped(0, QStringLiteral("shirt.png"));
    QVERIFY(!view.highlightLabel().isEmpty());

    // Bin 2's bar [0.5, 0.75) gets an outline: its left edge halfway up is magenta, its middle is not.
    view.highlightState(std::numeric_limits<double>::quiet_NaN());
    view.highlightBin(2);
    QCOMPARE(view.highlightedBin(), 2);
    QVERIFY(view.highlightLabel().isEmpty());
    const QPoint edge = view.pixelFor(0.5, 15.0);
    const QPoint inside = view.pixelFor(0.625, 15.0);
    drawn = view.plotWidget()->grab().toImage();
    QVERIFY2(sameColour(drawn.pixel(edge), magenta), qPrintable(QColor(drawn.pixel(edge)).name()));
    QVERIFY(!sameColour(drawn.pixel(inside), magenta));
    QVERIFY(!sameColour(drawn.pixel(view.pixelFor(0.25, 5.0)), magenta));  // bin 1's edge: not outlined

    // The same neuron again (new parameters) keeps the highlights; another neuron drops them.
    view.highlightState(0.6);
    view.setNeuron(QStringLiteral("layer2"), 5, {0.0, 0.25, 0.5, 0.75, 1.01}, {11, 21, 31, 41}, 25.0);
    QCOMPARE(view.highlightedBin(), 2);
    QCOMPARE(view.highlightedState(), 0.6);
    view.setNeuron(QStringLiteral("layer2"), 6, {0.0, 0.25, 0.5, 0.75, 1.01}, {11, 21, 31, 41}, 25.0);
    QCOMPARE(view.highlightedBin(), -1);
    QVERIFY(std::isnan(view.highlightedState()));
    view.highlightBin(3);
    view.clearHighlights();
    QCOMPARE(view.highlightedBin(), -1);
    drawn = view.plotWidget()->grab().toImage();
    at = view.pixelFor(0.75, 20.0);
    drawn = view.plotWidget()->grab().toImage();
    QVERIFY(!sameColour(drawn.pixel(at), magenta));
}

// At 1024x700 the histogram is about 340x150 px: its long axis labels would run past the plot
// and the legend's columns would clip their texts. They give way to brief labels and a stacked
// legend, and come back when the plot is large again.
void TestNeuronHistogramView::shortPlotsGetBriefLabelsAndAStackedLegend()
{
    NeuronHistogramView view;
    const std::vector<double> edges = nac::engine::makeBinEdges(BinScheme::Reference, 50);
    view.setNeuron(QStringLiteral("layer3"), 2, edges, std::vector<std::uint32_t>(edges.size() - 1, 7u), 10.0);
    auto settle = [&](const QSize& size) {
        view.resize(size);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QTest::qWait(100);  // a label swap asks for one more (queued) layout
    };
    const QString xFull = QStringLiteral("state ẑ = sigmoid(α·z·∂KL/∂z)");
    const QString yFull = QStringLiteral("fit samples in bin (count)");
    settle(QSize(330, 170));
    QCOMPARE(view.shownAxisLabels(), QStringList({xFull, QStringLiteral("count")}));
    QCOMPARE(view.legendRows(), 2);
    settle(QSize(1000, 600));
    QCOMPARE(view.shownAxisLabels(), QStringList({xFull, yFull}));
    QCOMPARE(view.legendRows(), 1);
}

QTEST_MAIN(TestNeuronHistogramView)
#include "tst_neuron_histogram_view.moc"
