// ExplainPanel: gallery of scored images, coverage map overlay, nearest fit images, NAC's steps.
#include "app/gui/explain_panel.h"

#include "widgets/plot_style.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QItemSelectionModel>
#include <QListView>
#include <QPainter>
#include <QPixmap>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTabWidget>
#include <QTextBrowser>
#include <QTextDocumentFragment>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace nac::app {

namespace {
constexpr int kThumbnailPx = GalleryModel::kThumbnailPx;
constexpr int kOverlayPx = 200;
constexpr int kNeighbourPx = 50;
constexpr int kNeighbours = 6;
constexpr int kPinnedPx = 72;
const QString kDroppedSet = QStringLiteral("dropped");

QString number(double value, int digits = 4) { return QString::number(value, 'g', digits); }

// The thumbnail above its text, centred, as in an icon view; the list itself stays in list mode
// with wrapping, whose layout is linear in the rows and asks for one size hint only.
class ThumbnailDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        option->decorationPosition = QStyleOptionViewItem::Top;
        option->decorationAlignment = Qt::AlignHCenter | Qt::AlignTop;
        option->displayAlignment = Qt::AlignHCenter | Qt::AlignTop;
        option->features |= QStyleOptionViewItem::WrapText;
    }
};
// A number of the current step, emphasised in the plots' highlight colour.
QString em(const QString& text)
{
    return QStringLiteral("<b style=\"color:%1\">%2</b>").arg(nac::widgets::PlotStyle::highlightColour().darker(125).name(), text);
}
}  // namespace

ExplainPanel::ExplainPanel(QWidget* parent) : QWidget(parent)
{
    // Gallery side.
    m_sort = new QComboBox(this);
    m_sort->setObjectName(QStringLiteral("gallerySort"));
    m_sort->addItem(tr("Most OOD first"), int(Sort::MostOodFirst));
    m_sort->addItem(tr("Most covered first"), int(Sort::MostCoveredFirst));
    m_sort->setToolTip(tr("Order by NAC-UE: lowest scores (least covered, most OOD) first, or highest first"));
    m_verdict = new QComboBox(this);
    m_verdict->setObjectName(QStringLiteral("galleryVerdict"));
    m_verdict->addItem(tr("All verdicts"), 0);
    m_verdict->addItem(tr("OOD only"), 1);
    m_verdict->addItem(tr("InD only"), 2);
    m_verdict->setToolTip(tr("Verdict at the threshold of the score distribution (score below it: OOD)"));
    m_class = new QComboBox(this);
    m_class->setObjectName(QStringLiteral("galleryClass"));
    m_class->setToolTip(tr("Only images predicted as this class"));
    m_set = new QComboBox(this);
    m_set->setObjectName(QStringLiteral("gallerySet"));
    m_set->setToolTip(tr("Only images of this set"));
    m_model = new GalleryModel(this);
    m_gallery = new QListView(this);
    m_gallery->setObjectName(QStringLiteral("gallery"));
    m_gallery->setMinimumHeight(kThumbnailPx + 52);
    m_gallery->setViewMode(QListView::ListMode);
    m_gallery->setFlow(QListView::LeftToRight);
    m_gallery->setWrapping(true);
    m_gallery->setIconSize(QSize(kThumbnailPx, kThumbnailPx));
    m_gallery->setGridSize(QSize(kThumbnailPx + 24, kThumbnailPx + 44));
    m_gallery->setResizeMode(QListView::Adjust);
    m_gallery->setMovement(QListView::Static);
    m_gallery->setUniformItemSizes(true);
    m_gallery->setWordWrap(true);
    m_gallery->setSelectionMode(QAbstractItemView::SingleSelection);
    m_gallery->setItemDelegate(new ThumbnailDelegate(m_gallery));
    m_gallery->setModel(m_model);
    m_galleryCount = new QLabel(this);
    m_galleryCount->setObjectName(QStringLiteral("galleryCount"));

    auto* filters = new QGridLayout;
    filters->addWidget(m_sort, 0, 0);
    filters->addWidget(m_verdict, 0, 1);
    filters->addWidget(m_class, 0, 2);
    filters->addWidget(m_set, 0, 3);
    auto* galleryBox = new QWidget(this);
    auto* galleryLayout = new QVBoxLayout(galleryBox);
    galleryLayout->setContentsMargins(0, 0, 0, 0);
    galleryLayout->addLayout(filters);
    galleryLayout->addWidget(m_gallery, 1);
    galleryLayout->addWidget(m_galleryCount);

    // Explanation side.
    m_layer = new QComboBox(this);
    m_layer->setObjectName(QStringLiteral("explainLayer"));
    m_layer->setToolTip(tr("Layer whose coverage map is drawn over the image"));
    m_phi = new QDoubleSpinBox(this);
    m_phi->setObjectName(QStringLiteral("explainPhi"));
    m_phi->setRange(0.01, 1.0);
    m_phi->setSingleStep(0.05);
    m_phi->setDecimals(2);
    m_phi->setValue(1.0);
    m_phi->setToolTip(tr("A channel is weakly covered when the bin of its state has Phi below this value "
                         "(1: its bin holds fewer than O fit images), or when its state lies in no bin"));
    m_opacity = new QSlider(Qt::Horizontal, this);
    m_opacity->setObjectName(QStringLiteral("explainOpacity"));
    m_opacity->setRange(0, 100);
    m_opacity->setValue(70);
    m_opacity->setToolTip(tr("Opacity of the coverage map over the image"));
    auto* controls = new QFormLayout;
    controls->addRow(tr("Layer"), m_layer);
    controls->addRow(tr("Weak: Phi below"), m_phi);
    controls->addRow(tr("Map opacity"), m_opacity);

    m_overlayLabel = new QLabel(this);
    m_overlayLabel->setObjectName(QStringLiteral("explainOverlay"));
    m_overlayLabel->setFixedSize(kOverlayPx, kOverlayPx);
    m_overlayLabel->setAlignment(Qt::AlignCenter);
    m_overlayLabel->setFrameShape(QFrame::StyledPanel);
    m_overlayLabel->setText(tr("Select an image\nin the gallery"));
    m_mapSummary = new QLabel(this);
    m_mapSummary->setObjectName(QStringLiteral("explainMapSummary"));
    m_mapSummary->setWordWrap(true);
    m_mapSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_neighbourCaption = new QLabel(tr("Nearest fit images (state space of the layer)"), this);
    m_neighbourRow = new QWidget(this);
    m_neighbourRow->setObjectName(QStringLiteral("explainNeighbours"));
    auto* neighbourLayout = new QHBoxLayout(m_neighbourRow);
    neighbourLayout->setContentsMargins(0, 0, 0, 0);
    for (int i = 0; i < kNeighbours; ++i) {
        auto* label = new QLabel(m_neighbourRow);
        label->setFixedSize(kNeighbourPx + 8, kNeighbourPx + 20);
        label->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
        neighbourLayout->addWidget(label);
    }
    neighbourLayout->addStretch(1);

    m_steps = new QTextBrowser(this);
    m_steps->setObjectName(QStringLiteral("explainSteps"));
    m_steps->setPlaceholderText(tr("NAC's steps for the selected image, one neuron at a time, appear here."));

    m_stepCounter = new QLabel(this);
    m_stepCounter->setObjectName(QStringLiteral("explainStepCounter"));
    QFont counterFont = m_stepCounter->font();
    counterFont.setBold(true);
    m_stepCounter->setFont(counterFont);
    m_previousStep = new QPushButton(tr("◀ Previous"), this);
    m_previousStep->setObjectName(QStringLiteral("explainPreviousStep"));
    m_previousStep->setToolTip(tr("The previous step of NAC for this image"));
    m_nextStep = new QPushButton(tr("Next ▶"), this);
    m_nextStep->setObjectName(QStringLiteral("explainNextStep"));
    m_nextStep->setToolTip(tr("The next step of NAC for this image; the plot it is about is highlighted in magenta"));
    m_showAll = new QPushButton(tr("Show all"), this);
    m_showAll->setObjectName(QStringLiteral("explainShowAll"));
    m_showAll->setCheckable(true);
    m_showAll->setToolTip(tr("All steps at once, without highlights in the plots"));
    auto* stepRow = new QHBoxLayout;
    stepRow->addWidget(m_stepCounter, 1);
    stepRow->addWidget(m_previousStep);
    stepRow->addWidget(m_nextStep);
    stepRow->addWidget(m_showAll);

    m_pin = new QPushButton(tr("Pin for comparison"), this);
    m_pin->setObjectName(QStringLiteral("explainPin"));
    m_pin->setToolTip(tr("Keep this image's explanation beside the next one you select (say one InD, one OOD image)"));
    m_pin->setEnabled(false);
    m_pinnedOverlay = new QLabel(this);
    m_pinnedOverlay->setObjectName(QStringLiteral("explainPinnedOverlay"));
    m_pinnedOverlay->setFixedSize(kPinnedPx, kPinnedPx);
    m_pinnedOverlay->setAlignment(Qt::AlignCenter);
    m_comparison = new QLabel(this);
    m_comparison->setObjectName(QStringLiteral("explainComparison"));
    m_comparison->setWordWrap(true);
    m_comparison->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Steps and the side-by-side comparison share the room under the map as two tabs.
    auto* stepsPage = new QWidget(this);
    auto* stepsLayout = new QVBoxLayout(stepsPage);
    stepsLayout->setContentsMargins(2, 2, 2, 2);
    stepsLayout->addLayout(stepRow);
    stepsLayout->addWidget(m_steps, 1);
    auto* comparePage = new QWidget(this);
    auto* compareRow = new QHBoxLayout(comparePage);
    compareRow->setContentsMargins(2, 2, 2, 2);
    compareRow->addWidget(m_pinnedOverlay, 0, Qt::AlignTop);
    auto* compareScroll = new QScrollArea(comparePage);
    compareScroll->setWidgetResizable(true);
    compareScroll->setFrameShape(QFrame::NoFrame);
    compareScroll->setWidget(m_comparison);
    m_comparison->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    compareRow->addWidget(compareScroll, 1);
    m_lowerTabs = new QTabWidget(this);
    m_lowerTabs->setObjectName(QStringLiteral("explainLowerTabs"));
    m_lowerTabs->addTab(stepsPage, tr("NAC step by step"));
    m_lowerTabs->addTab(comparePage, tr("Side by side"));
    m_lowerTabs->setTabToolTip(1, tr("Pin an image, then select another: both images' scores per layer"));

    auto* top = new QHBoxLayout;
    top->addWidget(m_overlayLabel, 0, Qt::AlignTop);
    auto* right = new QVBoxLayout;
    right->addLayout(controls);
    right->addWidget(m_mapSummary, 1);
    right->addWidget(m_pin, 0, Qt::AlignLeft);
    top->addLayout(right, 1);
    auto* detail = new QWidget(this);
    auto* detailLayout = new QVBoxLayout(detail);
    detailLayout->setContentsMargins(0, 0, 0, 0);
    detailLayout->addLayout(top);
    detailLayout->addWidget(m_neighbourCaption);
    detailLayout->addWidget(m_neighbourRow);
    detailLayout->addWidget(m_lowerTabs, 1);

    // Gallery above, explanation below: the dock stays narrow enough for a 1024-pixel-wide window.
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(QStringLiteral("explainSplitter"));
    splitter->addWidget(galleryBox);
    splitter->addWidget(detail);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 3);
    splitter->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter);

    rebuildFilters();
    for (QComboBox* box : {m_sort, m_verdict, m_class, m_set})
        connect(box, &QComboBox::currentIndexChanged, this, [this] { rebuildGallery(); });
    connect(m_gallery->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) { onCurrentRowChanged(current.isValid() ? current.row() : -1); });
    connect(m_layer, &QComboBox::currentIndexChanged, this, [this] { requestExplanation(); });
    connect(m_phi, &QDoubleSpinBox::valueChanged, this, [this] { requestExplanation(); });
    connect(m_opacity, &QSlider::valueChanged, this, [this] { renderOverlay(); });
    connect(m_previousStep, &QPushButton::clicked, this, [this] { setTeachingStep(m_step - 1); });
    connect(m_nextStep, &QPushButton::clicked, this, [this] { setTeachingStep(m_step + 1); });
    connect(m_showAll, &QPushButton::toggled, this, [this](bool all) {
        showSteps();
        if (all)
            Q_EMIT teachingCleared();
        else
            announceStep();
    });
    showSteps();
    showComparison();
    connect(m_pin, &QPushButton::clicked, this, [this] {
        if (!m_explanation || !m_explanation->error.isEmpty())
            return;
        m_pinned = m_explanation;
        m_pinnedName = m_explainedName;
        m_pinnedOverlay->setPixmap(QPixmap::fromImage(
            composeOverlay(m_pinned->image, m_pinned->imageMap, m_pinned->mapMax, m_opacity->value() / 100.0)
                .scaled(m_pinnedOverlay->size(), Qt::KeepAspectRatio, Qt::SmoothTransformation)));
        showComparison();
        m_lowerTabs->setCurrentIndex(1);
    });
}

ExplainPanel::~ExplainPanel() = default;

QString ExplainPanel::droppedSetName() { return kDroppedSet; }

const std::vector<GalleryItem>& ExplainPanel::items() const { return m_model->items(); }

void ExplainPanel::setSetItems(const QString& setName, std::vector<GalleryItem> items)
{
    // The rows point into the items: no row may outlive the item it names.
    m_model->setRows({});
    std::vector<GalleryItem>& all = m_model->items();
    all.erase(std::remove_if(all.begin(), all.end(), [&](const GalleryItem& item) { return item.setName == setName; }), all.end());
    all.reserve(all.size() + items.size());
    for (GalleryItem& item : items) {
        item.setName = setName;
        all.push_back(std::move(item));
    }
    if (m_updateDepth > 0) {
        m_rebuildWanted = true;
        m_filtersWanted = true;
        return;
    }
    rebuildFilters();
    rebuildGallery();
}

void ExplainPanel::setSetScores(const QString& setName, const std::vector<double>& scores)
{
    std::size_t k = 0;
    for (GalleryItem& item : m_model->items()) {
        if (item.setName != setName)
            continue;
        item.score = k < scores.size() ? scores[k] : std::numeric_limits<double>::quiet_NaN();
        ++k;
    }
    if (m_updateDepth > 0) {
        m_rebuildWanted = true;
        return;
    }
    rebuildGallery();
}

QStringList ExplainPanel::setNames() const
{
    QStringList sets;
    QString last;
    for (const GalleryItem& item : m_model->items()) {
        if (item.setName == last)
            continue;  // a set's items are contiguous: one look-up per set, not per image
        last = item.setName;
        if (!sets.contains(item.setName))
            sets.append(item.setName);
    }
    return sets;
}

void ExplainPanel::endUpdate()
{
    Q_ASSERT(m_updateDepth > 0);
    if (--m_updateDepth > 0 || !m_rebuildWanted)
        return;
    m_rebuildWanted = false;
    if (m_filtersWanted)
        rebuildFilters();  // only new or removed sets change the classes and sets to choose from
    m_filtersWanted = false;
    rebuildGallery();
}

void ExplainPanel::setInputSpec(const nac::engine::InputSpec& spec) { m_model->setInputSpec(spec); }

bool ExplainPanel::selectRow(int row)
{
    if (row < 0 || row >= m_model->rowCount())
        return false;
    m_gallery->setCurrentIndex(m_model->index(row));
    return true;
}

int ExplainPanel::selectedItem() const
{
    if (m_selectedKey.isEmpty())
        return -1;
    const std::vector<GalleryItem>& all = m_model->items();
    for (std::size_t i = 0; i < all.size(); ++i)
        if (all[i].key() == m_selectedKey)
            return int(i);
    return -1;
}

void ExplainPanel::onCurrentRowChanged(int row)
{
    if (m_restoringSelection || row < 0 || row >= int(m_model->rows().size()))
        return;
    const GalleryItem& item = m_model->items()[std::size_t(m_model->rows()[std::size_t(row)])];
    if (!item.explainable())
        return;
    const QString key = item.key();
    if (key == m_selectedKey)
        return;
    m_selectedKey = key;
    m_selectedSet = item.setName;
    m_selectedSample = item.identity.isEmpty() ? item.sampleIndex : -1;
    m_selectedIdentity = item.identity;
    m_selectedName = item.name.isEmpty() ? item.source : item.name;
    Q_EMIT teachingCleared();  // the highlights were about the previous image
    requestExplanation();
}

void ExplainPanel::addScoredImages(const ScoredImages& images)
{
    for (const ScoredItem& item : images.items)
        if (item.ok)
            m_dropped.push_back(item);
    setDroppedScores(m_droppedScores);
}

void ExplainPanel::setDroppedScores(const std::shared_ptr<const DroppedScores>& scores)
{
    m_droppedScores = scores;
    std::vector<GalleryItem> items;
    for (const ScoredItem& scored : m_dropped) {
        GalleryItem item;
        item.source = scored.source;
        item.name = scored.name;
        item.predictedClass = scored.predictedClass;
        item.predictedLabel = scored.predictedLabel;
        item.thumbnail = scored.thumbnail;
        item.sampleIndex = scored.sampleIndex;
        if (scores && scored.sampleIndex >= 0 && std::size_t(scored.sampleIndex) < scores->scores.total.size())
            item.score = scores->scores.total[std::size_t(scored.sampleIndex)];
        items.push_back(std::move(item));
    }
    setSetItems(kDroppedSet, std::move(items));
}

void ExplainPanel::clearDropped()
{
    m_dropped.clear();
    m_droppedScores.reset();
    setSetItems(kDroppedSet, {});
    if (!m_selectedKey.isEmpty() && m_selectedSet != kDroppedSet)
        return;  // a workbench set's image stays explained
    clearSelection();
}

void ExplainPanel::clearSelection()
{
    m_selectedKey.clear();
    m_selectedSet.clear();
    m_selectedSample = -1;
    m_selectedIdentity.clear();
    m_selectedName.clear();
    ++m_requestId;  // an answer still on its way is for an image no longer selected
    m_explanation.reset();
    m_overlay = QImage();
    m_overlayLabel->setText(tr("Select an image\nin the gallery"));
    m_mapSummary->clear();
    m_steps->clear();
    m_pinned.reset();
    m_pin->setEnabled(false);
    m_stepKey.clear();
    showSteps();
    showNeighbours();
    showComparison();
    Q_EMIT teachingCleared();
}

void ExplainPanel::setThreshold(double threshold)
{
    if (threshold == m_threshold || (std::isnan(threshold) && std::isnan(m_threshold)))
        return;
    m_threshold = threshold;
    m_model->setThreshold(threshold);
    if (m_verdict->currentData().toInt() != 0)
        rebuildGallery();  // the verdict filter changes which images are shown
    else
        m_model->refreshText();
    showSteps();
}

void ExplainPanel::setLayers(const QStringList& layers)
{
    QStringList current;
    for (int i = 0; i < m_layer->count(); ++i)
        current.append(m_layer->itemText(i));
    if (current == layers)
        return;
    const QString chosen = m_layer->currentText();
    {
        const QSignalBlocker block(m_layer);
        m_layer->clear();
        m_layer->addItems(layers);
        const int keep = int(layers.indexOf(chosen));
        m_layer->setCurrentIndex(keep >= 0 ? keep : 0);
    }
    requestExplanation();
}

bool ExplainPanel::isOod(const GalleryItem& item) const { return m_model->isOod(item); }

bool ExplainPanel::isSelected(const GalleryItem& item) const
{
    if (m_selectedKey.isEmpty())
        return false;
    // A set's image by its identity (no string is built per image); a dropped one by its key.
    if (!m_selectedIdentity.isEmpty())
        return item.identity == m_selectedIdentity && item.setName == m_selectedSet;
    return item.sampleIndex == m_selectedSample && item.setName == m_selectedSet && item.key() == m_selectedKey;
}

void ExplainPanel::rebuildFilters()
{
    const QString classChosen = m_class->currentData().toString();
    const QString setChosen = m_set->currentData().toString();
    // Distinct (class, label) pairs first: a label is made once per class, not once per image.
    QStringList classes;
    std::vector<const GalleryItem*> seen;
    for (const GalleryItem& item : m_model->items()) {
        if (item.predictedClass < 0)
            continue;
        if (std::any_of(seen.begin(), seen.end(), [&](const GalleryItem* other) {
                return other->predictedClass == item.predictedClass && other->predictedLabel == item.predictedLabel;
            }))
            continue;
        seen.push_back(&item);
        const QString label = item.predictedLabel.isEmpty() ? tr("class %1").arg(item.predictedClass) : item.predictedLabel;
        if (!classes.contains(label))
            classes.append(label);
    }
    const QStringList sets = setNames();
    classes.sort();
    const QSignalBlocker blockClass(m_class);
    const QSignalBlocker blockSet(m_set);
    m_class->clear();
    m_class->addItem(tr("All classes"), QString());
    for (const QString& label : classes)
        m_class->addItem(label, label);
    m_class->setCurrentIndex(std::max(0, m_class->findData(classChosen)));
    m_set->clear();
    m_set->addItem(tr("All sets"), QString());
    for (const QString& set : sets)
        m_set->addItem(set, set);
    m_set->setCurrentIndex(std::max(0, m_set->findData(setChosen)));
}

std::vector<int> ExplainPanel::shownItems() const
{
    const int verdict = m_verdict->currentData().toInt();
    const QString classChosen = m_class->currentData().toString();
    const QString setChosen = m_set->currentData().toString();
    const std::vector<GalleryItem>& all = m_model->items();
    std::vector<int> shown;
    shown.reserve(all.size());
    for (int i = 0; i < int(all.size()); ++i) {
        const GalleryItem& item = all[std::size_t(i)];
        if (verdict != 0 && (std::isnan(item.score) || std::isnan(m_threshold) || isOod(item) != (verdict == 1)))
            continue;
        if (!setChosen.isEmpty() && item.setName != setChosen)
            continue;
        if (!classChosen.isEmpty()) {
            const QString label = item.predictedLabel.isEmpty() ? tr("class %1").arg(item.predictedClass) : item.predictedLabel;
            if (label != classChosen)
                continue;
        }
        shown.push_back(i);
    }
    const bool oodFirst = Sort(m_sort->currentData().toInt()) == Sort::MostOodFirst;
    // Unscored items last either way; equal scores keep their order of arrival.
    std::stable_sort(shown.begin(), shown.end(), [&](int a, int b) {
        const double sa = all[std::size_t(a)].score;
        const double sb = all[std::size_t(b)].score;
        if (std::isnan(sa) || std::isnan(sb))
            return !std::isnan(sa) && std::isnan(sb);
        return oodFirst ? sa < sb : sa > sb;
    });
    return shown;
}

void ExplainPanel::rebuildGallery()
{
    if (m_updateDepth > 0) {
        m_rebuildWanted = true;
        return;
    }
    std::vector<int> shown = shownItems();
    const std::size_t shownCount = shown.size();
    int selectedRow = -1;
    if (!m_selectedKey.isEmpty()) {
        const std::vector<GalleryItem>& all = m_model->items();
        for (std::size_t row = 0; row < shown.size() && selectedRow < 0; ++row)
            if (isSelected(all[std::size_t(shown[row])]))
                selectedRow = int(row);
    }
    m_model->setRows(std::move(shown));
    if (selectedRow >= 0) {
        // The same image stays selected after a re-sort: no new explanation is asked for.
        m_restoringSelection = true;
        m_gallery->setCurrentIndex(m_model->index(selectedRow));
        m_restoringSelection = false;
    }
    m_galleryCount->setText(tr("%1 of %n image(s) shown", nullptr, int(m_model->items().size())).arg(shownCount));
}

void ExplainPanel::requestExplanation()
{
    if ((m_selectedSample < 0 && m_selectedIdentity.isEmpty()) || m_layer->currentIndex() < 0)
        return;
    ExplainRequest request;
    request.requestId = ++m_requestId;
    request.sampleIndex = m_selectedSample;
    request.identity = m_selectedIdentity;
    request.layer = m_layer->currentIndex();
    request.phiBelow = m_phi->value();
    request.neighbourCount = kNeighbours;
    m_requestedKey = m_selectedKey;
    m_mapSummary->setText(tr("Computing the coverage map of %1…").arg(m_layer->currentText()));
    Q_EMIT explainRequested(request);
}

void ExplainPanel::setExplanation(const std::shared_ptr<const ImageExplanation>& explanation)
{
    if (!explanation || explanation->request.requestId != m_requestId)
        return;  // an older request's answer: a newer one is on its way
    m_explanation = explanation;
    m_explainedName = m_selectedName;
    if (!explanation->error.isEmpty()) {
        m_overlay = QImage();
        m_overlayLabel->setText(tr("No map"));
        m_mapSummary->setText(tr("Cannot explain this image: %1").arg(explanation->error));
        showSteps();
        showNeighbours();
        Q_EMIT teachingCleared();
        return;
    }
    if (m_requestedKey != m_stepKey) {
        m_step = 1;  // another image: its walk starts at the beginning
        m_stepKey = m_requestedKey;
    }
    QStringList top;
    for (std::size_t i = 0; i < explanation->topWeakChannels.size() && i < 4; ++i)
        top.append(tr("%1 (%2%)").arg(explanation->topWeakChannels[i]).arg(100.0 * explanation->topWeakShares[i], 0, 'f', 0));
    m_mapSummary->setText(
        tr("<b>%1</b>: %2 of %3 channels weakly covered (Phi &lt; %4). Map %5x%6, upsampled to the image; peak %7. "
           "Largest weak channels: %8. %9 ms (map %10 ms).")
            .arg(explanation->layerName)
            .arg(explanation->weakChannels)
            .arg(explanation->channelCount)
            .arg(explanation->request.phiBelow)
            .arg(explanation->mapHeight)
            .arg(explanation->mapWidth)
            .arg(number(explanation->mapMax))
            .arg(top.isEmpty() ? tr("none") : top.join(QStringLiteral(", ")))
            .arg(explanation->elapsedMs, 0, 'f', 1)
            .arg(explanation->mapMs, 0, 'f', 1));
    renderOverlay();
    showNeighbours();
    showSteps();
    showComparison();
    m_pin->setEnabled(true);
    Q_EMIT explanationShown(explanation->request.sampleIndex, explanation->request.layer, explanation->walkthrough.neuron);
    announceStep();
}

void ExplainPanel::showComparison()
{
    if (!m_pinned) {
        m_pinnedOverlay->clear();
        m_comparison->setText(tr("<i>Pin for comparison</i> keeps the selected image here; select another image (say "
                                 "one InD, one OOD) to compare their scores per layer."));
        return;
    }
    const QString nameNow = m_explanation ? m_explainedName : QString();
    const bool current = m_explanation && m_explanation->error.isEmpty();
    // Weakly covered channels of every layer, from the scored images' verdicts (Phi below the
    // panel's value; a state in no bin has Phi 0). -1 when the image's verdicts are not at hand.
    const double phiBelow = m_phi->value();
    auto weakCount = [&](int sample, std::size_t layer, int* total) {
        *total = 0;
        if (!m_droppedScores || sample < 0 || std::size_t(sample) >= m_droppedScores->explanations.size())
            return -1;
        const auto& neurons = m_droppedScores->explanations[std::size_t(sample)].neurons;
        if (layer >= neurons.size())
            return -1;
        *total = int(neurons[layer].size());
        return int(std::count_if(neurons[layer].begin(), neurons[layer].end(),
                                 [&](const nac::engine::NeuronVerdict& v) { return double(v.phi) < phiBelow; }));
    };
    auto weakText = [&](int sample, std::size_t layer) {
        int total = 0;
        const int weak = weakCount(sample, layer, &total);
        return weak < 0 ? QStringLiteral("–") : QStringLiteral("%1 / %2").arg(weak).arg(total);
    };
    // The names and the verdict line go above a compact table: the dock is narrow.
    QString rows;
    int widest = -1;
    double widestGap = -1.0;
    const int pinnedSample = m_pinned->request.sampleIndex;
    const int currentSample = current ? m_explanation->request.sampleIndex : -1;
    const QString cell = QStringLiteral("<td align=\"right\" style=\"white-space:nowrap\">%1</td>");
    for (std::size_t l = 0; l < m_pinned->walkthrough.perLayer.size(); ++l) {
        const double pinnedScore = m_pinned->walkthrough.perLayer[l];
        const bool has = current && l < m_explanation->walkthrough.perLayer.size();
        const double nowScore = has ? m_explanation->walkthrough.perLayer[l] : std::nan("");
        if (has && std::abs(nowScore - pinnedScore) > widestGap) {
            widestGap = std::abs(nowScore - pinnedScore);
            widest = int(l);
        }
        rows += QStringLiteral("<tr><td>%1</td>").arg(m_layer->itemText(int(l)).toHtmlEscaped()) + cell.arg(number(pinnedScore))
            + cell.arg(has ? number(nowScore) : QStringLiteral("–"))
            + cell.arg(has ? QString::number(nowScore - pinnedScore, 'f', 3) : QStringLiteral("–")) + cell.arg(weakText(pinnedSample, l))
            + cell.arg(current ? weakText(currentSample, l) : QStringLiteral("–")) + QStringLiteral("</tr>");
    }
    rows += QStringLiteral("<tr><td><b>NAC-UE</b></td>") + cell.arg(QStringLiteral("<b>%1</b>").arg(number(m_pinned->walkthrough.total)))
        + cell.arg(current ? QStringLiteral("<b>%1</b>").arg(number(m_explanation->walkthrough.total)) : QStringLiteral("–"))
        + cell.arg(current ? QString::number(m_explanation->walkthrough.total - m_pinned->walkthrough.total, 'f', 3) : QStringLiteral("–"))
        + QStringLiteral("</tr>");
    QString html = tr("<p style=\"margin:0\"><b>pinned</b>: %1<br><b>this</b>: %2</p>").arg(m_pinnedName.toHtmlEscaped(), nameNow.toHtmlEscaped());
    if (widest >= 0 && m_pinned != m_explanation)
        html += tr("<p style=\"margin:0\"><b>%1</b> separates them most: mean Φ %2 against %3.</p>")
                    .arg(m_layer->itemText(widest).toHtmlEscaped(), number(m_pinned->walkthrough.perLayer[std::size_t(widest)]),
                         number(m_explanation->walkthrough.perLayer[std::size_t(widest)]));
    html += tr("<table cellspacing=\"0\" cellpadding=\"2\"><tr><th align=\"left\">layer</th><th>Φ pinned</th><th>Φ this</th>"
               "<th>Δ</th><th>weak pinned</th><th>weak this</th></tr>%1</table>"
               "<p style=\"margin:0\">Φ: the layer's mean Φ (its score); weak: channels with Φ &lt; %2.</p>")
                .arg(rows)
                .arg(phiBelow);
    m_comparison->setText(html);
}

QString ExplainPanel::comparisonText() const
{
    return m_pinned ? m_comparison->text() : QString();
}

QColor ExplainPanel::mapColour(double v)
{
    v = std::clamp(v, 0.0, 1.0);
    // Black -> red -> yellow -> white in three equal parts.
    const double r = std::min(1.0, 3.0 * v);
    const double g = std::clamp(3.0 * v - 1.0, 0.0, 1.0);
    const double b = std::clamp(3.0 * v - 2.0, 0.0, 1.0);
    return QColor::fromRgbF(float(r), float(g), float(b));
}

QImage ExplainPanel::composeOverlay(const QImage& image, const std::vector<float>& imageMap, float maxValue, double opacity)
{
    QImage out = image.convertToFormat(QImage::Format_RGB32);
    if (imageMap.size() != std::size_t(out.width()) * std::size_t(out.height()))
        return out;
    for (int y = 0; y < out.height(); ++y) {
        auto* line = reinterpret_cast<QRgb*>(out.scanLine(y));
        for (int x = 0; x < out.width(); ++x) {
            const double v = maxValue > 0 ? double(imageMap[std::size_t(y) * std::size_t(out.width()) + std::size_t(x)]) / maxValue : 0.0;
            const double a = opacity * std::clamp(v, 0.0, 1.0);
            const QColor colour = mapColour(v);
            const QRgb base = line[x];
            line[x] = qRgb(int(qRed(base) * (1 - a) + colour.red() * a + 0.5), int(qGreen(base) * (1 - a) + colour.green() * a + 0.5),
                           int(qBlue(base) * (1 - a) + colour.blue() * a + 0.5));
        }
    }
    return out;
}

void ExplainPanel::renderOverlay()
{
    if (!m_explanation || !m_explanation->error.isEmpty())
        return;
    m_overlay = composeOverlay(m_explanation->image, m_explanation->imageMap, m_explanation->mapMax, m_opacity->value() / 100.0);
    m_overlayLabel->setPixmap(
        QPixmap::fromImage(m_overlay.scaled(kOverlayPx - 4, kOverlayPx - 4, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
}

void ExplainPanel::showNeighbours()
{
    const auto labels = m_neighbourRow->findChildren<QLabel*>(QString(), Qt::FindDirectChildrenOnly);
    for (int i = 0; i < labels.size(); ++i) {
        QLabel* label = labels[i];
        const bool has = m_explanation && m_explanation->error.isEmpty() && std::size_t(i) < m_explanation->neighbours.size();
        if (!has) {
            label->clear();
            label->setToolTip(QString());
            continue;
        }
        const FitNeighbourImage& near = m_explanation->neighbours[std::size_t(i)];
        if (near.image.isNull()) {
            label->setText(tr("d %1\n(unreadable)").arg(number(near.distance, 3)));
        } else {
            // Text under the picture: one label holding both, via a composed pixmap.
            QPixmap pixmap(kNeighbourPx + 8, kNeighbourPx + 20);
            pixmap.fill(Qt::transparent);
            QPainter painter(&pixmap);
            painter.drawImage(QRect(4, 0, kNeighbourPx, kNeighbourPx), near.image);
            painter.setPen(palette().color(QPalette::WindowText));
            painter.drawText(QRect(0, kNeighbourPx + 2, kNeighbourPx + 8, 18), Qt::AlignCenter, tr("d %1").arg(number(near.distance, 3)));
            painter.end();
            label->setPixmap(pixmap);
        }
        label->setToolTip(tr("%1\nlabel %2, distance %3%4")
                              .arg(near.identity)
                              .arg(near.label)
                              .arg(number(near.distance, 6))
                              .arg(near.notice.isEmpty() ? QString() : QStringLiteral("\n") + near.notice));
    }
}

QString ExplainPanel::neighboursText() const
{
    QStringList lines;
    if (m_explanation)
        for (const FitNeighbourImage& near : m_explanation->neighbours)
            lines.append(QStringLiteral("%1 d=%2").arg(near.identity).arg(near.distance));
    return lines.join(QLatin1Char('\n'));
}

QString ExplainPanel::stepTitle(TeachingStep step)
{
    switch (step) {
    case TeachingStep::LayerOutput: return tr("the layer output z");
    case TeachingStep::Gradient: return tr("the gradient dKL/dz");
    case TeachingStep::State: return tr("the state");
    case TeachingStep::Bin: return tr("the bin");
    case TeachingStep::Count: return tr("the bin's count");
    case TeachingStep::Phi: return tr("Phi");
    case TeachingStep::LayerMean: return tr("the layer's mean");
    case TeachingStep::Score: return tr("the NAC-UE score");
    case TeachingStep::Verdict: return tr("the verdict");
    }
    return QString();
}

QString ExplainPanel::stepHtml(TeachingStep step, bool summaryOnly) const
{
    const NeuronWalkthrough& s = m_explanation->walkthrough;
    switch (step) {
    case TeachingStep::LayerOutput:
        if (summaryOnly)
            return tr("Layer output: sum z = %1").arg(number(s.pooledOutput, 6));
        return tr("The image goes through the model. Neuron (channel) <b>%1</b> of <b>%2</b> outputs a feature map z; "
                  "NAC sums it over the positions: <b>sum z</b> = %3.<br><i>In the plots:</i> the neuron histogram under the "
                  "heatmap shows this neuron; the magenta line is where this image's state lands (step 3).")
            .arg(s.neuron)
            .arg(m_explanation->layerName.toHtmlEscaped())
            .arg(em(number(s.pooledOutput, 6)));
    case TeachingStep::Gradient:
        if (summaryOnly)
            return tr("Gradient: sum dKL/dz = %1").arg(number(s.pooledGradient, 6));
        return tr("Backpropagating KL(uniform ‖ softmax(logits)) to this layer gives dKL/dz, how strongly each output "
                  "pushes the prediction away from \"no idea\" (uniform). Summed over the positions: "
                  "<b>sum dKL/dz</b> = %1.<br><i>In the plots:</i> the magenta line in the neuron histogram.")
            .arg(em(number(s.pooledGradient, 6)));
    case TeachingStep::State:
        if (summaryOnly)
            return tr("State = %1").arg(number(s.state, 6));
        return tr("<b>State</b> = sigmoid(alpha · sum z · sum dKL/dz) = sigmoid(%1 · %2) = %3.<br><i>In the plots:</i> "
                  "the magenta line in the neuron histogram; the bars are the states of the fit images.")
            .arg(number(s.alpha), number(s.rawProduct, 6), em(number(s.state, 6)));
    case TeachingStep::Bin:
        if (s.bin < 0)
            return summaryOnly ? tr("Bin: none") : tr("The state lies in <b>no bin</b> (outside [0, 1.2) or NaN), so Phi = %1.").arg(em(QStringLiteral("0")));
        if (summaryOnly)
            return tr("Bin %1, [%2, %3)").arg(s.bin).arg(number(s.binLow, 6), number(s.binHigh, 6));
        return tr("The state %1 falls into <b>bin</b> %2 of %3, [%4, %5).<br><i>In the plots:</i> its cell in the heatmap "
                  "(column of neuron %6, row of the bin) and its bar in the neuron histogram are outlined in magenta.")
            .arg(number(s.state, 6), em(QString::number(s.bin)))
            .arg(s.binCount)
            .arg(number(s.binLow, 6), number(s.binHigh, 6))
            .arg(s.neuron);
    case TeachingStep::Count:
        if (summaryOnly)
            return tr("Count = %1").arg(s.count);
        return tr("<b>Count</b>: %1 fit images of this neuron had their state in that bin (the outlined bar's height; the "
                  "dashed line is O = %2).")
            .arg(em(QString::number(s.count)), number(s.minActivated));
    case TeachingStep::Phi:
        if (summaryOnly)
            return tr("Phi = %1").arg(number(s.phi));
        return tr("<b>Phi</b> = min(count / O, 1) = min(%1 / %2, 1) = %3. %4<br><i>In the plots:</i> the outlined heatmap "
                  "cell's colour is this Phi.")
            .arg(s.count)
            .arg(number(s.minActivated), em(number(s.phi)),
                 s.phi < 1.0f ? tr("Below 1: few fit images reached this state, so this neuron pulls the score down.")
                              : tr("1: the bin is fully covered."));
    case TeachingStep::LayerMean:
        if (summaryOnly)
            return tr("Layer score = %1").arg(number(s.layerScore));
        return tr("Every neuron of %1 goes through the same steps. The <b>layer score</b> is the mean of Phi over its %2 "
                  "neurons = %3.<br><i>In the plots:</i> the layer's row of the coverage summary (above the heatmap).")
            .arg(m_explanation->layerName.toHtmlEscaped())
            .arg(m_explanation->channelCount)
            .arg(em(number(s.layerScore)));
    case TeachingStep::Score: {
        QStringList perLayer;
        for (std::size_t l = 0; l < s.perLayer.size(); ++l)
            perLayer.append(QStringLiteral("%1 %2").arg(m_layer->itemText(int(l)).toHtmlEscaped()).arg(number(s.perLayer[l])));
        if (summaryOnly)
            return tr("NAC-UE = %1").arg(number(s.total, 6));
        return tr("<b>NAC-UE</b> is the mean of the layer scores (%1) = %2.<br><i>In the plots:</i> the magenta line in "
                  "the score distribution (Scoring tab).")
            .arg(perLayer.join(QStringLiteral(", ")), em(number(s.total, 6)));
    }
    case TeachingStep::Verdict: {
        if (std::isnan(m_threshold))
            return summaryOnly ? tr("No verdict") : tr("<b>Verdict</b>: no threshold yet (it needs held-out InD images).");
        const bool ood = s.total < m_threshold;
        if (summaryOnly)
            return ood ? tr("Verdict: OOD") : tr("Verdict: InD");
        return tr("<b>Verdict</b>: %1 at the threshold: %2 %3 %4.<br><i>In the plots:</i> the threshold line glows "
                  "magenta; the image's line is on its %5.")
            .arg(em(ood ? tr("OOD") : tr("InD")), number(s.total, 6), ood ? QStringLiteral("&lt;") : QStringLiteral("≥"),
                 number(m_threshold, 6), ood ? tr("left (less covered than the threshold allows)") : tr("right"));
    }
    }
    return QString();
}

void ExplainPanel::setTeachingStep(int step)
{
    m_lowerTabs->setCurrentIndex(0);
    m_step = std::clamp(step, 1, kTeachingStepCount);
    showSteps();
    announceStep();
}

void ExplainPanel::setShowAllSteps(bool all)
{
    m_lowerTabs->setCurrentIndex(0);
    m_showAll->setChecked(all);  // toggled() redraws and announces
}

bool ExplainPanel::showAllSteps() const
{
    return m_showAll->isChecked();
}

bool ExplainPanel::selectSample(int sampleIndex)
{
    if (sampleIndex < 0)
        return false;
    const std::vector<GalleryItem>& all = m_model->items();
    int item = -1;
    for (std::size_t i = 0; i < all.size(); ++i)
        if (all[i].setName == kDroppedSet && all[i].sampleIndex == sampleIndex)
            item = int(i);
    if (item < 0)
        return false;
    const std::vector<int> shown = shownItems();
    if (std::find(shown.begin(), shown.end(), item) == shown.end()) {
        for (QComboBox* filter : {m_verdict, m_class, m_set})
            filter->setCurrentIndex(0);  // each rebuilds the gallery
    }
    const std::vector<int>& rows = m_model->rows();
    for (std::size_t row = 0; row < rows.size(); ++row)
        if (rows[row] == item)
            return selectRow(int(row));
    return false;
}

bool ExplainPanel::refresh()
{
    if (m_selectedSample < 0 && m_selectedIdentity.isEmpty())
        return false;
    requestExplanation();
    return true;
}

void ExplainPanel::announceStep()
{
    if (!m_explanation || !m_explanation->error.isEmpty() || m_showAll->isChecked())
        return;
    const NeuronWalkthrough& s = m_explanation->walkthrough;
    Q_EMIT teachingStepShown(m_step, m_explanation->request.sampleIndex, m_explanation->request.layer, s.neuron, s.bin, s.total);
}

QString ExplainPanel::stepText(int step) const
{
    if (!m_explanation || !m_explanation->error.isEmpty() || step < 1 || step > kTeachingStepCount)
        return QString();
    return QTextDocumentFragment::fromHtml(stepHtml(TeachingStep(step), false)).toPlainText();
}

QString ExplainPanel::stepCounterText() const
{
    return m_stepCounter->text();
}

void ExplainPanel::showSteps()
{
    const bool ready = m_explanation && m_explanation->error.isEmpty();
    const bool all = m_showAll->isChecked();
    m_previousStep->setEnabled(ready && !all && m_step > 1);
    m_nextStep->setEnabled(ready && !all && m_step < kTeachingStepCount);
    if (!ready) {
        m_stepCounter->setText(tr("NAC step by step"));
        m_steps->clear();
        return;
    }
    const NeuronWalkthrough& s = m_explanation->walkthrough;
    QString html = tr("<p>NAC for this image, step by step, for neuron (channel) <b>%1</b> of <b>%2</b> "
                      "(the weak channel that contributes most to the map):</p>")
                       .arg(s.neuron)
                       .arg(m_explanation->layerName.toHtmlEscaped());
    if (all) {
        m_stepCounter->setText(tr("All %1 steps").arg(kTeachingStepCount));
        html += QStringLiteral("<ol>");
        for (int step = 1; step <= kTeachingStepCount; ++step)
            html += QStringLiteral("<li>%1</li>").arg(stepHtml(TeachingStep(step), false));
        html += QStringLiteral("</ol>");
        html += tr("<p>Coverage map: for each position, the sum over the weakly covered channels (Phi &lt; %1 or no bin) of "
                   "|z · dKL/dz| before pooling, upsampled bilinearly to the image. Bright = where the image drives neurons "
                   "into states few fit images reached.</p>")
                    .arg(m_explanation->request.phiBelow);
    } else {
        const QString title = stepTitle(TeachingStep(m_step));
        m_stepCounter->setText(tr("Step %1 of %2: %3").arg(m_step).arg(kTeachingStepCount).arg(title));
        // Earlier steps collapse to one line each; later ones are not shown yet.
        const QString grey = palette().color(QPalette::Disabled, QPalette::Text).name();
        for (int step = 1; step < m_step; ++step)
            html += QStringLiteral("<p style=\"margin:0; color:%1\">%2. %3</p>").arg(grey).arg(step).arg(stepHtml(TeachingStep(step), true));
        html += QStringLiteral("<a name=\"current\"></a><h3>%1. %2</h3><p>%3</p>")
                    .arg(m_step)
                    .arg(title.left(1).toUpper() + title.mid(1), stepHtml(TeachingStep(m_step), false));
    }
    m_steps->setHtml(html);
    if (!all)
        m_steps->scrollToAnchor(QStringLiteral("current"));  // the current step stays in view below the collapsed ones
}

QString ExplainPanel::stepsText() const { return m_steps->toPlainText(); }

}  // namespace nac::app
