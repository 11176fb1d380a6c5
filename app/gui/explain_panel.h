// ExplainPanel: a gallery of scored images (sorted by NAC-UE, filtered by verdict, class and
// set) and, for the selected one, its coverage map over the image, the fit images nearest to it
// in state space, and NAC's steps with its real numbers (teaching mode).
#pragma once

#include "app/gui/app_types.h"
#include "app/gui/gallery_model.h"
#include "app/gui/image_explainer.h"

#include <QColor>
#include <QImage>
#include <QString>
#include <QWidget>

#include <limits>
#include <memory>
#include <vector>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QListView;
class QPushButton;
class QSlider;
class QTabWidget;
class QTextBrowser;

namespace nac::app {

// Lives on the GUI thread. Never calls the engine: it asks with explainRequested and shows what
// setExplanation gives it.
class ExplainPanel : public QWidget {
    Q_OBJECT
public:
    explicit ExplainPanel(QWidget* parent = nullptr);
    ~ExplainPanel() override;

    // Replaces every item of one set (setName) with items; other sets stay. Empty items removes the set.
    void setSetItems(const QString& setName, std::vector<GalleryItem> items);
    // New scores for one set's items, in the order setSetItems gave them (missing ones: unscored).
    // Thumbnails and the selection stay; the gallery re-sorts.
    void setSetScores(const QString& setName, const std::vector<double>& scores);
    // The set the dropped, pasted and Ctrl+I images form ("dropped").
    static QString droppedSetName();
    // Set names in the gallery, in order of arrival.
    QStringList setNames() const;
    // Between beginUpdate and endUpdate the gallery is sorted and filtered once, at endUpdate.
    void beginUpdate() { ++m_updateDepth; }
    void endUpdate();
    // The preprocessing of the model: set images' thumbnails are shown as the model sees them.
    void setInputSpec(const nac::engine::InputSpec& spec);
    // Dropped/scored images: rows arrive first, scores later (as for the score list).
    void addScoredImages(const ScoredImages& images);
    void setDroppedScores(const std::shared_ptr<const DroppedScores>& scores);
    void clearDropped();
    void setThreshold(double threshold);   // NaN: no verdicts
    void setLayers(const QStringList& layers);
    void setExplanation(const std::shared_ptr<const ImageExplanation>& explanation);

    enum class Sort { MostOodFirst = 1, MostCoveredFirst };

    // Teaching mode: NAC's steps for the explained neuron, one at a time (Previous / Next), or
    // all at once ("Show all"). Each step shown one at a time is announced by teachingStepShown.
    enum class TeachingStep { LayerOutput = 1, Gradient, State, Bin, Count, Phi, LayerMean, Score, Verdict };
    static constexpr int kTeachingStepCount = 9;
    static QString stepTitle(TeachingStep step);   // "the state"
    // 1..kTeachingStepCount (clamped); shows it when one step at a time is on.
    void setTeachingStep(int step);
    int teachingStep() const { return m_step; }
    void setShowAllSteps(bool all);
    bool showAllSteps() const;
    // Announces the current step again (teachingStepShown), e.g. when the tab shows again; nothing
    // while "Show all" is on or without an explanation.
    void announceStep();
    // Asks again for the selected image's explanation (after a parameter change: its bins, Phi,
    // map and steps follow the new O, M and alpha); the step shown stays. False when none is selected.
    bool refresh();
    // Selects the gallery image of a scored image (sampleIndex), clearing the filters that hide
    // it; false when the gallery has no such image. Its explanation is then requested.
    bool selectSample(int sampleIndex);

    // --- seams ---
    QListView* gallery() const { return m_gallery; }
    GalleryModel* galleryModel() const { return m_model; }
    // Makes the gallery's row current (as a click does); false when the row does not exist.
    bool selectRow(int row);
    int selectedItem() const;  // index into items() of the selected image, -1 when none
    QComboBox* sortBox() const { return m_sort; }
    QComboBox* verdictFilter() const { return m_verdict; }
    QComboBox* classFilter() const { return m_class; }
    QComboBox* setFilter() const { return m_set; }
    QComboBox* layerBox() const { return m_layer; }
    QSlider* opacitySlider() const { return m_opacity; }
    QDoubleSpinBox* phiBox() const { return m_phi; }
    const std::vector<GalleryItem>& items() const;
    // Indices into items() in the order the gallery shows them.
    std::vector<int> shownItems() const;
    std::shared_ptr<const ImageExplanation> explanation() const { return m_explanation; }
    QImage overlayImage() const { return m_overlay; }  // image with the map, at the image's size
    QString stepsText() const;             // the steps as shown (plain text)
    QString stepText(int step) const;      // one step's full text (plain), "" without an explanation
    QString stepCounterText() const;       // "Step 3 of 9: the state"
    QPushButton* previousStepButton() const { return m_previousStep; }
    QPushButton* nextStepButton() const { return m_nextStep; }
    QPushButton* showAllButton() const { return m_showAll; }
    QString neighboursText() const;
    // Side-by-side comparison: the pinned explanation (Pin button) against the current one.
    QPushButton* pinButton() const { return m_pin; }
    std::shared_ptr<const ImageExplanation> pinned() const { return m_pinned; }
    QString comparisonText() const;      // "" until an image is pinned
    QTabWidget* lowerTabs() const { return m_lowerTabs; }
    int pendingRequest() const { return m_requestId; }
    // The colour of a map value v in [0, 1] (black-red-yellow-white, as in the heatmap).
    static QColor mapColour(double v);
    // The image with the map drawn over it: colour mapColour(map / max), opacity * (map / max).
    static QImage composeOverlay(const QImage& image, const std::vector<float>& imageMap, float maxValue, double opacity);

Q_SIGNALS:
    void explainRequested(const nac::app::ExplainRequest& request);
    // An explanation is on screen: its image (dropped image's sample index, -1 for a set's image),
    // layer and the neuron whose steps are listed.
    void explanationShown(int sampleIndex, int layer, int neuron);
    // One step at a time: step (a TeachingStep) of the explanation of sampleIndex is on screen,
    // about neuron of layer, its bin (-1: none) and the image's NAC-UE score.
    void teachingStepShown(int step, int sampleIndex, int layer, int neuron, int bin, double score);
    // No step to point at any more: "Show all", another image selected, an error, or cleared.
    void teachingCleared();

private:
    void rebuildGallery();
    void clearSelection();
    void onCurrentRowChanged(int row);
    void rebuildFilters();
    void requestExplanation();
    void renderOverlay();
    void showSteps();
    QString stepHtml(TeachingStep step, bool summaryOnly) const;
    void showNeighbours();
    void showComparison();
    bool isOod(const GalleryItem& item) const;
    bool isSelected(const GalleryItem& item) const;

    GalleryModel* m_model = nullptr;                 // owns the items
    std::vector<ScoredItem> m_dropped;               // in ScoredItem::sampleIndex order of arrival
    std::shared_ptr<const DroppedScores> m_droppedScores;
    double m_threshold = std::numeric_limits<double>::quiet_NaN();  // also the model's
    std::shared_ptr<const ImageExplanation> m_explanation;
    QImage m_overlay;
    std::shared_ptr<const ImageExplanation> m_pinned;
    QString m_pinnedName;
    int m_requestId = 0;
    // The selected image: key() survives re-sorting and score updates; sample/identity are what
    // the worker is asked about, name what the comparison calls it.
    QString m_selectedKey;
    QString m_selectedSet;
    int m_selectedSample = -1;
    QString m_selectedIdentity;
    QString m_selectedName;
    QString m_explainedName;
    int m_updateDepth = 0;
    bool m_rebuildWanted = false;
    bool m_filtersWanted = false;
    bool m_restoringSelection = false;
    int m_step = 1;
    QString m_stepKey;       // the image whose steps m_step counts; another image starts at step 1
    QString m_requestedKey;  // the image the newest request is about

    QComboBox* m_sort = nullptr;
    QComboBox* m_verdict = nullptr;
    QComboBox* m_class = nullptr;
    QComboBox* m_set = nullptr;
    QListView* m_gallery = nullptr;
    QLabel* m_galleryCount = nullptr;
    QComboBox* m_layer = nullptr;
    QDoubleSpinBox* m_phi = nullptr;
    QSlider* m_opacity = nullptr;
    QLabel* m_overlayLabel = nullptr;
    QLabel* m_mapSummary = nullptr;
    QWidget* m_neighbourRow = nullptr;
    QLabel* m_neighbourCaption = nullptr;
    QTextBrowser* m_steps = nullptr;
    QLabel* m_stepCounter = nullptr;
    QPushButton* m_previousStep = nullptr;
    QPushButton* m_nextStep = nullptr;
    QPushButton* m_showAll = nullptr;
    QPushButton* m_pin = nullptr;
    QLabel* m_pinnedOverlay = nullptr;
    QLabel* m_comparison = nullptr;
    QTabWidget* m_lowerTabs = nullptr;  // steps | side by side
};

}  // namespace nac::app
