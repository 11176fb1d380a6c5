// The coverage view of the main window: per-layer summary, one heatmap per covered layer (tabs),
// neuron sorting, and the clicked neuron's histogram.
#pragma once

#include "app/gui/app_types.h"

#include <QPointF>
#include <QVector>
#include <QWidget>

#include <limits>
#include <memory>
#include <vector>

class QComboBox;
class QSplitter;
class QTabWidget;
class QTableWidget;

namespace nac::widgets {
class CoverageHeatmapView;
class NeuronHistogramView;
}  // namespace nac::widgets

namespace nac::app {

// Lives on the GUI thread. Only the visible heatmap is redrawn when a snapshot arrives; the others
// are redrawn when their tab is shown, so a fit's snapshots stay cheap for the event loop.
class CoveragePanel : public QWidget {
    Q_OBJECT
public:
    enum class NeuronOrder {
        Index = 1,
        CoverageArea,   // most covered first
        FiringShare,    // neurons that fire (state > 0.5) for most fit samples first
    };
    enum SummaryColumn {
        LayerColumn = 0,
        NeuronsColumn,
        ParamsColumn,
        AreaColumn,
        ShareColumn,
        SummaryColumnCount,
    };

    explicit CoveragePanel(QWidget* parent = nullptr);
    ~CoveragePanel() override;

    void setSnapshot(std::shared_ptr<const ProfileSnapshot> snapshot);
    void setDroppedScores(std::shared_ptr<const DroppedScores> scores);
    // Markers per layer (x = neuron index, y = state), e.g. the weak neurons of a selected image.
    void setMarkers(std::vector<QVector<QPointF>> markersPerLayer);
    // The selected dropped image (its sample index, -1: none): drawn prominently in the neuron histogram.
    void setSelectedSample(int sampleIndex, const QString& name = QString());
    void setNeuronOrder(NeuronOrder order);
    void setCurrentLayer(int layer);
    void showNeuron(int layer, int neuron);
    // Teaching mode: the summary row of layer is painted in the highlight colour, with the
    // explained image's layer score (mean Phi; NaN: none) beside the fit's; -1 removes it.
    void highlightLayer(int layer, double imageLayerScore = std::numeric_limits<double>::quiet_NaN());
    int highlightedLayer() const { return m_highlightLayer; }
    void clear();

    // --- seams ---
    int layerCount() const { return int(m_heatmaps.size()); }
    int currentLayer() const;
    nac::widgets::CoverageHeatmapView* heatmap(int layer) const;
    nac::widgets::NeuronHistogramView* histogram() const { return m_histogram; }
    QTableWidget* summaryTable() const { return m_summary; }
    QComboBox* orderCombo() const { return m_orderCombo; }
    QSplitter* splitter() const { return m_splitter; }
    NeuronOrder neuronOrder() const { return m_order; }
    std::vector<int> orderFor(int layer) const;
    double lastRedrawMs() const { return m_lastRedrawMs; }

Q_SIGNALS:
    void currentLayerChanged(int layer);

private:
    void rebuildTabs();
    void refreshHeatmap(int layer);
    void refreshSummary();
    void refreshHistogram();
    void applyLayerHighlight();
    std::vector<float> droppedStatesFor(int layer, int neuron) const;

    std::shared_ptr<const ProfileSnapshot> m_snapshot;
    std::shared_ptr<const DroppedScores> m_dropped;
    std::vector<nac::widgets::CoverageHeatmapView*> m_heatmaps;
    std::vector<bool> m_dirty;
    std::vector<QVector<QPointF>> m_markers;
    NeuronOrder m_order = NeuronOrder::Index;
    int m_histogramLayer = -1;
    int m_histogramNeuron = -1;
    int m_highlightLayer = -1;
    double m_highlightLayerScore = 0.0;
    double m_lastRedrawMs = 0.0;

    QTableWidget* m_summary = nullptr;
    QComboBox* m_orderCombo = nullptr;
    QTabWidget* m_tabs = nullptr;
    QSplitter* m_splitter = nullptr;
    nac::widgets::NeuronHistogramView* m_histogram = nullptr;
};

}  // namespace nac::app
