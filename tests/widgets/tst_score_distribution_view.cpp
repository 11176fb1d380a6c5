// Tests of ScoreDistributionView: per-set fractions, kept/flagged fractions, threshold signal from the mouse only.
#include "widgets/score_distribution_view.h"
#include "widgets/plot_style.h"

#include "widget_test_data.h"

#include <QApplication>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QtTest>

#include <limits>
#include <numeric>

using nac::widgets::ScoreDistributionView;
using nac::widgets::test::sameColour;

namespace {
constexpr double kFractionTolerance = 1e-12;
}

class TestScoreDistributionView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void histogramsAreFractionsOfEachSet();
    void keptAndFlaggedFollowTheThreshold();
    void setThresholdDoesNotEmit();
    void markerShowsOneScore();
    void pressingMovesTheThresholdAndEmits();
    void draggingEmitsAsItMoves();
    void axisZoomsToTheData();
    void labelsStayInsideThePlot();
    void rightDragPansAndKeepsTheRange();
    void beforeAFitThereIsAPromptAndNoThreshold();
    void highlightsTheImageAndTheThreshold();
};

void TestScoreDistributionView::histogramsAreFractionsOfEachSet()
{
    ScoreDistributionView view;
    view.setBinCount(10);
    view.setIndScores({0.05, 0.55, 0.91, 0.95});
    view.setOodScores({0.02, 0.03, 1.5, -0.2}, QStringLiteral("MNIST"));
    const auto& d = view.distribution();
    QCOMPARE(d.edges.size(), std::size_t(11));
    QCOMPARE(d.indCount, std::size_t(4));
    QCOMPARE(d.indFractions[0], 0.25);
    QCOMPARE(d.indFractions[5], 0.25);
    QCOMPARE(d.indFractions[9], 0.5);
    QCOMPARE(d.oodFractions[0], 0.75);  // -0.2 goes to the first bin
    QCOMPARE(d.oodFractions[9], 0.25);  // 1.5 to the last
    QVERIFY(std::abs(std::accumulate(d.oodFractions.begin(), d.oodFractions.end(), 0.0) - 1.0) < kFractionTolerance);
}

void TestScoreDistributionView::keptAndFlaggedFollowTheThreshold()
{
    ScoreDistributionView view;
    view.setIndScores({0.1, 0.5, 0.9, 0.95});
    view.setOodScores({0.05, 0.2, 0.6});
    view.setThreshold(0.5);
    QCOMPARE(view.distribution().indKeptFraction, 0.75);  // 0.5 itself is kept
    QCOMPARE(view.distribution().oodFlaggedFraction, 2.0 / 3.0);
    QVERIFY2(view.thresholdLabel().contains(QStringLiteral("0.500")), qPrintable(view.thresholdLabel()));
    QVERIFY(view.thresholdLabel().contains(QStringLiteral("InD kept 75.0%")));
}

void TestScoreDistributionView::beforeAFitThereIsAPromptAndNoThreshold()
{
    ScoreDistributionView view;
    view.resize(700, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QVERIFY(!view.thresholdVisible());
    QVERIFY2(view.emptyPrompt().contains(QStringLiteral("Fit a profile")), qPrintable(view.emptyPrompt()));

    // Dropped images scored before a fit: still no threshold, the prompt says what is missing,
    // and pressing in the plot moves nothing.
    view.setOodScores({0.2, 0.3, 0.4});
    QVERIFY(!view.thresholdVisible());
    QVERIFY2(view.emptyPrompt().contains(QStringLiteral("No held-out InD scores")), qPrintable(view.emptyPrompt()));
    QSignalSpy changed(&view, &ScoreDistributionView::thresholdChanged);
    const QPoint pixel = view.pixelForScore(0.3, 0.05);
    QTest::mouseClick(view.plotWidget(), Qt::LeftButton, Qt::NoModifier, pixel);
    QCOMPARE(changed.count(), 0);
    QCOMPARE(view.threshold(), 0.5);

    // The fit's held-out scores bring the line and remove the prompt; clear() brings the prompt back.
    view.setIndScores({0.6, 0.7});
    QVERIFY(view.thresholdVisible());
    QVERIFY(view.emptyPrompt().isEmpty());
    QVERIFY(view.thresholdLabel().contains(QStringLiteral("InD kept 100.0%")));
    view.clear();
    QVERIFY(!view.thresholdVisible());
    QVERIFY(!view.emptyPrompt().isEmpty());
}

void TestScoreDistributionView::setThresholdDoesNotEmit()
{
    ScoreDistributionView view;
    QSignalSpy changed(&view, &ScoreDistributionView::thresholdChanged);
    view.setThreshold(0.25);
    QCOMPARE(view.threshold(), 0.25);
    QCOMPARE(changed.count(), 0);
}

void TestScoreDistributionView::markerShowsOneScore()
{
    ScoreDistributionView view;
    QVERIFY(!view.markerVisible());
    view.setIndScores({0.4, 0.6});
    view.setMarker(0.31, QStringLiteral("cat.png"));
    QVERIFY(view.markerVisible());
    QCOMPARE(view.markerScore(), 0.31);
    QCOMPARE(view.threshold(), 0.5);  // the threshold does not move
    view.setMarker(std::numeric_limits<double>::quiet_NaN());
    QVERIFY(!view.markerVisible());
    view.setMarker(0.7);
    view.clear();
    QVERIFY(!view.markerVisible());
}

void TestScoreDistributionView::pressingMovesTheThresholdAndEmits()
{
    ScoreDistributionView view;
    view.resize(700, 400);
    view.setIndScores({0.1, 0.5, 0.9});
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy changed(&view, &ScoreDistributionView::thresholdChanged);
    const QPoint pixel = view.pixelForScore(0.7, 0.05);
    const double onePixel = 1.0 / (view.pixelForScore(1.0, 0.0).x() - view.pixelForScore(0.0, 0.0).x());
    QTest::mouseClick(view.plotWidget(), Qt::LeftButton, Qt::NoModifier, pixel);
    QVERIFY(changed.count() >= 1);
    QVERIFY(std::abs(changed.last().at(0).toDouble() - 0.7) <= onePixel);
    QCOMPARE(view.threshold(), changed.last().at(0).toDouble());
}

void TestScoreDistributionView::draggingEmitsAsItMoves()
{
    ScoreDistributionView view;
    view.resize(700, 400);
    view.setIndScores({0.0, 1.0});  // a threshold exists once there are held-out InD scores
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy changed(&view, &ScoreDistributionView::thresholdChanged);
    const double onePixel = 1.0 / (view.pixelForScore(1.0, 0.0).x() - view.pixelForScore(0.0, 0.0).x());
    QTest::mousePress(view.plotWidget(), Qt::LeftButton, Qt::NoModifier, view.pixelForScore(0.2, 0.01));
    QTest::mouseMove(view.plotWidget(), view.pixelForScore(0.4, 0.01));
    QTest::mouseRelease(view.plotWidget(), Qt::LeftButton, Qt::NoModifier, view.pixelForScore(0.6, 0.01));
    QVERIFY(changed.count() >= 2);
    QVERIFY(std::abs(changed.first().at(0).toDouble() - 0.2) <= onePixel);
    QVERIFY(std::abs(changed.last().at(0).toDouble() - 0.6) <= onePixel);
}

void TestScoreDistributionView::axisZoomsToTheData()
{
    // The demo's scores sit in 0.40-0.56: the axis shows that span, not 0..1, and the bins cover it.
    ScoreDistributionView view;
    view.setBinCount(40);
    view.setIndScores({0.47, 0.50, 0.52, 0.56});
    view.setOodScores({0.40, 0.43, 0.45});
    view.setThreshold(0.48);
    QVERIFY2(view.shownLower() > 0.38 && view.shownLower() < 0.40, qPrintable(QString::number(view.shownLower())));
    QVERIFY2(view.shownUpper() > 0.56 && view.shownUpper() < 0.58, qPrintable(QString::number(view.shownUpper())));
    const auto& d = view.distribution();
    QVERIFY(d.edges.front() <= 0.40 && d.edges.back() >= 0.56);
    QVERIFY(d.edges.back() - d.edges.front() < 0.2);
    // Every score lands in a bin of its own value.
    int nonEmpty = 0;
    for (double f : d.indFractions)
        nonEmpty += f > 0 ? 1 : 0;
    QCOMPARE(nonEmpty, 4);
    // A selected image outside the data widens the axis to show it.
    view.setMarker(0.30, QStringLiteral("far.png"));
    QVERIFY(view.shownLower() <= 0.30);
}

void TestScoreDistributionView::labelsStayInsideThePlot()
{
    ScoreDistributionView view;
    view.resize(520, 300);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setIndScores({0.40, 0.45, 0.50, 0.55, 0.56});
    view.setOodScores({0.41, 0.42});
    // Threshold and marker at both ends of the data: their labels turn inwards.
    view.setThreshold(0.555);
    view.setMarker(0.402, QStringLiteral("a-long-file-name-of-the-selected-image.png"));
    QVERIFY(view.thresholdLabelInside());
    QVERIFY(view.markerLabelInside());
    view.setThreshold(0.401);
    view.setMarker(0.559, QStringLiteral("a-long-file-name-of-the-selected-image.png"));
    QVERIFY(view.thresholdLabelInside());
    QVERIFY(view.markerLabelInside());
}

void TestScoreDistributionView::rightDragPansAndKeepsTheRange()
{
    ScoreDistributionView view;
    view.resize(700, 400);
    view.setIndScores({0.40, 0.50, 0.60});
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy changed(&view, &ScoreDistributionView::thresholdChanged);
    const double lower = view.shownLower();
    const double upper = view.shownUpper();
    QTest::mousePress(view.plotWidget(), Qt::RightButton, Qt::NoModifier, view.pixelForScore(0.55, 0.01));
    QMouseEvent move(QEvent::MouseMove, QPointF(view.pixelForScore(0.45, 0.01)), view.plotWidget()->mapToGlobal(QPointF(view.pixelForScore(0.45, 0.01))),
                     Qt::NoButton, Qt::RightButton, Qt::NoModifier);
    QApplication::sendEvent(view.plotWidget(), &move);
    QTest::mouseRelease(view.plotWidget(), Qt::RightButton, Qt::NoModifier, view.pixelForScore(0.45, 0.01));
    QCOMPARE(changed.count(), 0);  // panning does not move the threshold
    QVERIFY(std::abs((view.shownLower() - lower) - 0.1) < 0.01);
    QVERIFY(std::abs((view.shownUpper() - upper) - 0.1) < 0.01);
    // New scores keep the user's range.
    view.setIndScores({0.40, 0.50, 0.60, 0.61});
    QVERIFY(std::abs((view.shownLower() - lower) - 0.1) < 0.01);
}

void TestScoreDistributionView::highlightsTheImageAndTheThreshold()
{
    ScoreDistributionView view;
    view.resize(640, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setIndScores({0.55, 0.6, 0.65, 0.7});
    view.setOodScores({0.2, 0.3});
    view.setThreshold(0.5);
    QVERIFY(std::isnan(view.highlightedScore()));
    QVERIFY(!view.thresholdHighlighted());
    const QColor magenta = nac::widgets::PlotStyle::highlightColour();

    view.highlightScore(0.25, QStringLiteral("texture.png"));
    QCOMPARE(view.highlightedScore(), 0.25);
    QVERIFY2(view.highlightLabel().contains(QStringLiteral("texture.png: 0.25")), qPrintable(view.highlightLabel()));
    QPoint line = view.pixelForScore(0.25, 0.05);
    QImage drawn = view.plotWidget()->grab().toImage();
    QVERIFY2(sameColour(drawn.pixel(line), magenta), qPrintable(QColor(drawn.pixel(line)).name()));
    QVERIFY(!view.thresholdHighlighted());

    // The verdict step: the threshold glows too; the glow shows beside the 2-pixel dashed line.
    view.highlightThreshold(true);
    QVERIFY(view.thresholdHighlighted());
    const QPoint beside = view.pixelForScore(0.5, 0.05) + QPoint(3, 0);
    drawn = view.plotWidget()->grab().toImage();
    const QColor glow(drawn.pixel(beside));
    QVERIFY2(glow.red() > glow.green() + 40 && glow.blue() > glow.green() + 40, qPrintable(glow.name()));  // magenta-ish

    // A score outside the shown range widens it; clearing removes both.
    view.highlightScore(0.95);
    QVERIFY(view.shownUpper() >= 0.95);
    view.clearHighlights();
    QVERIFY(std::isnan(view.highlightedScore()));
    QVERIFY(!view.thresholdHighlighted());
    QVERIFY(view.highlightLabel().isEmpty());
    line = view.pixelForScore(0.25, 0.05);
    drawn = view.plotWidget()->grab().toImage();
    QVERIFY(!sameColour(drawn.pixel(line), magenta));
    view.highlightScore(0.3);
    view.highlightThreshold(true);
    view.clear();
    QVERIFY(std::isnan(view.highlightedScore()));
    QVERIFY(!view.thresholdHighlighted());  // no InD scores, no threshold line to glow
}

QTEST_MAIN(TestScoreDistributionView)
#include "tst_score_distribution_view.moc"
