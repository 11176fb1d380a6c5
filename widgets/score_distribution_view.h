// Histograms of InD (held-out) and OOD/dropped NAC-UE scores with a draggable threshold line.
#pragma once

#include "widgets/plot_view.h"

#include <QString>

#include <limits>
#include <vector>

class QMouseEvent;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;

namespace nac::widgets {

// Lives on the GUI thread. Scores (0..1) are binned into binCount() equal bins over the range of
// the data (with a 5% margin, within [0, 1]; values outside go to the end bins); each histogram
// shows the fraction of its own set, so sets of different sizes compare. The score axis shows the
// data, the threshold and the marked image; the wheel zooms it, a right-drag pans it, a
// double-click fits it again. Press or drag (left button) in the plot to move the threshold.
// Before there are InD (held-out) scores, i.e. before a fit, there is no threshold line: the plot
// shows a prompt instead, and pressing in it moves nothing.
class ScoreDistributionView : public PlotView {
    Q_OBJECT
public:
    static constexpr int kDefaultBinCount = 50;

    struct Distribution {
        std::vector<double> edges;         // binCount + 1 edges over the data's range
        std::vector<double> indFractions;  // per bin, fraction of the InD scores
        std::vector<double> oodFractions;  // per bin, fraction of the OOD scores
        std::size_t indCount = 0;
        std::size_t oodCount = 0;
        double threshold = 0.0;
        double indKeptFraction = 0.0;      // InD scores >= threshold
        double oodFlaggedFraction = 0.0;   // OOD scores < threshold
    };

    explicit ScoreDistributionView(QWidget* parent = nullptr);
    ~ScoreDistributionView() override;

    void setIndScores(std::vector<double> scores, const QString& label = QString());
    void setOodScores(std::vector<double> scores, const QString& label = QString());
    void setBinCount(int binCount);
    // Moves the line; emits nothing (only the user's drag emits thresholdChanged).
    void setThreshold(double threshold);
    double threshold() const { return m_threshold; }
    // Marks one image's score (the selected one) with a labelled line; NaN removes the mark.
    void setMarker(double score, const QString& label = QString());
    double markerScore() const { return m_markerScore; }
    bool markerVisible() const;
    // Teaching mode: a thick line in PlotStyle::highlightColour() at one image's score (NaN: none),
    // labelled in the middle of the plot, and a glow behind the threshold line. clear() removes both.
    void highlightScore(double score, const QString& label = QString());
    void highlightThreshold(bool on);
    void clearHighlights();
    double highlightedScore() const { return m_highlightScore; }  // NaN when none
    bool thresholdHighlighted() const;                            // the glow is drawn
    QString highlightLabel() const;                               // "" when none
    void clear();

    // --- seams ---
    const Distribution& distribution() const { return m_distribution; }
    QString thresholdLabel() const;
    QPoint pixelForScore(double score, double fraction);  // plotWidget() coordinates
    double shownLower() const;   // the score axis as shown
    double shownUpper() const;
    // Whether a label lies wholly inside the plot's axis rect (after a replot).
    bool thresholdLabelInside();
    bool markerLabelInside();
    bool thresholdVisible() const;   // the line and its label are shown
    QString emptyPrompt() const;     // the prompt shown before a fit; empty when none is shown

Q_SIGNALS:
    void thresholdChanged(double threshold);

protected:
    void applyPalette() override;

private:
    void rebuild();
    void updateThresholdItems();
    void updateHighlights();
    void dataRange(double* low, double* high) const;
    void fitRangeToData();
    void placeLabels();
    void onMousePress(QMouseEvent* event);
    void onMouseMove(QMouseEvent* event);
    void onMouseRelease(QMouseEvent* event);
    void moveThresholdToPixel(double x);

    std::vector<double> m_ind;
    std::vector<double> m_ood;
    QString m_indLabel;
    QString m_oodLabel;
    int m_binCount = kDefaultBinCount;
    double m_threshold = 0.5;
    bool m_dragging = false;
    bool m_panning = false;
    bool m_userRange = false;     // the user zoomed or panned: keep the range until a double-click
    bool m_fittingRange = false;
    double m_panFromPixel = 0.0;
    double m_panFromLower = 0.0;
    double m_panFromUpper = 1.0;
    Distribution m_distribution;

    QCPGraph* m_indGraph = nullptr;
    QCPGraph* m_oodGraph = nullptr;
    QCPItemStraightLine* m_thresholdLine = nullptr;
    QCPItemText* m_thresholdText = nullptr;
    double m_markerScore = std::numeric_limits<double>::quiet_NaN();
    QString m_markerLabel;
    QCPItemStraightLine* m_markerLine = nullptr;
    QCPItemText* m_markerText = nullptr;
    QCPItemText* m_emptyText = nullptr;
    double m_highlightScore = std::numeric_limits<double>::quiet_NaN();
    QString m_highlightLabel;
    bool m_highlightThreshold = false;
    QCPItemStraightLine* m_highlightHalo = nullptr;
    QCPItemStraightLine* m_highlightLine = nullptr;
    QCPItemText* m_highlightText = nullptr;
    QCPItemStraightLine* m_thresholdGlow = nullptr;
};

}  // namespace nac::widgets
