// CoveragePanel: feeds the heatmap and histogram views from profile snapshots.
#include "app/gui/coverage_panel.h"

#include "widgets/coverage_heatmap_view.h"
#include "widgets/nac_terms.h"
#include "widgets/plot_style.h"
#include "widgets/neuron_histogram_view.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace nac::app {

using nac::widgets::CoverageHeatmapView;
using nac::widgets::NeuronHistogramView;

namespace {

constexpr int kSummaryRowsShown = 6;

QString paramsText(const nac::engine::LayerParams& params)
{
    return QStringLiteral("M %1 · O %2 · α %3%4")
        .arg(params.binEdgeCount)
        .arg(QString::number(params.minActivated, 'g', 4))
        .arg(QString::number(params.alpha, 'g', 4))
        .arg(params.scheme == nac::engine::BinScheme::Linear ? QStringLiteral(" · linear") : QString());
}

QTableWidgetItem* readOnlyItem(const QString& text, const QString& toolTip = QString())
{
    auto* item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    if (!toolTip.isEmpty())
        item->setToolTip(toolTip);
    return item;
}

}  // namespace

CoveragePanel::CoveragePanel(QWidget* parent)
    : QWidget(parent)
{
    m_summary = new QTableWidget(0, SummaryColumnCount, this);
    m_summary->setObjectName(QStringLiteral("layerSummary"));
    m_summary->setHorizontalHeaderLabels(
        {tr("Layer"), tr("Neurons"), tr("Parameters"), tr("Coverage area G"), tr("Share of score")});
    m_summary->horizontalHeaderItem(ParamsColumn)->setToolTip(nac::widgets::NacTerms::all());
    m_summary->horizontalHeaderItem(AreaColumn)->setToolTip(
        tr("Coverage area G (NAC-ME): mean over neurons of Σ_k Φ / M. 1 would mean every bin of every neuron is "
           "fully covered; larger G usually means a model that generalises better."));
    m_summary->horizontalHeaderItem(ShareColumn)->setToolTip(
        tr("The layer's part of the NAC-UE score: its mean score on the held-out InD images (the fit images "
           "while the fit runs), divided by the sum over layers. NAC-UE averages the layers with equal weight."));
    m_summary->verticalHeader()->setVisible(false);
    m_summary->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_summary->setSelectionMode(QAbstractItemView::SingleSelection);
    m_summary->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_summary->horizontalHeader()->setStretchLastSection(true);
    m_summary->horizontalHeader()->setSectionResizeMode(LayerColumn, QHeaderView::ResizeToContents);
    m_summary->horizontalHeader()->setSectionResizeMode(NeuronsColumn, QHeaderView::ResizeToContents);
    m_summary->horizontalHeader()->setSectionResizeMode(ParamsColumn, QHeaderView::ResizeToContents);
    m_summary->horizontalHeader()->setSectionResizeMode(AreaColumn, QHeaderView::ResizeToContents);
    m_summary->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);

    m_orderCombo = new QComboBox(this);
    m_orderCombo->setObjectName(QStringLiteral("neuronOrderCombo"));
    m_orderCombo->addItem(tr("neuron index"), int(NeuronOrder::Index));
    m_orderCombo->addItem(tr("coverage area (most covered first)"), int(NeuronOrder::CoverageArea));
    m_orderCombo->addItem(tr("how often it fires (state > 0.5)"), int(NeuronOrder::FiringShare));
    m_orderCombo->setToolTip(tr("Order of the neurons along the heatmap's x axis. Coverage area of a neuron: "
                                "Σ_k Φ / M. Firing share: fit images whose state ẑ = sigmoid(α·z·∂KL/∂z) "
                                "is above 0.5, i.e. z·∂KL/∂z > 0."));

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("coverageTabs"));
    m_tabs->setDocumentMode(true);
    m_histogram = new NeuronHistogramView(this);
    m_histogram->setObjectName(QStringLiteral("neuronHistogram"));

    auto* top = new QWidget(this);
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addWidget(m_summary);

    auto* middle = new QWidget(this);
    auto* middleLayout = new QVBoxLayout(middle);
    middleLayout->setContentsMargins(0, 0, 0, 0);
    auto* orderRow = new QHBoxLayout;
    auto* orderLabel = new QLabel(tr("Sort neurons by:"), this);
    orderLabel->setBuddy(m_orderCombo);
    orderRow->addWidget(orderLabel);
    orderRow->addWidget(m_orderCombo);
    orderRow->addStretch(1);
    middleLayout->addLayout(orderRow);
    middleLayout->addWidget(m_tabs, 1);

    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->setObjectName(QStringLiteral("coverageSplitter"));
    m_splitter->addWidget(top);
    m_splitter->addWidget(middle);
    m_splitter->addWidget(m_histogram);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 3);
    m_splitter->setStretchFactor(2, 2);
    m_splitter->setSizes({100, 600, 260});
    m_splitter->setChildrenCollapsible(false);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_splitter);

    connect(m_orderCombo, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int index) {
        setNeuronOrder(NeuronOrder(m_orderCombo->itemData(index).toInt()));
    });
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int layer) {
        if (layer >= 0 && std::size_t(layer) < m_dirty.size() && m_dirty[std::size_t(layer)])
            refreshHeatmap(layer);
        if (layer >= 0 && m_summary->currentRow() != layer) {
            const QSignalBlocker blocker(m_summary);
            m_summary->selectRow(layer);
        }
        Q_EMIT currentLayerChanged(layer);
    });
    connect(m_summary, &QTableWidget::currentCellChanged, this, [this](int row, int, int, int) {
        if (row >= 0 && row < m_tabs->count())
            m_tabs->setCurrentIndex(row);
    });
    clear();
}

CoveragePanel::~CoveragePanel() = default;

void CoveragePanel::clear()
{
    m_snapshot.reset();
    m_dropped.reset();
    m_markers.clear();
    m_histogramLayer = -1;
    m_histogramNeuron = -1;
    m_highlightLayer = -1;
    rebuildTabs();
    m_summary->setRowCount(0);
    m_histogram->clear();
}

int CoveragePanel::currentLayer() const
{
    return m_tabs->currentIndex();
}

CoverageHeatmapView* CoveragePanel::heatmap(int layer) const
{
    return layer >= 0 && std::size_t(layer) < m_heatmaps.size() ? m_heatmaps[std::size_t(layer)] : nullptr;
}

void CoveragePanel::setCurrentLayer(int layer)
{
    if (layer >= 0 && layer < m_tabs->count())
        m_tabs->setCurrentIndex(layer);
}

void CoveragePanel::setSnapshot(std::shared_ptr<const ProfileSnapshot> snapshot)
{
    const QStringList before = m_snapshot ? m_snapshot->layerNames() : QStringList();
    m_snapshot = std::move(snapshot);
    const QStringList after = m_snapshot ? m_snapshot->layerNames() : QStringList();
    if (before != after) {
        m_markers.assign(std::size_t(after.size()), {});
        m_histogramLayer = -1;
        m_histogramNeuron = -1;
        m_histogram->clear();
        rebuildTabs();
    }
    m_dirty.assign(m_heatmaps.size(), true);
    refreshHeatmap(currentLayer());
    refreshSummary();
    refreshHistogram();
}

void CoveragePanel::setDroppedScores(std::shared_ptr<const DroppedScores> scores)
{
    m_dropped = std::move(scores);
    if (m_histogramLayer >= 0)
        m_histogram->setDroppedStates(droppedStatesFor(m_histogramLayer, m_histogramNeuron));
}

void CoveragePanel::setSelectedSample(int sampleIndex, const QString& name)
{
    // Dropped states are listed in sample order (droppedStatesFor), so the index is the sample's.
    m_histogram->setSelectedDropped(sampleIndex, name);
}

void CoveragePanel::setMarkers(std::vector<QVector<QPointF>> markersPerLayer)
{
    m_markers = std::move(markersPerLayer);
    m_markers.resize(m_heatmaps.size());
    for (std::size_t l = 0; l < m_heatmaps.size(); ++l)
        m_heatmaps[l]->setMarkers(m_markers[l]);
}

void CoveragePanel::setNeuronOrder(NeuronOrder order)
{
    if (order != m_order) {
        m_order = order;
        const QSignalBlocker blocker(m_orderCombo);
        m_orderCombo->setCurrentIndex(m_orderCombo->findData(int(order)));
    }
    m_dirty.assign(m_heatmaps.size(), true);
    refreshHeatmap(currentLayer());
}

std::vector<int> CoveragePanel::orderFor(int layer) const
{
    if (!m_snapshot || layer < 0 || std::size_t(layer) >= m_snapshot->layers.size())
        return {};
    const LayerSnapshot& snapshot = m_snapshot->layers[std::size_t(layer)];
    std::vector<int> order(std::size_t(snapshot.coverage.neuronCount));
    std::iota(order.begin(), order.end(), 0);
    const std::vector<float>* key = nullptr;
    if (m_order == NeuronOrder::CoverageArea)
        key = &snapshot.neuronArea;
    else if (m_order == NeuronOrder::FiringShare)
        key = &snapshot.firingFraction;
    if (key && key->size() == order.size())
        std::stable_sort(order.begin(), order.end(), [key](int a, int b) { return (*key)[std::size_t(a)] > (*key)[std::size_t(b)]; });
    return order;
}

void CoveragePanel::rebuildTabs()
{
    const int previous = m_tabs->currentIndex();
    const QSignalBlocker blocker(m_tabs);
    while (m_tabs->count() > 0) {
        QWidget* page = m_tabs->widget(0);
        m_tabs->removeTab(0);
        page->deleteLater();
    }
    m_heatmaps.clear();
    if (!m_snapshot) {
        m_dirty.clear();
        return;
    }
    for (std::size_t l = 0; l < m_snapshot->layers.size(); ++l) {
        auto* view = new CoverageHeatmapView(m_tabs);
        view->setObjectName(QStringLiteral("heatmap_%1").arg(l));
        const int layer = int(l);
        connect(view, &CoverageHeatmapView::neuronClicked, this, [this, layer](int neuron) { showNeuron(layer, neuron); });
        connect(view, &CoverageHeatmapView::colourModeChanged, this, [this](CoverageHeatmapView::ColourMode mode) {
            for (CoverageHeatmapView* other : m_heatmaps)
                if (other->colourMode() != mode)
                    other->setColourMode(mode);
        });
        if (!m_heatmaps.empty())
            view->setColourMode(m_heatmaps.front()->colourMode());
        m_heatmaps.push_back(view);
        const QString name = QString::fromStdString(m_snapshot->layers[l].info.name);
        m_tabs->addTab(view, name);
        m_tabs->setTabToolTip(int(l), tr("Coverage of %1: neurons along x, state bins along y").arg(name));
    }
    m_dirty.assign(m_heatmaps.size(), true);
    m_markers.resize(m_heatmaps.size());
    if (previous >= 0 && previous < m_tabs->count())
        m_tabs->setCurrentIndex(previous);
}

void CoveragePanel::refreshHeatmap(int layer)
{
    if (!m_snapshot || layer < 0 || std::size_t(layer) >= m_heatmaps.size() || std::size_t(layer) >= m_snapshot->layers.size())
        return;
    QElapsedTimer timer;
    timer.start();
    const LayerSnapshot& snapshot = m_snapshot->layers[std::size_t(layer)];
    QString description;
    if (m_order == NeuronOrder::CoverageArea)
        description = tr("coverage area");
    else if (m_order == NeuronOrder::FiringShare)
        description = tr("firing share");
    CoverageHeatmapView* view = m_heatmaps[std::size_t(layer)];
    view->setLayer(QString::fromStdString(snapshot.info.name), snapshot.coverage,
                   m_order == NeuronOrder::Index ? std::vector<int>() : orderFor(layer), description);
    if (std::size_t(layer) < m_markers.size())
        view->setMarkers(m_markers[std::size_t(layer)]);
    m_dirty[std::size_t(layer)] = false;
    m_lastRedrawMs = double(timer.nsecsElapsed()) / 1e6;
}

void CoveragePanel::refreshSummary()
{
    if (!m_snapshot) {
        m_summary->setRowCount(0);
        return;
    }
    const QSignalBlocker blocker(m_summary);
    const int rows = int(m_snapshot->layers.size());
    m_summary->setRowCount(rows);
    for (int l = 0; l < rows; ++l) {
        const LayerSnapshot& layer = m_snapshot->layers[std::size_t(l)];
        const QString name = QString::fromStdString(layer.info.name);
        m_summary->setItem(l, LayerColumn, readOnlyItem(name));
        m_summary->setItem(l, NeuronsColumn, readOnlyItem(QString::number(layer.coverage.neuronCount)));
        QString paramsTip = tr("Defaults from the model: %1").arg(paramsText(layer.defaults));
        m_summary->setItem(l, ParamsColumn, readOnlyItem(paramsText(layer.coverage.params), paramsTip));
        m_summary->setItem(l, AreaColumn, readOnlyItem(QString::number(layer.coverageArea, 'f', 4)));
        const QString share = std::isfinite(layer.scoreShare)
            ? tr("%1% (mean Φ %2)").arg(layer.scoreShare * 100.0, 0, 'f', 1).arg(layer.meanScore, 0, 'f', 3)
            : QStringLiteral("–");
        m_summary->setItem(l, ShareColumn, readOnlyItem(share));
    }
    const int current = currentLayer();
    if (current >= 0 && current < rows)
        m_summary->selectRow(current);
    applyLayerHighlight();
    // As tall as its rows (up to kSummaryRowsShown), so the heatmap gets the space.
    const int shown = std::clamp(rows, 1, kSummaryRowsShown);
    m_summary->setMaximumHeight(m_summary->horizontalHeader()->height() + shown * m_summary->verticalHeader()->defaultSectionSize()
                                + 2 * m_summary->frameWidth() + 2);
}

std::vector<float> CoveragePanel::droppedStatesFor(int layer, int neuron) const
{
    std::vector<float> states;
    if (!m_dropped || layer < 0 || neuron < 0)
        return states;
    for (const nac::engine::SampleExplanation& explanation : m_dropped->explanations) {
        if (std::size_t(layer) < explanation.neurons.size() && std::size_t(neuron) < explanation.neurons[std::size_t(layer)].size())
            states.push_back(explanation.neurons[std::size_t(layer)][std::size_t(neuron)].state);
    }
    return states;
}

void CoveragePanel::showNeuron(int layer, int neuron)
{
    m_histogramLayer = layer;
    m_histogramNeuron = neuron;
    refreshHistogram();
}

void CoveragePanel::highlightLayer(int layer, double imageLayerScore)
{
    m_highlightLayer = layer;
    m_highlightLayerScore = imageLayerScore;
    refreshSummary();
}

void CoveragePanel::applyLayerHighlight()
{
    const int rows = m_summary->rowCount();
    if (m_highlightLayer < 0 || m_highlightLayer >= rows)
        return;
    // The selection colour would hide the row's own background: the highlight replaces it.
    m_summary->clearSelection();
    QColor background = nac::widgets::PlotStyle::highlightColour();
    background.setAlpha(70);
    for (int column = 0; column < m_summary->columnCount(); ++column) {
        QTableWidgetItem* item = m_summary->item(m_highlightLayer, column);
        if (!item)
            continue;
        item->setBackground(background);
        QFont font = item->font();
        font.setBold(true);
        item->setFont(font);
    }
    if (std::isfinite(m_highlightLayerScore)) {
        QTableWidgetItem* share = m_summary->item(m_highlightLayer, ShareColumn);
        // The image's number first: the column is elided on narrow windows.
        share->setText(tr("this image: mean Φ %1 · %2").arg(m_highlightLayerScore, 0, 'g', 4).arg(share->text()));
        share->setToolTip(share->text());
    }
    m_summary->scrollToItem(m_summary->item(m_highlightLayer, LayerColumn));
}

void CoveragePanel::refreshHistogram()
{
    if (!m_snapshot || m_histogramLayer < 0 || std::size_t(m_histogramLayer) >= m_snapshot->layers.size())
        return;
    const LayerSnapshot& layer = m_snapshot->layers[std::size_t(m_histogramLayer)];
    const nac::engine::LayerCoverage& coverage = layer.coverage;
    if (m_histogramNeuron < 0 || m_histogramNeuron >= coverage.neuronCount)
        return;
    std::vector<std::uint32_t> counts(std::size_t(coverage.binCount()));
    for (int k = 0; k < coverage.binCount(); ++k)
        counts[std::size_t(k)] = coverage.countAt(k, m_histogramNeuron);
    m_histogram->setNeuron(QString::fromStdString(layer.info.name), m_histogramNeuron, coverage.edges, std::move(counts),
                           coverage.params.minActivated, droppedStatesFor(m_histogramLayer, m_histogramNeuron));
}

}  // namespace nac::app
