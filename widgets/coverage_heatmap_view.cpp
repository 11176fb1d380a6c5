// Coverage heatmap: rasterises the non-uniform bins into fine rows and draws them with a QCPColorMap.
#include "widgets/coverage_heatmap_view.h"

#include "widgets/nac_terms.h"
#include "widgets/plot_style.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QResizeEvent>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace nac::widgets {
namespace {

constexpr int kHintMinWidthPx = 520;  // narrower: the note leaves out the hover hint

// Cells held by the colour map at most (rows x neurons); keeps a 2048-neuron layer near 64 MB.
constexpr long long kMaxCells = 8LL * 1024 * 1024;
constexpr double kLiveStateMax = 1.01;  // the last live edge; [1.01, 1.2) is never reached by a sigmoid

// Tick labels on the x axis are the neuron indices of the columns (they differ from the
// positions when the neurons are sorted).
class NeuronIndexTicker : public QCPAxisTickerFixed {
public:
    explicit NeuronIndexTicker(std::shared_ptr<std::vector<int>> order)
        : m_order(std::move(order))
    {
        setTickStep(1.0);
        setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        setTickCount(8);
    }

protected:
    QString getTickLabel(double tick, const QLocale& locale, QChar formatChar, int precision) override
    {
        Q_UNUSED(locale);
        Q_UNUSED(formatChar);
        Q_UNUSED(precision);
        const long position = std::lround(tick);
        if (std::abs(tick - double(position)) > 1e-6 || position < 0 || position >= long(m_order->size()))
            return QString();
        return QString::number((*m_order)[std::size_t(position)]);
    }

private:
    std::shared_ptr<std::vector<int>> m_order;
};

// Shortest 'g' formatting (3 significant digits or more) that tells a and b apart.
QPair<QString, QString> formatRange(double a, double b)
{
    for (int digits = 3; digits < 10; ++digits) {
        const QString left = QString::number(a, 'g', digits);
        const QString right = QString::number(b, 'g', digits);
        if (left != right)
            return {left, right};
    }
    return {QString::number(a, 'g', 10), QString::number(b, 'g', 10)};
}

QString formatParam(double value)
{
    return QString::number(value, 'g', 6);
}

}  // namespace

// --- HeatmapData ---

double CoverageHeatmapView::HeatmapData::rowHeight() const
{
    return rowBin.empty() ? 0.0 : (stateMax - stateMin) / double(rowBin.size());
}

double CoverageHeatmapView::HeatmapData::rowCentre(int row) const
{
    return stateMin + (double(row) + 0.5) * rowHeight();
}

int CoverageHeatmapView::HeatmapData::rowOfState(double state) const
{
    if (rowBin.empty() || !(state >= stateMin) || !(state < stateMax))
        return -1;
    const int row = int(std::floor((state - stateMin) / rowHeight()));
    return std::clamp(row, 0, rowCount() - 1);
}

int CoverageHeatmapView::HeatmapData::binOfState(double state) const
{
    const std::vector<double>& edges = coverage.edges;
    if (edges.size() < 2 || !(state >= edges.front()) || !(state < edges.back()))
        return -1;
    const auto above = std::upper_bound(edges.begin(), edges.end(), state);
    return int(above - edges.begin()) - 1;
}

double CoverageHeatmapView::HeatmapData::valueAt(int position, int row) const
{
    constexpr double kNoBin = std::numeric_limits<double>::quiet_NaN();
    if (position < 0 || position >= neuronCount() || row < 0 || row >= rowCount())
        return kNoBin;
    const int bin = rowBin[std::size_t(row)];
    if (bin < 0)
        return kNoBin;
    const int neuron = neuronOrder[std::size_t(position)];
    const std::size_t cell = std::size_t(bin) * std::size_t(coverage.neuronCount) + std::size_t(neuron);
    if (mode == ColourMode::Phi)
        return cell < coverage.phi.size() ? double(coverage.phi[cell]) : kNoBin;
    return cell < coverage.counts.size() ? double(coverage.counts[cell]) : kNoBin;
}

// --- CoverageHeatmapView ---

CoverageHeatmapView::CoverageHeatmapView(QWidget* parent)
    : PlotView(parent)
    , m_tickOrder(std::make_shared<std::vector<int>>())
{
    auto* header = new QHBoxLayout;
    header->setContentsMargins(4, 2, 4, 0);
    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    m_note->setToolTip(NacTerms::all());
    auto* modeLabel = new QLabel(tr("Colour:"), this);
    m_modeCombo = new QComboBox(this);
    m_modeCombo->setObjectName(QStringLiteral("colourModeCombo"));
    m_modeCombo->addItem(tr("Φ (coverage)"), int(ColourMode::Phi));
    m_modeCombo->addItem(tr("Count (fit samples)"), int(ColourMode::Count));
    m_modeCombo->setToolTip(tr("Colour each bin by Φ or by its raw count.\n") + NacTerms::phi() + QLatin1Char('\n')
                            + NacTerms::minActivated());
    modeLabel->setBuddy(m_modeCombo);
    header->addWidget(m_note, 1);
    header->addWidget(modeLabel);
    header->addWidget(m_modeCombo);
    mainLayout()->insertLayout(0, header);

    QCustomPlot* p = plot();
    p->setMouseTracking(true);
    m_title = new QCPTextElement(p, QString(), QFont(font().family(), font().pointSize(), QFont::Bold));
    p->plotLayout()->insertRow(0);
    p->plotLayout()->addElement(0, 0, m_title);

    m_colourMap = new QCPColorMap(p->xAxis, p->yAxis);
    m_colourMap->setInterpolate(false);
    m_colourMap->setTightBoundary(false);
    m_colourScale = new QCPColorScale(p);
    p->plotLayout()->addElement(1, 1, m_colourScale);
    m_colourScale->setType(QCPAxis::atRight);
    m_colourScale->setBarWidth(12);
    m_colourMap->setColorScale(m_colourScale);
    m_colourMap->setGradient(PlotStyle::viridis());
    auto* marginGroup = new QCPMarginGroup(p);
    p->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, marginGroup);
    m_colourScale->setMarginGroup(QCP::msBottom | QCP::msTop, marginGroup);

    m_markerGraph = p->addGraph(p->xAxis, p->yAxis);
    m_markerGraph->setLineStyle(QCPGraph::lsNone);
    m_markerGraph->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(Qt::white, 1.2), QBrush(PlotStyle::markerColour()), 7));
    m_markerGraph->setName(tr("dropped image"));

    // Teaching mode's outline, above the cells and the markers.
    p->addLayer(QStringLiteral("highlight"), p->layer(QStringLiteral("main")), QCustomPlot::limAbove);
    m_highlightColumn = new QCPItemRect(p);
    m_highlightColumn->setPen(QPen(PlotStyle::highlightColour(), 1.5, Qt::DashLine));
    m_highlightColumn->setLayer(QStringLiteral("highlight"));
    m_highlightColumn->setVisible(false);
    m_highlightHalo = new QCPItemRect(p);
    m_highlightHalo->setPen(PlotStyle::highlightHaloPen());
    m_highlightRect = new QCPItemRect(p);
    m_highlightRect->setPen(PlotStyle::highlightPen());
    for (QCPItemRect* rect : {m_highlightHalo, m_highlightRect}) {
        rect->setLayer(QStringLiteral("highlight"));
        rect->setVisible(false);
    }

    p->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new NeuronIndexTicker(m_tickOrder)));
    p->xAxis->grid()->setVisible(false);
    p->yAxis->grid()->setVisible(false);
    p->yAxis->setRange(0.0, kLiveStateMax);
    setAxisLabel(p->yAxis, yAxisLabel(), tr("state ẑ"));
    p->yAxis2->setVisible(true);
    p->yAxis2->setTickLabels(false);
    p->yAxis2->setSubTicks(false);
    p->yAxis2->setTickLength(0, 4);
    p->yAxis2->setRange(0.0, kLiveStateMax);
    p->xAxis->setRange(-0.5, 0.5);
    p->axisRect()->setRangeDrag(Qt::Horizontal);
    p->axisRect()->setRangeZoom(Qt::Horizontal);
    p->axisRect()->setRangeZoomAxes(p->xAxis, nullptr);
    p->axisRect()->setRangeDragAxes(p->xAxis, nullptr);
    p->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);

    connect(p->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this,
            &CoverageHeatmapView::onXRangeChanged);
    connect(p, &QCustomPlot::mouseMove, this, &CoverageHeatmapView::onMouseMove);
    connect(p, &QCustomPlot::mousePress, this, &CoverageHeatmapView::onMousePress);
    connect(p, &QCustomPlot::mouseRelease, this, &CoverageHeatmapView::onMouseRelease);
    connect(m_modeCombo, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int index) {
        const auto mode = ColourMode(m_modeCombo->itemData(index).toInt());
        if (mode == m_data.mode)
            return;
        setColourMode(mode);
        Q_EMIT colourModeChanged(mode);
    });

    applyPalette();
    clear();
}

CoverageHeatmapView::~CoverageHeatmapView() = default;

void CoverageHeatmapView::setLayer(const QString& name, const nac::engine::LayerCoverage& coverage,
                                   std::vector<int> neuronOrder, const QString& orderDescription)
{
    const int neuronCount = coverage.neuronCount;
    Q_ASSERT(coverage.edges.size() >= 2);
    Q_ASSERT(coverage.counts.size() == std::size_t(coverage.binCount()) * std::size_t(neuronCount));

    // A wrong order is a programmer error; fall back to the natural order in release builds.
    bool validOrder = int(neuronOrder.size()) == neuronCount;
    std::vector<int> position(std::size_t(std::max(neuronCount, 0)), -1);
    for (std::size_t i = 0; validOrder && i < neuronOrder.size(); ++i) {
        const int neuron = neuronOrder[i];
        if (neuron < 0 || neuron >= neuronCount || position[std::size_t(neuron)] >= 0)
            validOrder = false;
        else
            position[std::size_t(neuron)] = int(i);
    }
    Q_ASSERT(neuronOrder.empty() || validOrder);
    if (!validOrder) {
        neuronOrder.resize(std::size_t(std::max(neuronCount, 0)));
        std::iota(neuronOrder.begin(), neuronOrder.end(), 0);
        std::iota(position.begin(), position.end(), 0);
    }

    const bool keepView = name == m_data.layerName && neuronCount == m_data.neuronCount() && neuronCount > 0;
    if (name != m_data.layerName) {
        m_highlightNeuron = -1;
        m_highlightBin = -1;
    }
    m_data.layerName = name;
    m_data.coverage = coverage;
    m_data.neuronOrder = std::move(neuronOrder);
    m_data.positionOfNeuron = std::move(position);
    m_data.stateMin = 0.0;
    m_data.stateMax = kLiveStateMax;
    m_orderDescription = validOrder ? orderDescription : QString();
    *m_tickOrder = m_data.neuronOrder;

    // Rows: fine enough that the narrowest live bin covers at least one row centre (a half-open
    // interval as wide as a row always holds one), at least kMinRows, capped by kMaxRows and memory.
    const std::vector<double>& edges = coverage.edges;
    double narrowest = m_data.stateMax - m_data.stateMin;
    for (std::size_t k = 0; k + 1 < edges.size(); ++k) {
        const double low = std::max(edges[k], m_data.stateMin);
        const double high = std::min(edges[k + 1], m_data.stateMax);
        if (high > low)
            narrowest = std::min(narrowest, high - low);
    }
    long long rows = std::max<long long>(kMinRows, (long long)std::ceil((m_data.stateMax - m_data.stateMin) / narrowest));
    rows = std::min<long long>(rows, kMaxRows);
    if (neuronCount > 0)
        rows = std::max<long long>(kMinRows, std::min<long long>(rows, kMaxCells / neuronCount));
    m_data.rowBin.assign(std::size_t(rows), -1);
    for (int row = 0; row < int(rows); ++row)
        m_data.rowBin[std::size_t(row)] = m_data.binOfState(m_data.rowCentre(row));

    QSharedPointer<QCPAxisTickerText> edgeTicks(new QCPAxisTickerText);
    for (double edge : edges) {
        if (edge >= m_data.stateMin && edge <= m_data.stateMax)
            edgeTicks->addTick(edge, QString());
    }
    plot()->yAxis2->setTicker(edgeTicks);

    if (!keepView)
        plot()->xAxis->setRange(-0.5, double(std::min(neuronCount, kInitialVisibleNeurons)) - 0.5);
    rebuildColourMap();
    updateHighlight();
    setMarkers(m_markers);
}

void CoverageHeatmapView::highlightCell(int neuron, int bin)
{
    m_highlightNeuron = neuron;
    m_highlightBin = bin;
    updateHighlight();
    const QRectF rect = highlightRect();
    if (!rect.isNull()) {
        // Scroll (keeping the zoom) so that the outlined column is in view.
        const QCPRange range = plot()->xAxis->range();
        const double centre = rect.center().x();
        if (centre - 0.5 < range.lower || centre + 0.5 > range.upper)
            plot()->xAxis->setRange(centre - range.size() / 2, centre + range.size() / 2);
    }
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

QRectF CoverageHeatmapView::highlightRect() const
{
    if (!m_highlightRect->visible())
        return QRectF();
    return QRectF(QPointF(m_highlightRect->topLeft->key(), m_highlightRect->bottomRight->value()),
                  QPointF(m_highlightRect->bottomRight->key(), m_highlightRect->topLeft->value()));
}

void CoverageHeatmapView::updateHighlight()
{
    const std::vector<double>& edges = m_data.coverage.edges;
    bool show = m_highlightNeuron >= 0 && m_highlightNeuron < m_data.neuronCount() && m_highlightBin >= 0
        && std::size_t(m_highlightBin) + 1 < edges.size();
    double low = 0.0;
    double high = 0.0;
    double position = 0.0;
    if (show) {
        position = double(m_data.positionOfNeuron[std::size_t(m_highlightNeuron)]);
        low = std::max(edges[std::size_t(m_highlightBin)], m_data.stateMin);
        high = std::min(edges[std::size_t(m_highlightBin) + 1], m_data.stateMax);
        show = high > low;  // the reference's last bin lies above the shown states
    }
    for (QCPItemRect* rect : {m_highlightHalo, m_highlightRect}) {
        rect->setVisible(show);
        rect->topLeft->setCoords(position - 0.5, high);
        rect->bottomRight->setCoords(position + 0.5, low);
    }
    m_highlightColumn->setVisible(show);
    m_highlightColumn->topLeft->setCoords(position - 0.5, m_data.stateMax);
    m_highlightColumn->bottomRight->setCoords(position + 0.5, m_data.stateMin);
}

void CoverageHeatmapView::clear()
{
    m_data = HeatmapData{};
    m_data.mode = ColourMode(m_modeCombo->currentData().toInt());
    m_orderDescription.clear();
    m_tickOrder->clear();
    m_markers.clear();
    m_markerGraph->data()->clear();
    m_highlightNeuron = -1;
    m_highlightBin = -1;
    updateHighlight();
    m_colourMap->data()->clear();
    plot()->yAxis2->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTickerText));
    plot()->xAxis->setRange(-0.5, 0.5);
    updateLabels();
    updateNote();
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

void CoverageHeatmapView::setColourMode(ColourMode mode)
{
    m_data.mode = mode;
    {
        const QSignalBlocker blocker(m_modeCombo);
        m_modeCombo->setCurrentIndex(m_modeCombo->findData(int(mode)));
    }
    rebuildColourMap();
}

void CoverageHeatmapView::rebuildColourMap()
{
    const int columns = m_data.neuronCount();
    const int rows = m_data.rowCount();
    double maxCount = 0.0;
    for (std::uint32_t count : m_data.coverage.counts)
        maxCount = std::max(maxCount, double(count));
    m_data.colourMax = m_data.mode == ColourMode::Phi ? 1.0 : std::max(1.0, maxCount);

    QCPColorMapData* map = m_colourMap->data();
    if (columns == 0 || rows == 0) {
        map->clear();
    } else {
        // Cell centres: integer positions on x, row centres on y. QCPColorMap cannot size a single
        // column, so one neuron is drawn as two half-width cells centred at -0.25 and 0.25.
        const bool single = columns == 1;
        map->setSize(single ? 2 : columns, rows);
        map->setRange(single ? QCPRange(-0.25, 0.25) : QCPRange(0.0, double(columns - 1)),
                      QCPRange(m_data.rowCentre(0), m_data.rowCentre(rows - 1)));
        for (int row = 0; row < rows; ++row) {
            for (int cell = 0; cell < map->keySize(); ++cell)
                map->setCell(cell, row, m_data.valueAt(single ? 0 : cell, row));
        }
    }
    m_colourMap->setDataRange(QCPRange(0.0, m_data.colourMax));
    updateLabels();
    updateNote();
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

void CoverageHeatmapView::setMarkers(const QVector<QPointF>& neuronAndState)
{
    m_markers = neuronAndState;
    QVector<double> keys;
    QVector<double> values;
    const QVector<QPointF> drawn = markerPositions();
    for (const QPointF& point : drawn) {
        keys.append(point.x());
        values.append(point.y());
    }
    m_markerGraph->setData(keys, values);
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

QVector<QPointF> CoverageHeatmapView::markerPositions() const
{
    QVector<QPointF> drawn;
    for (const QPointF& marker : m_markers) {
        const int neuron = int(std::lround(marker.x()));
        if (neuron < 0 || neuron >= m_data.neuronCount() || !std::isfinite(marker.y()))
            continue;
        drawn.append(QPointF(double(m_data.positionOfNeuron[std::size_t(neuron)]), marker.y()));
    }
    std::stable_sort(drawn.begin(), drawn.end(),
                     [](const QPointF& a, const QPointF& b) { return a.x() < b.x(); });
    return drawn;
}

QString CoverageHeatmapView::hoverText(int position, double state) const
{
    if (position < 0 || position >= m_data.neuronCount())
        return QString();
    const int neuron = m_data.neuronOrder[std::size_t(position)];
    QString text = tr("%1 · neuron %2").arg(m_data.layerName).arg(neuron);
    if (!m_orderDescription.isEmpty())
        text += tr(" (column %1 of %2)").arg(position + 1).arg(m_data.neuronCount());
    const int bin = m_data.binOfState(state);
    if (bin < 0)
        return text + QLatin1Char('\n') + tr("state %1 is in no bin: a sample here scores 0").arg(state, 0, 'g', 3);
    const nac::engine::LayerCoverage& coverage = m_data.coverage;
    const auto range = formatRange(coverage.edges[std::size_t(bin)], coverage.edges[std::size_t(bin) + 1]);
    const std::size_t cell = std::size_t(bin) * std::size_t(coverage.neuronCount) + std::size_t(neuron);
    const std::uint32_t count = cell < coverage.counts.size() ? coverage.counts[cell] : 0U;
    const double phi = cell < coverage.phi.size() ? double(coverage.phi[cell]) : 0.0;
    text += QLatin1Char('\n') + tr("bin %1 of %2: state in [%3, %4)").arg(bin).arg(coverage.binCount()).arg(range.first, range.second);
    text += QLatin1Char('\n') + tr("count: %1 fit samples").arg(count);
    text += QLatin1Char('\n')
        + tr("Φ = min(count / O, 1) = %1  (O = %2)").arg(phi, 0, 'g', 3).arg(formatParam(coverage.params.minActivated));
    return text;
}

QPoint CoverageHeatmapView::pixelFor(int position, double state)
{
    plot()->replot(QCustomPlot::rpImmediateRefresh);
    return QPoint(int(std::lround(plot()->xAxis->coordToPixel(double(position)))),
                  int(std::lround(plot()->yAxis->coordToPixel(state))));
}

double CoverageHeatmapView::visibleFrom() const
{
    return plot()->xAxis->range().lower;
}

double CoverageHeatmapView::visibleTo() const
{
    return plot()->xAxis->range().upper;
}

QString CoverageHeatmapView::noteText() const
{
    return m_note->text();
}

QString CoverageHeatmapView::xAxisLabel() const
{
    if (m_orderDescription.isEmpty())
        return tr("neuron index");
    return tr("neuron (sorted by %1; ticks show neuron indices)").arg(m_orderDescription);
}

QString CoverageHeatmapView::yAxisLabel() const
{
    return tr("state ẑ = sigmoid(α·z·∂KL/∂z)");
}

QString CoverageHeatmapView::titleText() const
{
    return m_title->text();
}

QString CoverageHeatmapView::colourScaleLabel() const
{
    return m_data.mode == ColourMode::Phi ? tr("Φ = min(count / O, 1)") : tr("count (fit samples in bin)");
}

void CoverageHeatmapView::applyPalette()
{
    PlotView::applyPalette();
    PlotStyle::applyPalette(m_colourScale->axis(), palette());
    m_title->setTextColor(palette().color(QPalette::WindowText));
}

void CoverageHeatmapView::updateLabels()
{
    QCustomPlot* p = plot();
    setAxisLabel(p->xAxis, xAxisLabel(), m_orderDescription.isEmpty() ? tr("neuron") : tr("neuron (sorted)"));
    setAxisLabel(p->yAxis, yAxisLabel(), tr("state ẑ"));
    setAxisLabel(m_colourScale->axis(), colourScaleLabel(), m_data.mode == ColourMode::Phi ? tr("Φ") : tr("count"));
    if (m_data.layerName.isEmpty()) {
        m_title->setText(tr("Fit to see coverage"));
        return;
    }
    const nac::engine::LayerParams& params = m_data.coverage.params;
    const QString what = m_data.mode == ColourMode::Phi ? tr("Φ per neuron and state bin") : tr("fit samples per neuron and state bin");
    // Two lines: the title sits over the axis rect only (not the colour bar), so one long line was
    // clipped on narrow windows ("α = 200" read "α = 20").
    m_title->setText(tr("%1 — %2\nM = %3 %4, O = %5, α = %6")
                         .arg(m_data.layerName, what)
                         .arg(params.binEdgeCount)
                         .arg(QString::fromStdString(nac::engine::toString(params.scheme)))
                         .arg(formatParam(params.minActivated), formatParam(params.alpha)));
}

void CoverageHeatmapView::updateNote()
{
    const int count = m_data.neuronCount();
    if (count == 0) {
        m_note->setText(tr("No coverage yet: press Fit (F5) to fit a profile on the checked layers, or open a profile."));
        return;
    }
    const QCPRange range = plot()->xAxis->range();
    const int first = std::clamp(int(std::ceil(range.lower)), 0, count - 1);
    const int last = std::clamp(int(std::floor(range.upper)), 0, count - 1);
    const int shown = std::max(0, last - first + 1);
    QString text;
    if (shown < count)
        text = tr("Showing %1 of %2 neurons (columns %3–%4): wheel zooms, drag scrolls sideways.")
                   .arg(shown).arg(count).arg(first + 1).arg(last + 1);
    else
        text = tr("All %1 neurons shown.").arg(count);
    // On a narrow view (a 1024 px window) the hint would take three more lines from the heatmap.
    if (width() >= kHintMinWidthPx)
        text += tr(" Hover a cell for its bin, count and Φ; click a neuron for its histogram.");
    m_note->setText(text);
}

void CoverageHeatmapView::resizeEvent(QResizeEvent* event)
{
    PlotView::resizeEvent(event);
    if ((event->oldSize().width() >= kHintMinWidthPx) != (width() >= kHintMinWidthPx))
        updateNote();
}

void CoverageHeatmapView::onXRangeChanged(const QCPRange& range)
{
    if (m_clampingRange)
        return;
    const double low = -0.5;
    const double high = double(std::max(m_data.neuronCount(), 1)) - 0.5;
    const double minWidth = std::min(4.0, high - low);
    QCPRange clamped = range;
    if (clamped.size() > high - low)
        clamped = QCPRange(low, high);
    if (clamped.size() < minWidth) {
        const double centre = clamped.center();
        clamped = QCPRange(centre - minWidth / 2, centre + minWidth / 2);
    }
    if (clamped.lower < low)
        clamped += low - clamped.lower;
    if (clamped.upper > high)
        clamped -= clamped.upper - high;
    if (clamped.lower != range.lower || clamped.upper != range.upper) {
        m_clampingRange = true;
        plot()->xAxis->setRange(clamped);
        m_clampingRange = false;
    }
    updateNote();
}

bool CoverageHeatmapView::cellAtPixel(const QPointF& pixel, int* position, double* state) const
{
    if (m_data.neuronCount() == 0 || !plot()->axisRect()->rect().contains(pixel.toPoint()))
        return false;
    const double x = plot()->xAxis->pixelToCoord(pixel.x());
    const double y = plot()->yAxis->pixelToCoord(pixel.y());
    const long column = std::lround(x);
    if (column < 0 || column >= m_data.neuronCount() || !(y >= m_data.stateMin) || !(y < m_data.stateMax))
        return false;
    *position = int(column);
    *state = y;
    return true;
}

void CoverageHeatmapView::onMouseMove(QMouseEvent* event)
{
    if (event->buttons() != Qt::NoButton)
        return;
    int position = -1;
    double state = 0.0;
    if (cellAtPixel(event->position(), &position, &state))
        QToolTip::showText(event->globalPosition().toPoint(), hoverText(position, state), plot());
    else if (m_colourScale->outerRect().contains(event->position().toPoint()))
        QToolTip::showText(event->globalPosition().toPoint(), NacTerms::phi() + QLatin1Char('\n') + NacTerms::minActivated(), plot());
    else
        QToolTip::hideText();
}

void CoverageHeatmapView::onMousePress(QMouseEvent* event)
{
    m_pressed = event->button() == Qt::LeftButton;
    m_pressPixel = event->position();
}

void CoverageHeatmapView::onMouseRelease(QMouseEvent* event)
{
    if (!m_pressed || event->button() != Qt::LeftButton)
        return;
    m_pressed = false;
    if ((event->position() - m_pressPixel).manhattanLength() > QApplication::startDragDistance())
        return;  // a drag that scrolled the view, not a click
    int position = -1;
    double state = 0.0;
    if (cellAtPixel(event->position(), &position, &state))
        Q_EMIT neuronClicked(m_data.neuronOrder[std::size_t(position)]);
}

}  // namespace nac::widgets
