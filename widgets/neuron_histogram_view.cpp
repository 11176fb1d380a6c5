// Step histogram of one neuron (true bin widths), split into fully covered and under-covered bins.
#include "widgets/neuron_histogram_view.h"

#include "widgets/nac_terms.h"
#include "widgets/plot_style.h"

#include <qcustomplot.h>

#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <limits>

namespace nac::widgets {
namespace {

constexpr double kStateAxisMax = 1.01;
constexpr std::size_t kMaxDroppedLines = 200;  // more lines than this only darken the plot: a spread sample is drawn
constexpr double kRugHeight = 0.12;            // the other dropped images: short ticks, this share of the plot's height
constexpr int kRugAlpha = 110;
constexpr double kHighlightMinSpan = 0.12;     // highlightBin shows at least this much of the state axis
constexpr double kHighlightBinsShown = 25.0;   // or this many widths of the highlighted bin
constexpr double kHighlightLabelY = 0.3;       // the state line's label: below the dropped images' label at the top

QColor withAlpha(QColor colour, int alpha)
{
    colour.setAlpha(alpha);
    return colour;
}

QString formatValue(double value)
{
    return QString::number(value, 'g', 6);
}

}  // namespace

NeuronHistogramView::NeuronHistogramView(QWidget* parent)
    : PlotView(parent)
    , m_highlightState(std::numeric_limits<double>::quiet_NaN())
{
    QCustomPlot* p = plot();
    p->setMouseTracking(true);
    m_title = new QCPTextElement(p, QString(), QFont(font().family(), font().pointSize(), QFont::Bold));
    p->plotLayout()->insertRow(0);
    p->plotLayout()->addElement(0, 0, m_title);

    m_covered = p->addGraph();
    m_covered->setName(tr("count ≥ O  (Φ = 1)"));
    m_covered->setLineStyle(QCPGraph::lsStepLeft);
    m_covered->setPen(QPen(PlotStyle::seriesColour(2), 1));
    m_covered->setBrush(withAlpha(PlotStyle::seriesColour(2), 150));
    m_underCovered = p->addGraph();
    m_underCovered->setName(tr("count < O  (Φ = count / O)"));
    m_underCovered->setLineStyle(QCPGraph::lsStepLeft);
    m_underCovered->setPen(QPen(PlotStyle::seriesColour(4), 1));
    m_underCovered->setBrush(withAlpha(PlotStyle::seriesColour(4), 150));

    m_oLine = new QCPItemStraightLine(p);
    m_oLine->setPen(QPen(palette().color(QPalette::WindowText), 1.5, Qt::DashLine));
    // The O label sits on the right axis at y = O, outside the bars and the dropped-image lines.
    p->yAxis2->setVisible(true);
    p->yAxis2->setSubTicks(false);
    p->yAxis2->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTickerText));
    QFont labelFont = font();
    labelFont.setBold(true);
    p->yAxis2->setTickLabelFont(labelFont);
    connect(p->yAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), p->yAxis2,
            qOverload<const QCPRange&>(&QCPAxis::setRange));

    m_droppedText = new QCPItemText(p);
    m_droppedText->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_droppedText->position->setTypeX(QCPItemPosition::ptPlotCoords);
    m_droppedText->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_droppedText->setColor(PlotStyle::markerColour());
    m_droppedText->setPadding(QMargins(3, 2, 2, 2));
    m_selectedLine = new QCPItemStraightLine(p);
    m_selectedLine->setPen(QPen(PlotStyle::markerColour(), 2.5));
    m_selectedLine->setVisible(false);

    // Teaching mode's highlights: over everything else, a dark halo under a magenta line.
    m_binHalo = new QCPItemRect(p);
    m_binHalo->setPen(PlotStyle::highlightHaloPen());
    m_binRect = new QCPItemRect(p);
    m_binRect->setPen(PlotStyle::highlightPen());
    m_stateHalo = new QCPItemStraightLine(p);
    m_stateHalo->setPen(PlotStyle::highlightHaloPen());
    m_stateLine = new QCPItemStraightLine(p);
    m_stateLine->setPen(PlotStyle::highlightPen());
    m_stateText = new QCPItemText(p);
    PlotStyle::styleHighlightLabel(m_stateText, font());
    // Their own layer above the bars and the dropped images' lines, which are rebuilt later.
    p->addLayer(QStringLiteral("highlight"), p->layer(QStringLiteral("main")), QCustomPlot::limAbove);
    for (QCPAbstractItem* item : std::initializer_list<QCPAbstractItem*>{m_binHalo, m_binRect, m_stateHalo, m_stateLine, m_stateText}) {
        item->setLayer(QStringLiteral("highlight"));
        item->setVisible(false);
    }

    // The legend has its own row under the plot, so it never covers a bar or a dropped image's label.
    p->legend->setVisible(true);
    p->axisRect()->insetLayout()->take(p->legend);
    p->plotLayout()->addElement(p->plotLayout()->rowCount(), 0, p->legend);
    p->plotLayout()->setRowStretchFactor(p->plotLayout()->rowCount() - 1, 0.001);
    p->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    p->legend->setMargins(QMargins(4, 1, 4, 1));
    setAxisLabel(p->xAxis, tr("state ẑ = sigmoid(α·z·∂KL/∂z)"), tr("state ẑ"));
    setAxisLabel(p->yAxis, tr("fit samples in bin (count)"), tr("count"));
    p->xAxis->setRange(0.0, kStateAxisMax);
    p->axisRect()->setRangeDrag(Qt::Horizontal);
    p->axisRect()->setRangeZoom(Qt::Horizontal);
    p->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    connect(p, &QCustomPlot::mouseMove, this, &NeuronHistogramView::onMouseMove);

    applyPalette();
    clear();
}

NeuronHistogramView::~NeuronHistogramView() = default;

void NeuronHistogramView::setNeuron(const QString& layer, int neuron, std::vector<double> edges,
                                    std::vector<std::uint32_t> counts, double minActivated,
                                    std::vector<float> droppedStates)
{
    Q_ASSERT(edges.size() >= 2 && counts.size() == edges.size() - 1);
    Q_ASSERT(minActivated > 0.0);
    if (layer != m_layer || neuron != m_neuron) {
        m_highlightState = std::numeric_limits<double>::quiet_NaN();
        m_highlightStateLabel.clear();
        m_highlightBin = -1;
    }
    m_layer = layer;
    m_neuron = neuron;
    m_minActivated = minActivated;
    m_bars.clear();
    const std::size_t binCount = std::min(counts.size(), edges.size() >= 1 ? edges.size() - 1 : 0);
    for (std::size_t k = 0; k < binCount; ++k) {
        Bar bar;
        bar.left = edges[k];
        bar.right = edges[k + 1];
        bar.count = counts[k];
        bar.phi = minActivated > 0.0 ? std::min(double(counts[k]) / minActivated, 1.0) : 0.0;
        m_bars.push_back(bar);
    }
    m_droppedStates = std::move(droppedStates);
    rebuild();
}

void NeuronHistogramView::setSelectedDropped(int index, const QString& label)
{
    m_selectedIndex = index;
    m_selectedLabel = label;
    rebuildDroppedLines();
    updateHighlights();
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

double NeuronHistogramView::selectedStateLinePosition() const
{
    return m_selectedLine->visible() ? m_selectedLine->point1->key() : std::numeric_limits<double>::quiet_NaN();
}

QString NeuronHistogramView::droppedLabel() const
{
    return m_droppedText->visible() ? m_droppedText->text() : QString();
}

void NeuronHistogramView::setDroppedStates(std::vector<float> droppedStates)
{
    m_droppedStates = std::move(droppedStates);
    rebuildDroppedLines();
    updateHighlights();
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

void NeuronHistogramView::highlightState(double state, const QString& label)
{
    m_highlightState = state;
    m_highlightStateLabel = label;
    updateHighlights();
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

void NeuronHistogramView::highlightBin(int bin)
{
    m_highlightBin = bin;
    if (bin >= 0 && std::size_t(bin) < m_bars.size()) {
        // Bins near 0.5 are a few pixels wide at full range: zoom so that the bin and its
        // neighbours show (the wheel and a drag still move freely).
        const Bar& bar = m_bars[std::size_t(bin)];
        const double span = std::min(kStateAxisMax, std::max(kHighlightMinSpan, kHighlightBinsShown * (bar.right - bar.left)));
        const double low = std::clamp(0.5 * (bar.left + bar.right) - span / 2, 0.0, kStateAxisMax - span);
        plot()->xAxis->setRange(low, low + span);
    }
    updateHighlights();
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

void NeuronHistogramView::clearHighlights()
{
    if (m_highlightBin >= 0)
        plot()->xAxis->setRange(0.0, kStateAxisMax);  // undo highlightBin's zoom
    m_highlightState = std::numeric_limits<double>::quiet_NaN();
    m_highlightStateLabel.clear();
    m_highlightBin = -1;
    updateHighlights();
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

QString NeuronHistogramView::highlightLabel() const
{
    return m_stateText->visible() ? m_stateText->text() : QString();
}

QPoint NeuronHistogramView::pixelFor(double state, double count)
{
    plot()->replot(QCustomPlot::rpImmediateRefresh);
    return QPoint(int(std::lround(plot()->xAxis->coordToPixel(state))), int(std::lround(plot()->yAxis->coordToPixel(count))));
}

void NeuronHistogramView::updateHighlights()
{
    QCustomPlot* p = plot();
    const bool showState = !m_bars.empty() && std::isfinite(m_highlightState);
    for (QCPItemStraightLine* line : {m_stateHalo, m_stateLine}) {
        line->setVisible(showState);
        line->point1->setCoords(showState ? m_highlightState : 0.0, 0.0);
        line->point2->setCoords(showState ? m_highlightState : 0.0, 1.0);
    }
    // When the selected image's line is this one, its label already names it.
    const bool labelled = m_selectedLine->visible() && m_selectedLine->point1->key() == m_highlightState;
    m_stateText->setVisible(showState && !labelled);
    if (showState && !labelled) {
        const QString value = QString::number(m_highlightState, 'g', 4);
        m_stateText->setText(m_highlightStateLabel.isEmpty() ? tr("ẑ = %1").arg(value)
                                                             : tr("%1: ẑ = %2").arg(m_highlightStateLabel, value));
        // Below the dropped images' label (top), on the side of the line with room for it.
        m_stateText->position->setCoords(m_highlightState, kHighlightLabelY);
        const int width = QFontMetrics(m_stateText->font()).horizontalAdvance(m_stateText->text()) + 12;
        const double pixel = p->xAxis->coordToPixel(m_highlightState);
        const bool right = pixel + width <= p->axisRect()->rect().right() || pixel - width < p->axisRect()->rect().left();
        m_stateText->setPositionAlignment((right ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignTop);
    }
    const bool showBin = m_highlightBin >= 0 && std::size_t(m_highlightBin) < m_bars.size();
    m_binHalo->setVisible(showBin);
    m_binRect->setVisible(showBin);
    if (showBin) {
        const Bar& bar = m_bars[std::size_t(m_highlightBin)];
        // An empty bin still gets a visible outline: a box a few percent of the axis high.
        const double height = std::max(double(bar.count), 0.04 * p->yAxis->range().upper);
        for (QCPItemRect* rect : {m_binHalo, m_binRect}) {
            rect->topLeft->setCoords(bar.left, height);
            rect->bottomRight->setCoords(bar.right, 0.0);
        }
    }
}

void NeuronHistogramView::clear()
{
    m_highlightState = std::numeric_limits<double>::quiet_NaN();
    m_highlightStateLabel.clear();
    m_highlightBin = -1;
    m_layer.clear();
    m_neuron = -1;
    m_bars.clear();
    m_minActivated = 0.0;
    m_droppedStates.clear();
    rebuild();
}

double NeuronHistogramView::minActivatedLineValue() const
{
    return m_oLine->point1->value();
}

QString NeuronHistogramView::minActivatedLabel() const
{
    return m_oLabel;
}

std::vector<double> NeuronHistogramView::droppedStateLinePositions() const
{
    std::vector<double> positions;
    for (const QCPItemLine* line : m_droppedLines)
        positions.push_back(line->start->key());
    return positions;
}

QString NeuronHistogramView::hoverText(double state) const
{
    for (std::size_t k = 0; k < m_bars.size(); ++k) {
        const Bar& bar = m_bars[k];
        if (state >= bar.left && state < bar.right) {
            return tr("bin %1: state in [%2, %3)\ncount: %4 fit samples\nΦ = min(count / O, 1) = %5  (O = %6)")
                .arg(k)
                .arg(bar.left, 0, 'g', 4)
                .arg(bar.right, 0, 'g', 4)
                .arg(bar.count)
                .arg(bar.phi, 0, 'g', 3)
                .arg(formatValue(m_minActivated));
        }
    }
    return QString();
}

void NeuronHistogramView::applyPalette()
{
    PlotView::applyPalette();
    const QColor text = palette().color(QPalette::WindowText);
    m_title->setTextColor(text);
    m_oLine->setPen(QPen(text, 1.5, Qt::DashLine));
    QColor labelBackground = palette().color(QPalette::Base);
    labelBackground.setAlpha(200);
    m_droppedText->setBrush(labelBackground);
}

void NeuronHistogramView::rebuild()
{
    QCustomPlot* p = plot();
    QVector<double> keys;
    QVector<double> coveredValues;
    QVector<double> underValues;
    double maxCount = 0.0;
    for (const Bar& bar : m_bars) {
        keys.append(bar.left);
        const bool covered = double(bar.count) >= m_minActivated;
        coveredValues.append(covered ? double(bar.count) : 0.0);
        underValues.append(covered ? 0.0 : double(bar.count));
        maxCount = std::max(maxCount, double(bar.count));
    }
    if (!m_bars.empty()) {
        // Closes the last step at the right edge of the last bin.
        keys.append(m_bars.back().right);
        coveredValues.append(0.0);
        underValues.append(0.0);
    }
    m_covered->setData(keys, coveredValues, true);
    m_underCovered->setData(keys, underValues, true);

    const double top = std::max({maxCount, m_minActivated, 1.0}) * 1.15;
    p->yAxis->setRange(0.0, top);
    p->xAxis->setRange(0.0, kStateAxisMax);

    const bool hasData = !m_bars.empty();
    m_oLine->setVisible(hasData);
    m_oLine->point1->setCoords(0.0, m_minActivated);
    m_oLine->point2->setCoords(1.0, m_minActivated);
    m_oLabel = tr("O (r) = %1").arg(formatValue(m_minActivated));
    auto oTicker = qSharedPointerCast<QCPAxisTickerText>(p->yAxis2->ticker());
    oTicker->clear();
    if (hasData)
        oTicker->addTick(m_minActivated, m_oLabel);

    if (hasData)
        m_title->setText(tr("%1 · neuron %2 — fit-sample states per bin").arg(m_layer).arg(m_neuron));
    else
        m_title->setText(tr("Click a neuron in the heatmap to see its histogram"));
    rebuildDroppedLines();
    updateHighlights();
    p->replot(QCustomPlot::rpQueuedReplot);
}

void NeuronHistogramView::rebuildDroppedLines()
{
    QCustomPlot* p = plot();
    for (QCPItemLine* line : m_droppedLines)
        p->removeItem(line);
    m_droppedLines.clear();
    const bool show = !m_bars.empty();
    // The selected image: one strong full-height line. The others: short faded ticks at the
    // bottom (a rug), at most kMaxDroppedLines of them spread over the set; the label counts all.
    const bool haveSelected = show && m_selectedIndex >= 0 && std::size_t(m_selectedIndex) < m_droppedStates.size()
        && std::isfinite(m_droppedStates[std::size_t(m_selectedIndex)]);
    m_selectedLine->setVisible(haveSelected);
    std::vector<std::size_t> others;
    for (std::size_t i = 0; show && i < m_droppedStates.size(); ++i)
        if (std::isfinite(m_droppedStates[i]) && !(haveSelected && i == std::size_t(m_selectedIndex)))
            others.push_back(i);
    const std::size_t total = others.size() + (haveSelected ? 1 : 0);
    const std::size_t drawn = std::min(others.size(), kMaxDroppedLines);
    const double top = p->yAxis->range().upper;
    for (std::size_t k = 0; k < drawn; ++k) {
        const std::size_t i = others[k * others.size() / drawn];
        const double state = double(m_droppedStates[i]);
        auto* line = new QCPItemLine(p);
        line->setPen(QPen(withAlpha(PlotStyle::markerColour(), kRugAlpha), 1.0));
        line->start->setCoords(state, 0.0);
        line->end->setCoords(state, top * kRugHeight);
        m_droppedLines.push_back(line);
    }
    double anchor = std::numeric_limits<double>::quiet_NaN();
    QString text;
    if (haveSelected) {
        anchor = double(m_droppedStates[std::size_t(m_selectedIndex)]);
        m_selectedLine->point1->setCoords(anchor, 0.0);
        m_selectedLine->point2->setCoords(anchor, 1.0);
        text = tr("%1: ẑ = %2").arg(m_selectedLabel.isEmpty() ? tr("selected image") : m_selectedLabel).arg(anchor, 0, 'g', 4);
        if (total > 1)
            text += tr("\n%n other dropped image(s) at the bottom", nullptr, int(total - 1));
    } else if (total == 1) {
        anchor = double(m_droppedStates[others.front()]);
        text = tr("dropped image: ẑ = %1").arg(anchor, 0, 'g', 4);
    } else if (total > 1) {
        anchor = double(m_droppedStates[others.front()]);
        text = drawn < others.size() ? tr("%1 dropped images (%2 drawn)").arg(total).arg(drawn) : tr("%1 dropped images").arg(total);
    }
    m_droppedText->setVisible(std::isfinite(anchor));
    if (std::isfinite(anchor)) {
        m_droppedText->position->setCoords(anchor, 0.0);
        m_droppedText->setText(text);
        // Keep the label inside the plot: on the side of its line with room for it.
        const QFontMetrics metrics(m_droppedText->font());
        int width = 0;
        for (const QString& line : text.split(QLatin1Char('\n')))
            width = std::max(width, metrics.horizontalAdvance(line));
        const double pixel = p->xAxis->coordToPixel(anchor);
        const QRect rect = p->axisRect()->rect();
        bool right = anchor <= 0.6;
        if (right && pixel + width + 8 > rect.right() && pixel - width - 8 >= rect.left())
            right = false;
        else if (!right && pixel - width - 8 < rect.left() && pixel + width + 8 <= rect.right())
            right = true;
        m_droppedText->setPositionAlignment(right ? (Qt::AlignLeft | Qt::AlignTop) : (Qt::AlignRight | Qt::AlignTop));
    }
}

void NeuronHistogramView::onMouseMove(QMouseEvent* event)
{
    if (event->buttons() != Qt::NoButton || m_bars.empty())
        return;
    if (!plot()->axisRect()->rect().contains(event->position().toPoint())) {
        QToolTip::hideText();
        return;
    }
    const QString text = hoverText(plot()->xAxis->pixelToCoord(event->position().x()));
    if (text.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), text, plot());
}

}  // namespace nac::widgets
