// The scoring side of the main window: dropped images with their scores and verdicts, the InD
// score distribution with the threshold, the ROC of held-out InD against the dropped images, and
// the explanation of the selected image.
#pragma once

#include "app/gui/app_types.h"

#include <QPointF>
#include <QVector>
#include <QWidget>

#include <map>
#include <memory>
#include <optional>
#include <vector>

class QLabel;
class QPushButton;
class QSplitter;
class QTabWidget;
class QTextBrowser;

namespace nac::widgets {
class RocView;
class ScoreDistributionView;
class ScoreListView;
}  // namespace nac::widgets

namespace nac::app {

// Lives on the GUI thread. The threshold is the one that keeps 95% of the held-out InD images
// until the user drags it in the distribution; "95% InD" goes back to the automatic one.
class ScoringPanel : public QWidget {
    Q_OBJECT
public:
    explicit ScoringPanel(QWidget* parent = nullptr);
    ~ScoringPanel() override;

    void setSnapshot(std::shared_ptr<const ProfileSnapshot> snapshot);
    void addImages(const ScoredImages& images);
    void setDroppedScores(std::shared_ptr<const DroppedScores> scores);
    // Sets the threshold as if the user had dragged it (NaN: back to automatic).
    void setManualThreshold(double threshold);
    void clear();

    // The weakly covered neurons (Phi < kWeakPhi) of the sample, per layer: (neuron, state).
    std::vector<QVector<QPointF>> weakNeuronMarkers(int sampleIndex) const;
    QString explanationText(int sampleIndex) const;

    // --- seams ---
    nac::widgets::ScoreListView* list() const { return m_list; }
    nac::widgets::ScoreDistributionView* distribution() const { return m_distribution; }
    // ROC tab: the held-out InD images against every scored dropped image, for NAC-UE and the
    // baselines (curves are empty until there are both).
    nac::widgets::RocView* rocView() const { return m_roc; }
    QString rocSummary() const;
    QTabWidget* plotTabs() const { return m_plotTabs; }
    QSplitter* splitter() const { return m_splitter; }
    double threshold() const { return m_threshold; }
    bool thresholdIsManual() const { return m_manualThreshold.has_value(); }
    int selectedSample() const { return m_selectedSample; }
    QString thresholdText() const;
    QString explanationShown() const;
    std::shared_ptr<const DroppedScores> droppedScores() const { return m_scores; }

Q_SIGNALS:
    // The selected image changed: its sample index, or -1 (none, or an image that was not scored).
    void sampleSelected(int sampleIndex);
    // The threshold of the score distribution changed (automatic or dragged; NaN: none).
    void thresholdChanged(double threshold);

private:
    void applyThreshold();
    void onRowSelected(int row);
    void refreshExplanation();
    void refreshRoc();
    void refreshDroppedDistribution();
    // The dropped images' sample indices on each side of the ROC (the user's "ROC as" choice),
    // each file once, removed rows left out.
    struct RocSides {
        std::vector<std::size_t> ind;
        std::vector<std::size_t> ood;
        int duplicates = 0;
    };
    RocSides rocSides() const;

    std::shared_ptr<const ProfileSnapshot> m_snapshot;
    std::shared_ptr<const DroppedScores> m_scores;
    std::optional<double> m_manualThreshold;
    double m_threshold = std::numeric_limits<double>::quiet_NaN();
    int m_selectedSample = -1;
    std::map<int, QString> m_names;  // sampleIndex -> file name

    QLabel* m_hint = nullptr;
    nac::widgets::ScoreListView* m_list = nullptr;
    nac::widgets::ScoreDistributionView* m_distribution = nullptr;
    QLabel* m_thresholdLabel = nullptr;
    QPushButton* m_autoThreshold = nullptr;
    QTextBrowser* m_explanation = nullptr;
    nac::widgets::RocView* m_roc = nullptr;
    QLabel* m_rocLabel = nullptr;
    QTabWidget* m_plotTabs = nullptr;
    QSplitter* m_splitter = nullptr;
};

}  // namespace nac::app
