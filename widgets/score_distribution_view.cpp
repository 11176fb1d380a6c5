// Score histograms (fractions per set) as filled step graphs, and the threshold line the user drags.
#include "widgets/score_distribution_view.h"

#include "widgets/nac_terms.h"
#include "widgets/plot_style.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace nac::widgets {
namespace {

QColor withAlpha(QColor colour, int alpha)
{
    colour.setAlpha(alpha);
    return colour;
}

constexpr double kMarginFraction = 0.05;  // of the shown span, on each side of the data
constexpr double kMinSpan = 0.01;         // a set of equal scores still gets a readable axis

std::vector<double> binFractions(const std::vector<double>& scores, int binCount, double low, double high)
{
    std::vector<double> fractions(std::size_t(binCount), 0.0);
    std::size_t counted = 0;
    for (double score : scores) {
        if (!std::isfinite(score))
            continue;
        const int bin = std::clamp(int(std::floor((score - low) / (high - low) * binCount)), 0, binCount - 1);
        fractions[std::size_t(bin)] += 1.0;
        ++counted;
    }
    if (counted > 0) {
        for (double& fraction : fractions)
            fraction /= double(counted);
    }
    return fractions;
}

}  // namespace

ScoreDistributionView::ScoreDistributionView(QWidget* parent)
    : PlotView(parent)
{
    QCustomPlot* p = plot();
    m_indGraph = p->addGraph();
    m_indGraph->setLineStyle(QCPGraph::lsStepLeft);
    m_indGraph->setPen(QPen(PlotStyle::indColour(), 1.5));
    m_indGraph->setBrush(withAlpha(PlotStyle::indColour(), 90));
    m_oodGraph = p->addGraph();
    m_oodGraph->setLineStyle(QCPGraph::lsStepLeft);
    m_oodGraph->setPen(QPen(PlotStyle::oodColour(), 1.5));
    m_oodGraph->setBrush(withAlpha(PlotStyle::oodColour(), 90));

    m_thresholdLine = new QCPItemStraightLine(p);
    m_thresholdText = new QCPItemText(p);
    m_thresholdText->position->setTypeX(QCPItemPosition::ptPlotCoords);
    m_thresholdText->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_thresholdText->setPadding(QMargins(4, 2, 4, 2));
    m_markerLine = new QCPItemStraightLine(p);
    m_markerText = new QCPItemText(p);
    m_markerText->position->setTypeX(QCPItemPosition::ptPlotCoords);
    m_markerText->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_markerText->setPadding(QMargins(3, 1, 3, 1));
    m_markerLine->setVisible(false);
    m_markerText->setVisible(false);
    m_emptyText = new QCPItemText(p);
    m_emptyText->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_emptyText->position->setCoords(0.5, 0.45);
    m_emptyText->setPositionAlignment(Qt::AlignCenter);
    m_emptyText->setTextAlignment(Qt::AlignCenter);
    m_emptyText->setPadding(QMargins(8, 6, 8, 6));
    m_emptyText->setClipToAxisRect(false);

    // Teaching mode: the glow goes under the threshold line, the image's line over everything.
    m_thresholdGlow = new QCPItemStraightLine(p);
    m_thresholdGlow->setPen(QPen(withAlpha(PlotStyle::highlightColour(), 130), 10));
    p->addLayer(QStringLiteral("highlight"), p->layer(QStringLiteral("main")), QCustomPlot::limAbove);
    p->addLayer(QStringLiteral("glow"), p->layer(QStringLiteral("main")), QCustomPlot::limBelow);
    m_thresholdGlow->setLayer(QStringLiteral("glow"));
    m_highlightHalo = new QCPItemStraightLine(p);
    m_highlightHalo->setPen(PlotStyle::highlightHaloPen());
    m_highlightLine = new QCPItemStraightLine(p);
    m_highlightLine->setPen(PlotStyle::highlightPen());
    m_highlightText = new QCPItemText(p);
    PlotStyle::styleHighlightLabel(m_highlightText, font());
    for (QCPAbstractItem* item : std::initializer_list<QCPAbstractItem*>{m_highlightHalo, m_highlightLine, m_highlightText})
        item->setLayer(QStringLiteral("highlight"));
    for (QCPAbstractItem* item : std::initializer_list<QCPAbstractItem*>{m_thresholdGlow, m_highlightHalo, m_highlightLine, m_highlightText})
        item->setVisible(false);

    // The legend sits in its own row under the plot: it can never cover the threshold's or the
    // selected image's label.
    p->legend->setVisible(true);
    p->axisRect()->insetLayout()->take(p->legend);
    p->plotLayout()->addElement(1, 0, p->legend);
    p->plotLayout()->setRowStretchFactor(1, 0.001);
    p->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    p->legend->setMargins(QMargins(4, 2, 4, 2));
    // Wheel zooms the score axis, right-drag pans it, double-click fits the data again; the
    // left button stays the threshold's.
    p->setInteractions(QCP::iRangeZoom);
    p->axisRect()->setRangeZoom(Qt::Horizontal);
    p->axisRect()->setRangeZoomAxes(p->xAxis, nullptr);
    setAxisLabel(p->xAxis, tr("NAC-UE score (higher = more in-distribution)"), tr("NAC-UE score"));
    setAxisLabel(p->yAxis, tr("fraction of the set"), tr("fraction"));
    p->xAxis->setRange(0.0, 1.0);
    p->setToolTip(NacTerms::score()
                  + tr("\nPress or drag in the plot to move the threshold. Wheel: zoom; right-drag: pan; double-click: "
                       "fit the data."));
    connect(p, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) {
        m_userRange = false;
        fitRangeToData();
        plot()->replot(QCustomPlot::rpQueuedReplot);
    });
    connect(p->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this] {
        if (!m_fittingRange)
            m_userRange = true;  // zoomed or panned: new data keeps the user's range
        placeLabels();
        if (m_highlightText)
            updateHighlights();
    });
    connect(p, &QCustomPlot::mousePress, this, &ScoreDistributionView::onMousePress);
    connect(p, &QCustomPlot::mouseMove, this, &ScoreDistributionView::onMouseMove);
    connect(p, &QCustomPlot::mouseRelease, this, &ScoreDistributionView::onMouseRelease);

    applyPalette();
    clear();
}

ScoreDistributionView::~ScoreDistributionView() = default;

void ScoreDistributionView::setIndScores(std::vector<double> scores, const QString& label)
{
    m_ind = std::move(scores);
    m_indLabel = label.isEmpty() ? tr("InD (held-out)") : label;
    rebuild();
}

void ScoreDistributionView::setOodScores(std::vector<double> scores, const QString& label)
{
    m_ood = std::move(scores);
    m_oodLabel = label.isEmpty() ? tr("OOD / dropped") : label;
    rebuild();
}

void ScoreDistributionView::setBinCount(int binCount)
{
    Q_ASSERT(binCount >= 1);
    m_binCount = std::max(binCount, 1);
    rebuild();
}

void ScoreDistributionView::setThreshold(double threshold)
{
    m_threshold = threshold;
    updateThresholdItems();
    updateHighlights();
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

void ScoreDistributionView::clear()
{
    m_userRange = false;
    m_ind.clear();
    m_ood.clear();
    m_indLabel = tr("InD (held-out)");
    m_oodLabel = tr("OOD / dropped");
    setMarker(std::numeric_limits<double>::quiet_NaN());
    m_highlightScore = std::numeric_limits<double>::quiet_NaN();
    m_highlightLabel.clear();
    m_highlightThreshold = false;
    rebuild();
}

void ScoreDistributionView::highlightScore(double score, const QString& label)
{
    m_highlightScore = score;
    m_highlightLabel = label;
    if (std::isfinite(score)) {
        const QCPRange range = plot()->xAxis->range();
        if (score < range.lower || score > range.upper) {
            m_userRange = false;  // the image's score must be in view
            fitRangeToData();
        }
    }
    updateHighlights();
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

void ScoreDistributionView::highlightThreshold(bool on)
{
    m_highlightThreshold = on;
    updateHighlights();
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

void ScoreDistributionView::clearHighlights()
{
    m_highlightScore = std::numeric_limits<double>::quiet_NaN();
    m_highlightLabel.clear();
    m_highlightThreshold = false;
    updateHighlights();
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

bool ScoreDistributionView::thresholdHighlighted() const
{
    return m_thresholdGlow->visible();
}

QString ScoreDistributionView::highlightLabel() const
{
    return m_highlightText->visible() ? m_highlightText->text() : QString();
}

void ScoreDistributionView::updateHighlights()
{
    const bool glow = m_highlightThreshold && m_thresholdLine->visible();
    m_thresholdGlow->setVisible(glow);
    m_thresholdGlow->point1->setCoords(m_threshold, 0.0);
    m_thresholdGlow->point2->setCoords(m_threshold, 1.0);
    const bool show = std::isfinite(m_highlightScore);
    const double x = show ? std::clamp(m_highlightScore, 0.0, 1.0) : 0.0;
    for (QCPItemStraightLine* line : {m_highlightHalo, m_highlightLine}) {
        line->setVisible(show);
        line->point1->setCoords(x, 0.0);
        line->point2->setCoords(x, 1.0);
    }
    m_highlightText->setVisible(show);
    if (!show)
        return;
    const QString value = QString::number(m_highlightScore, 'g', 6);
    m_highlightText->setText(m_highlightLabel.isEmpty() ? value : tr("%1: %2").arg(m_highlightLabel, value));
    // Halfway up: the threshold's label is at the top, the selected image's at the bottom.
    m_highlightText->position->setCoords(x, 0.5);
    const int width = QFontMetrics(m_highlightText->font()).horizontalAdvance(m_highlightText->text()) + 12;
    const QRect rect = plot()->axisRect()->rect();
    const double pixel = plot()->xAxis->coordToPixel(x);
    const bool right = pixel + width <= rect.right() || pixel - width < rect.left();
    m_highlightText->setPositionAlignment((right ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignVCenter);
}

QString ScoreDistributionView::thresholdLabel() const
{
    return m_thresholdText->text();
}

QPoint ScoreDistributionView::pixelForScore(double score, double fraction)
{
    plot()->replot(QCustomPlot::rpImmediateRefresh);
    return QPoint(int(std::lround(plot()->xAxis->coordToPixel(score))),
                  int(std::lround(plot()->yAxis->coordToPixel(fraction))));
}

double ScoreDistributionView::shownLower() const
{
    return plot()->xAxis->range().lower;
}

double ScoreDistributionView::shownUpper() const
{
    return plot()->xAxis->range().upper;
}

static bool textInside(QCustomPlot* p, QCPItemText* text)
{
    p->replot(QCustomPlot::rpImmediateRefresh);
    const QRect rect = p->axisRect()->rect();
    const QPointF topLeft = text->topLeft->pixelPosition();
    const QPointF bottomRight = text->bottomRight->pixelPosition();
    return text->visible() && topLeft.x() >= rect.left() - 1 && bottomRight.x() <= rect.right() + 1 && topLeft.y() >= rect.top() - 1
        && bottomRight.y() <= rect.bottom() + 1;
}

bool ScoreDistributionView::thresholdLabelInside()
{
    return textInside(plot(), m_thresholdText);
}

bool ScoreDistributionView::markerLabelInside()
{
    return textInside(plot(), m_markerText);
}

bool ScoreDistributionView::thresholdVisible() const
{
    return m_thresholdLine->visible();
}

QString ScoreDistributionView::emptyPrompt() const
{
    return m_emptyText->visible() ? m_emptyText->text() : QString();
}

void ScoreDistributionView::applyPalette()
{
    PlotView::applyPalette();
    const QColor line = PlotStyle::thresholdColour(palette());
    m_thresholdLine->setPen(QPen(line, 2, Qt::DashLine));
    m_thresholdText->setColor(line);
    QColor labelBackground = palette().color(QPalette::Base);
    labelBackground.setAlpha(210);
    m_thresholdText->setBrush(labelBackground);
    const QColor marker = PlotStyle::oodColour();
    m_markerLine->setPen(QPen(marker.darker(130), 2, Qt::SolidLine));
    m_markerText->setColor(marker.darker(150));
    m_markerText->setBrush(labelBackground);
    m_emptyText->setColor(palette().color(QPalette::Text));
    m_emptyText->setBrush(labelBackground);
    m_emptyText->setPen(QPen(palette().color(QPalette::Mid)));
}

void ScoreDistributionView::setMarker(double score, const QString& label)
{
    m_markerScore = score;
    m_markerLabel = label;
    const bool visible = std::isfinite(score);
    m_markerLine->setVisible(visible);
    m_markerText->setVisible(visible);
    if (visible) {
        const double x = std::clamp(score, 0.0, 1.0);
        m_markerLine->point1->setCoords(x, 0.0);
        m_markerLine->point2->setCoords(x, 1.0);
        m_markerText->setText(label.isEmpty() ? QString::number(score, 'f', 4)
                                              : tr("%1: %2").arg(label).arg(score, 0, 'f', 4));
        // At the bottom of the plot, below the threshold's text at the top: the two never overlap.
        m_markerText->position->setCoords(x, 0.97);
        // A mark outside the shown range widens it (the user should see the image's score).
        const QCPRange range = plot()->xAxis->range();
        if (x < range.lower || x > range.upper)
            fitRangeToData();
    }
    placeLabels();
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

bool ScoreDistributionView::markerVisible() const
{
    return m_markerLine->visible();
}

void ScoreDistributionView::dataRange(double* low, double* high) const
{
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    for (const std::vector<double>* scores : {&m_ind, &m_ood})
        for (double score : *scores)
            if (std::isfinite(score)) {
                lo = std::min(lo, score);
                hi = std::max(hi, score);
            }
    if (!(lo <= hi)) {
        *low = 0.0;
        *high = 1.0;
        return;
    }
    // Scores lie in [0, 1]; the bins cover the data with a margin, never beyond [0, 1].
    lo = std::clamp(lo, 0.0, 1.0);
    hi = std::clamp(hi, 0.0, 1.0);
    if (hi - lo < kMinSpan) {
        const double mid = 0.5 * (lo + hi);
        lo = mid - 0.5 * kMinSpan;
        hi = mid + 0.5 * kMinSpan;
    }
    const double margin = kMarginFraction * (hi - lo);
    *low = std::max(0.0, lo - margin);
    *high = std::min(1.0, hi + margin);
}

void ScoreDistributionView::fitRangeToData()
{
    double low = 0.0;
    double high = 1.0;
    dataRange(&low, &high);
    // The threshold (once there is one), the selected and the highlighted image stay in view.
    for (double x : {m_ind.empty() ? std::numeric_limits<double>::quiet_NaN() : m_threshold, m_markerScore, m_highlightScore})
        if (std::isfinite(x)) {
            low = std::min(low, std::clamp(x, 0.0, 1.0));
            high = std::max(high, std::clamp(x, 0.0, 1.0));
        }
    m_fittingRange = true;
    plot()->xAxis->setRange(low, high);
    m_fittingRange = false;
}

void ScoreDistributionView::rebuild()
{
    Distribution& d = m_distribution;
    double low = 0.0;
    double high = 1.0;
    dataRange(&low, &high);
    d.edges.resize(std::size_t(m_binCount) + 1);
    for (int i = 0; i <= m_binCount; ++i)
        d.edges[std::size_t(i)] = low + (high - low) * double(i) / double(m_binCount);
    d.indFractions = binFractions(m_ind, m_binCount, low, high);
    d.oodFractions = binFractions(m_ood, m_binCount, low, high);
    d.indCount = m_ind.size();
    d.oodCount = m_ood.size();

    QVector<double> keys(d.edges.begin(), d.edges.end());
    QVector<double> indValues(d.indFractions.begin(), d.indFractions.end());
    QVector<double> oodValues(d.oodFractions.begin(), d.oodFractions.end());
    indValues.append(0.0);  // closes the last step
    oodValues.append(0.0);
    m_indGraph->setData(keys, indValues, true);
    m_oodGraph->setData(keys, oodValues, true);
    m_indGraph->setName(tr("%1 (%2 images)").arg(m_indLabel).arg(d.indCount));
    m_oodGraph->setName(tr("%1 (%2 images)").arg(m_oodLabel).arg(d.oodCount));
    m_indGraph->setVisible(d.indCount > 0);
    m_oodGraph->setVisible(d.oodCount > 0);
    const double top = std::max({0.05, *std::max_element(indValues.begin(), indValues.end()),
                                 *std::max_element(oodValues.begin(), oodValues.end())});
    plot()->yAxis->setRange(0.0, top * 1.15);
    if (!m_userRange)
        fitRangeToData();
    updateThresholdItems();
    updateHighlights();
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

void ScoreDistributionView::placeLabels()
{
    // Each label goes on the side of its line with room for it inside the plot; the selected
    // image's label prefers the side away from the threshold.
    const QRect rect = plot()->axisRect()->rect();
    auto fits = [&](QCPItemText* text, double x, bool toTheRight) {
        const QFontMetrics metrics(text->font());
        int width = 0;
        for (const QString& line : text->text().split(QLatin1Char('\n')))
            width = std::max(width, metrics.horizontalAdvance(line));
        width += 12;
        const double pixel = plot()->xAxis->coordToPixel(x);
        return toTheRight ? pixel + width <= rect.right() : pixel - width >= rect.left();
    };
    auto place = [&](QCPItemText* text, double x, bool preferRight, Qt::Alignment vertical) {
        bool right = preferRight;
        if (!fits(text, x, right) && fits(text, x, !right))
            right = !right;
        text->setPositionAlignment((right ? Qt::AlignLeft : Qt::AlignRight) | vertical);
    };
    if (std::isfinite(m_threshold) && m_thresholdText->visible()) {
        const QCPRange range = plot()->xAxis->range();
        place(m_thresholdText, m_threshold, m_threshold < range.center(), Qt::AlignTop);
    }
    if (std::isfinite(m_markerScore) && m_markerText->visible()) {
        const double x = std::clamp(m_markerScore, 0.0, 1.0);
        const bool preferRight = std::isfinite(m_threshold) ? x >= m_threshold : x < plot()->xAxis->range().center();
        place(m_markerText, x, preferRight, Qt::AlignBottom);
    }
}

void ScoreDistributionView::updateThresholdItems()
{
    Distribution& d = m_distribution;
    d.threshold = m_threshold;
    std::size_t kept = 0;
    for (double score : m_ind)
        kept += score >= m_threshold ? 1 : 0;
    std::size_t flagged = 0;
    for (double score : m_ood)
        flagged += score < m_threshold ? 1 : 0;
    d.indKeptFraction = m_ind.empty() ? 0.0 : double(kept) / double(m_ind.size());
    d.oodFlaggedFraction = m_ood.empty() ? 0.0 : double(flagged) / double(m_ood.size());

    // Without held-out InD scores a threshold means nothing yet (it is read as the share of InD
    // images it keeps): no line, and a prompt saying what brings it.
    m_emptyText->setVisible(m_ind.empty());
    m_emptyText->setText(m_ood.empty()
                             ? tr("No scores yet.\nFit a profile (F5): its held-out InD scores show here,\n"
                                  "and a threshold line to drag appears.")
                             : tr("No held-out InD scores yet: fit a profile (F5)\n"
                                  "to compare and to place the threshold."));
    const bool finite = std::isfinite(m_threshold) && !m_ind.empty();
    m_thresholdLine->setVisible(finite);
    m_thresholdText->setVisible(finite);
    if (!finite)
        return;
    m_thresholdLine->point1->setCoords(m_threshold, 0.0);
    m_thresholdLine->point2->setCoords(m_threshold, 1.0);
    QString text = tr("threshold %1").arg(m_threshold, 0, 'f', 3);
    if (!m_ind.empty())
        text += tr("\nInD kept %1%").arg(d.indKeptFraction * 100.0, 0, 'f', 1);
    if (!m_ood.empty())
        text += tr("\nOOD flagged %1%").arg(d.oodFlaggedFraction * 100.0, 0, 'f', 1);
    m_thresholdText->setText(text);
    m_thresholdText->position->setCoords(m_threshold, 0.03);
    placeLabels();
    if (std::isfinite(m_markerScore))
        setMarker(m_markerScore, m_markerLabel);  // its label goes on the side away from the threshold
}

void ScoreDistributionView::moveThresholdToPixel(double x)
{
    const double value = std::clamp(plot()->xAxis->pixelToCoord(x), 0.0, 1.0);
    if (value == m_threshold)
        return;
    setThreshold(value);
    Q_EMIT thresholdChanged(value);
}

void ScoreDistributionView::onMousePress(QMouseEvent* event)
{
    if (event->button() == Qt::RightButton) {
        m_panFromPixel = event->position().x();
        m_panFromLower = plot()->xAxis->range().lower;
        m_panFromUpper = plot()->xAxis->range().upper;
        m_panning = true;
        return;
    }
    if (event->button() != Qt::LeftButton || m_ind.empty() || !plot()->axisRect()->rect().contains(event->position().toPoint()))
        return;
    m_dragging = true;
    moveThresholdToPixel(event->position().x());
}

void ScoreDistributionView::onMouseMove(QMouseEvent* event)
{
    if (m_panning && (event->buttons() & Qt::RightButton)) {
        const double perPixel = (m_panFromUpper - m_panFromLower) / double(std::max(1, plot()->axisRect()->width()));
        const double shift = (m_panFromPixel - event->position().x()) * perPixel;
        plot()->xAxis->setRange(m_panFromLower + shift, m_panFromUpper + shift);
        plot()->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    if (m_dragging && (event->buttons() & Qt::LeftButton))
        moveThresholdToPixel(event->position().x());
}

void ScoreDistributionView::onMouseRelease(QMouseEvent* event)
{
    if (event->button() == Qt::RightButton) {
        m_panning = false;
        return;
    }
    if (m_dragging && event->button() == Qt::LeftButton)
        moveThresholdToPixel(event->position().x());
    m_dragging = false;
}

}  // namespace nac::widgets
