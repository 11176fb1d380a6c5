// Histogram of one neuron's fit-sample states at true bin widths, with the O line and where dropped images fall.
#pragma once

#include "widgets/plot_view.h"

#include <QString>

#include <cstdint>
#include <vector>

class QMouseEvent;
class QCPGraph;
class QCPItemLine;
class QCPItemRect;
class QCPItemStraightLine;
class QCPItemText;
class QCPTextElement;

namespace nac::widgets {

// Lives on the GUI thread. Each bin is drawn as a step from its left to its right edge, so the
// narrow reference bins near 0.5 look narrow; bins with count >= O (Phi = 1) are filled in a
// stronger colour than under-covered ones. The x axis shows states 0..1.01 (wheel zooms, drag scrolls).
class NeuronHistogramView : public PlotView {
    Q_OBJECT
public:
    struct Bar {
        double left = 0.0;       // bin [left, right)
        double right = 0.0;
        std::uint32_t count = 0; // fit samples in the bin
        double phi = 0.0;        // min(count / O, 1)
    };

    explicit NeuronHistogramView(QWidget* parent = nullptr);
    ~NeuronHistogramView() override;

    // edges: the M bin edges (ascending); counts: one per bin (edges.size() - 1) for this neuron;
    // minActivated: O (the paper's r); droppedStates: states of dropped images for this neuron.
    void setNeuron(const QString& layer, int neuron, std::vector<double> edges, std::vector<std::uint32_t> counts,
                   double minActivated, std::vector<float> droppedStates = {});
    void setDroppedStates(std::vector<float> droppedStates);
    // The dropped image shown prominently (index into droppedStates; -1: none); label names it.
    void setSelectedDropped(int index, const QString& label = QString());
    void clear();

    // Teaching mode: a thick line in PlotStyle::highlightColour() at the explained image's state
    // (NaN: none) and an outline around one bin's bar (-1: none). They stay while the same layer
    // and neuron are shown; setNeuron() for another neuron, clear() or clearHighlights() removes them.
    void highlightState(double state, const QString& label = QString());
    void highlightBin(int bin);
    void clearHighlights();

    // --- seams ---
    double highlightedState() const { return m_highlightState; }  // NaN when none
    int highlightedBin() const { return m_highlightBin; }        // -1 when none
    QString highlightLabel() const;                               // the state line's label ("" when none)
    // Pixel in plot() coordinates of (state, count), after an immediate replot.
    QPoint pixelFor(double state, double count);
    const std::vector<Bar>& bars() const { return m_bars; }
    QString layer() const { return m_layer; }
    int neuron() const { return m_neuron; }
    double minActivated() const { return m_minActivated; }
    double minActivatedLineValue() const;  // y of the drawn O line
    QString minActivatedLabel() const;     // "O (r) = 50"
    const std::vector<float>& droppedStates() const { return m_droppedStates; }
    std::vector<double> droppedStateLinePositions() const;  // x of the faded ticks of the other dropped images
    double selectedStateLinePosition() const;              // x of the selected image's line, NaN when none
    QString droppedLabel() const;                          // the dropped images' label ("" when hidden)
    QString hoverText(double state) const;

protected:
    void applyPalette() override;

private:
    void rebuild();
    void rebuildDroppedLines();
    void updateHighlights();
    void onMouseMove(QMouseEvent* event);

    QString m_layer;
    int m_neuron = -1;
    std::vector<Bar> m_bars;
    double m_minActivated = 0.0;
    std::vector<float> m_droppedStates;

    QCPTextElement* m_title = nullptr;
    QCPGraph* m_covered = nullptr;
    QCPGraph* m_underCovered = nullptr;
    QCPItemStraightLine* m_oLine = nullptr;
    QString m_oLabel;  // shown as the right axis' tick label at y = O, where it never overlaps the bars
    std::vector<QCPItemLine*> m_droppedLines;
    QCPItemStraightLine* m_selectedLine = nullptr;
    int m_selectedIndex = -1;
    QString m_selectedLabel;
    QCPItemText* m_droppedText = nullptr;
    double m_highlightState;
    QString m_highlightStateLabel;
    int m_highlightBin = -1;
    QCPItemStraightLine* m_stateHalo = nullptr;
    QCPItemStraightLine* m_stateLine = nullptr;
    QCPItemText* m_stateText = nullptr;
    QCPItemRect* m_binHalo = nullptr;
    QCPItemRect* m_binRect = nullptr;
};

}  // namespace nac::widgets
