// Heatmap of one layer's coverage: neurons along x, neuron state along y at true bin widths, colour = Phi or count.
#pragma once

#include "engine/coverage_profile.h"
#include "widgets/plot_view.h"

#include <QPointF>
#include <QString>
#include <QVector>

#include <memory>
#include <vector>

class QComboBox;
class QLabel;
class QMouseEvent;
class QCPColorMap;
class QCPColorScale;
class QCPGraph;
class QCPItemRect;
class QCPRange;
class QCPTextElement;

namespace nac::widgets {

// Lives on the GUI thread. The y axis shows states 0..1.01 (the live bins; the reference's last
// bin [1.01, 1.2) is never reached by a sigmoid). Because the reference bins are non-uniform
// (dense near 0.5), the view rasterises y into rowCount() equal rows (at least 512, more when
// the narrowest bin needs it, capped at 4096) and each row shows the bin holding the state at
// the row's centre, so every bin appears at its true height (to within one row, 1.01/rowCount()
// of state: a state that close to a bin edge may be drawn in the neighbouring bin's row; the
// hover text uses the exact state). Columns are neurons in the order
// given to setLayer(); at most kInitialVisibleNeurons are shown at first, the wheel zooms and a
// drag scrolls horizontally.
class CoverageHeatmapView : public PlotView {
    Q_OBJECT
public:
    enum class ColourMode {
        Phi = 1,  // Phi = min(count / O, 1): 1 = fully covered bin
        Count,    // raw number of fit samples in the bin
    };
    Q_ENUM(ColourMode)

    static constexpr int kInitialVisibleNeurons = 128;
    static constexpr int kMinRows = 512;
    static constexpr int kMaxRows = 4096;

    // What the view draws, derived from setLayer()'s arguments (the seam tests check).
    struct HeatmapData {
        QString layerName;
        nac::engine::LayerCoverage coverage;
        std::vector<int> neuronOrder;       // display position -> neuron index
        std::vector<int> positionOfNeuron;  // neuron index -> display position
        std::vector<int> rowBin;            // row -> bin index, -1 when the row is in no bin
        ColourMode mode = ColourMode::Phi;
        double stateMin = 0.0;
        double stateMax = 1.01;
        double colourMax = 1.0;             // top of the colour scale (1 for Phi, the largest count otherwise)

        int neuronCount() const { return int(neuronOrder.size()); }
        int rowCount() const { return int(rowBin.size()); }
        double rowHeight() const;
        double rowCentre(int row) const;
        int rowOfState(double state) const;          // -1 outside [stateMin, stateMax)
        int binOfState(double state) const;          // the exact bin of a state, -1 when in none
        double valueAt(int position, int row) const; // Phi or count shown there; NaN when in no bin
    };

    explicit CoverageHeatmapView(QWidget* parent = nullptr);
    ~CoverageHeatmapView() override;

    // Shows coverage of layer name. neuronOrder lists neuron indices left to right (a permutation
    // of 0..neuronCount-1; empty: natural order); orderDescription names the sort ("coverage
    // area") for the axis label. Calling it again for the same layer and size keeps the zoom.
    void setLayer(const QString& name, const nac::engine::LayerCoverage& coverage,
                  std::vector<int> neuronOrder = {}, const QString& orderDescription = QString());
    void clear();

    void setColourMode(ColourMode mode);
    ColourMode colourMode() const { return m_data.mode; }

    // Overlays states of dropped images: x = neuron index (not display position), y = state.
    // Markers of neurons outside the layer are ignored.
    void setMarkers(const QVector<QPointF>& neuronAndState);

    // Teaching mode: outlines the cell (neuron index, bin) in PlotStyle::highlightColour() and
    // scrolls it into view; (-1, -1) removes the outline. It stays while the same layer is shown
    // (also after a parameter change re-bins it); setLayer() for another layer or clear() removes it.
    void highlightCell(int neuron, int bin);
    void clearHighlight() { highlightCell(-1, -1); }

    // --- seams for tests and the app ---
    const HeatmapData& heatmapData() const { return m_data; }
    QVector<QPointF> markerPositions() const;  // (display position, state) as drawn
    int highlightedNeuron() const { return m_highlightNeuron; }  // -1 when no cell is outlined
    int highlightedBin() const { return m_highlightBin; }
    // The outline as drawn, in plot coordinates (x: display positions, y: state); null when hidden.
    QRectF highlightRect() const;
    // The hover tooltip for the cell at display position and state.
    QString hoverText(int position, double state) const;
    // Pixel in plotWidget() coordinates of the centre of display position at state.
    QPoint pixelFor(int position, double state);
    // Shown x range in display positions (cell centres are integers).
    double visibleFrom() const;
    double visibleTo() const;
    QString noteText() const;
    QString titleText() const;  // the plot's title ("Fit to see coverage" before a fit)
    QString xAxisLabel() const;
    QString yAxisLabel() const;
    QString colourScaleLabel() const;

Q_SIGNALS:
    void neuronClicked(int neuron);
    void colourModeChanged(nac::widgets::CoverageHeatmapView::ColourMode mode);

protected:
    void applyPalette() override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void rebuildColourMap();
    void updateLabels();
    void updateNote();
    void updateHighlight();
    void onMouseMove(QMouseEvent* event);
    void onMousePress(QMouseEvent* event);
    void onMouseRelease(QMouseEvent* event);
    void onXRangeChanged(const QCPRange& range);
    bool cellAtPixel(const QPointF& pixel, int* position, double* state) const;

    HeatmapData m_data;
    QString m_orderDescription;
    QVector<QPointF> m_markers;  // as given: (neuron, state)
    QPointF m_pressPixel;
    bool m_pressed = false;
    bool m_clampingRange = false;

    QLabel* m_note = nullptr;
    QComboBox* m_modeCombo = nullptr;
    QCPColorMap* m_colourMap = nullptr;
    QCPColorScale* m_colourScale = nullptr;
    QCPGraph* m_markerGraph = nullptr;
    int m_highlightNeuron = -1;
    int m_highlightBin = -1;
    QCPItemRect* m_highlightHalo = nullptr;
    QCPItemRect* m_highlightColumn = nullptr;  // a thin outline of the whole column: leads the eye to a thin bin
    QCPItemRect* m_highlightRect = nullptr;
    QCPTextElement* m_title = nullptr;
    std::shared_ptr<std::vector<int>> m_tickOrder;  // shared with the x axis ticker
};

}  // namespace nac::widgets
