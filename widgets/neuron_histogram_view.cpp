// Step histogram of one neuron (true bin widths), split into fully covered and under-covered bins.
#include "widgets/neuron_histogram_view.h"

#include "widgets/nac_terms.h"
#include "widgets/plot_style.h"

#include <qcustomplot.h>

#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace nac::widgets {
namespace {

constexpr double kStateAxisMax = 1.01;
constexpr std::size_t kMaxDroppedLines = 200;  // more lines than this only darken the plot

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

    p->legend->setVisible(true);
    p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    p->xAxis->setLabel(tr("state ẑ = sigmoid(α·z·∂KL/∂z)"));
    p->yAxis->setLabel(tr("fit samples in bin (count)"));
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

void NeuronHistogramView::setDroppedStates(std::vector<float> droppedStates)
{
    m_droppedStates = std::move(droppedStates);
    rebuildDroppedLines();
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

void NeuronHistogramView::clear()
{
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
    for (const QCPItemStraightLine* line : m_droppedLines)
        positions.push_back(line->point1->key());
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
    p->replot(QCustomPlot::rpQueuedReplot);
}

void NeuronHistogramView::rebuildDroppedLines()
{
    QCustomPlot* p = plot();
    for (QCPItemStraightLine* line : m_droppedLines)
        p->removeItem(line);
    m_droppedLines.clear();
    const bool show = !m_bars.empty();
    for (std::size_t i = 0; show && i < m_droppedStates.size() && i < kMaxDroppedLines; ++i) {
        const double state = double(m_droppedStates[i]);
        if (!std::isfinite(state))
            continue;
        auto* line = new QCPItemStraightLine(p);
        line->setPen(QPen(PlotStyle::markerColour(), 1.5));
        line->point1->setCoords(state, 0.0);
        line->point2->setCoords(state, 1.0);
        m_droppedLines.push_back(line);
    }
    m_droppedText->setVisible(!m_droppedLines.empty());
    if (!m_droppedLines.empty()) {
        const double first = m_droppedLines.front()->point1->key();
        m_droppedText->position->setCoords(first, 0.0);
        // Keep the label inside the plot: to the right of a line on the left half, left of it otherwise.
        m_droppedText->setPositionAlignment(first > 0.6 ? (Qt::AlignRight | Qt::AlignTop) : (Qt::AlignLeft | Qt::AlignTop));
        m_droppedText->setText(m_droppedLines.size() == 1
                                   ? tr("dropped image: ẑ = %1").arg(first, 0, 'g', 4)
                                   : tr("%1 dropped images").arg(m_droppedLines.size()));
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
