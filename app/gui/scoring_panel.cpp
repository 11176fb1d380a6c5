// ScoringPanel: score list, distribution with threshold, and per-layer explanation of one image.
#include "app/gui/scoring_panel.h"

#include "engine/metrics.h"
#include "widgets/nac_terms.h"
#include "widgets/roc_view.h"
#include "widgets/score_distribution_view.h"
#include "widgets/score_list_model.h"
#include "widgets/score_list_view.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSet>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace nac::app {

namespace {
constexpr int kWorstNeuronsShown = 5;
}

ScoringPanel::ScoringPanel(QWidget* parent)
    : QWidget(parent)
{
    m_hint = new QLabel(tr("Drop image files or a folder anywhere on the window, paste (Ctrl+V), or use "
                           "File ▸ Score Images (Ctrl+I)."),
                        this);
    m_hint->setObjectName(QStringLiteral("dropHint"));
    m_hint->setWordWrap(true);
    m_hint->setToolTip(nac::widgets::NacTerms::score());

    m_list = new nac::widgets::ScoreListView(this);
    m_list->setObjectName(QStringLiteral("scoreList"));
    {
        // Score and verdict right after the name, so a narrow dock (1024-pixel screens) shows them.
        QHeaderView* header = m_list->tableView()->horizontalHeader();
        header->moveSection(header->visualIndex(nac::widgets::ScoreListModel::VerdictColumn), 2);
        header->moveSection(header->visualIndex(nac::widgets::ScoreListModel::ScoreColumn), 2);
    }
    m_list->setToolTip(nac::widgets::NacTerms::score());

    m_distribution = new nac::widgets::ScoreDistributionView(this);
    m_distribution->setObjectName(QStringLiteral("scoreDistribution"));
    m_distribution->setToolTip(tr("NAC-UE scores of the held-out InD images and of the dropped images. "
                                  "Press or drag in the plot to move the threshold."));
    m_thresholdLabel = new QLabel(this);
    m_thresholdLabel->setObjectName(QStringLiteral("thresholdLabel"));
    m_thresholdLabel->setWordWrap(true);
    m_autoThreshold = new QPushButton(tr("95% InD"), this);
    m_autoThreshold->setObjectName(QStringLiteral("autoThresholdButton"));
    m_autoThreshold->setToolTip(tr("Put the threshold back where it keeps 95% of the held-out InD images"));

    m_explanation = new QTextBrowser(this);
    m_explanation->setObjectName(QStringLiteral("explanation"));
    m_explanation->setOpenLinks(false);
    m_explanation->setPlaceholderText(tr("Select an image to see why it scored as it did."));

    auto* listPage = new QWidget(this);
    auto* listLayout = new QVBoxLayout(listPage);
    listLayout->setContentsMargins(0, 0, 0, 0);
    listLayout->addWidget(m_hint);
    listLayout->addWidget(m_list, 1);

    auto* distributionPage = new QWidget(this);
    auto* distributionLayout = new QVBoxLayout(distributionPage);
    distributionLayout->setContentsMargins(0, 0, 0, 0);
    auto* thresholdRow = new QHBoxLayout;
    thresholdRow->addWidget(m_thresholdLabel, 1);
    thresholdRow->addWidget(m_autoThreshold);
    distributionLayout->addLayout(thresholdRow);
    distributionLayout->addWidget(m_distribution, 1);

    m_roc = new nac::widgets::RocView(this);
    m_roc->setObjectName(QStringLiteral("rocView"));
    m_rocLabel = new QLabel(this);
    m_rocLabel->setObjectName(QStringLiteral("rocSummary"));
    m_rocLabel->setWordWrap(true);
    m_rocLabel->setTextFormat(Qt::RichText);
    auto* rocPage = new QWidget(this);
    auto* rocLayout = new QVBoxLayout(rocPage);
    rocLayout->setContentsMargins(0, 0, 0, 0);
    rocLayout->addWidget(m_rocLabel);
    rocLayout->addWidget(m_roc, 1);

    m_plotTabs = new QTabWidget(this);
    m_plotTabs->setObjectName(QStringLiteral("scoringPlotTabs"));
    m_plotTabs->setDocumentMode(true);
    m_plotTabs->addTab(distributionPage, tr("Score distribution"));
    m_plotTabs->addTab(rocPage, tr("ROC"));
    m_plotTabs->setTabToolTip(1, tr("Treats every scored dropped image as OOD and the held-out InD images as InD: "
                                    "drop a folder of OOD images to evaluate NAC-UE against MSP, MaxLogit and Energy."));

    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->setObjectName(QStringLiteral("scoringSplitter"));
    m_splitter->addWidget(listPage);
    m_splitter->addWidget(m_explanation);
    m_splitter->addWidget(m_plotTabs);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);
    m_splitter->setStretchFactor(2, 2);
    m_splitter->setChildrenCollapsible(false);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_splitter);

    connect(m_list, &nac::widgets::ScoreListView::selectionChanged, this, &ScoringPanel::onRowSelected);
    connect(m_list, &nac::widgets::ScoreListView::rowRemoved, this, [this] {
        refreshDroppedDistribution();
        refreshRoc();
    });
    connect(m_list, &nac::widgets::ScoreListView::rocRolesChanged, this, [this] {
        refreshDroppedDistribution();
        refreshRoc();
    });
    connect(m_distribution, &nac::widgets::ScoreDistributionView::thresholdChanged, this,
            [this](double threshold) { setManualThreshold(threshold); });
    connect(m_autoThreshold, &QPushButton::clicked, this,
            [this] { setManualThreshold(std::numeric_limits<double>::quiet_NaN()); });
    applyThreshold();
    refreshRoc();
}

ScoringPanel::~ScoringPanel() = default;

void ScoringPanel::clear()
{
    m_list->clear();
    m_names.clear();
    m_scores.reset();
    m_selectedSample = -1;
    m_distribution->setOodScores({}, tr("dropped images"));
    m_distribution->setMarker(std::numeric_limits<double>::quiet_NaN());
    m_explanation->clear();
    refreshRoc();
}

void ScoringPanel::setSnapshot(std::shared_ptr<const ProfileSnapshot> snapshot)
{
    const QStringList before = m_snapshot ? m_snapshot->layerNames() : QStringList();
    m_snapshot = std::move(snapshot);
    if (!m_snapshot)
        return;
    const QStringList names = m_snapshot->layerNames();
    if (names != before)
        m_list->setLayerNames(names);
    m_list->setLayerReference(m_snapshot->heldoutLayerReference);
    m_distribution->setIndScores(m_snapshot->heldoutScores, tr("held-out InD"));
    applyThreshold();
    refreshRoc();
}

void ScoringPanel::addImages(const ScoredImages& images)
{
    for (const ScoredItem& item : images.items) {
        nac::widgets::ScoredImageRow row;
        row.thumbnail = item.thumbnail;
        row.name = item.name;
        row.source = item.source;
        row.sampleIndex = item.ok ? item.sampleIndex : -1;
        row.predictedClass = item.predictedClass;
        row.predictedLabel = item.predictedLabel;
        row.probability = item.probability;
        row.notice = item.notice;
        row.failed = !item.ok;
        if (item.ok && m_scores && std::size_t(item.sampleIndex) < m_scores->scores.total.size()) {
            row.score = m_scores->scores.total[std::size_t(item.sampleIndex)];
            for (const std::vector<double>& layer : m_scores->scores.perLayer)
                row.layerScores.push_back(layer[std::size_t(item.sampleIndex)]);
        }
        if (item.ok) {
            m_names[item.sampleIndex] = item.name;
            // The same file again: marked, and counted once in the ROC.
            for (int r = 0; r < m_list->rowCount(); ++r) {
                if (!m_list->row(r).failed && m_list->row(r).source == item.source) {
                    row.notice = (row.notice.isEmpty() ? QString() : row.notice + QStringLiteral("; "))
                        + tr("same file as %1 above: counted once in the ROC").arg(m_list->row(r).name);
                    break;
                }
            }
        }
        m_list->addResult(std::move(row));
    }
}

void ScoringPanel::setDroppedScores(std::shared_ptr<const DroppedScores> scores)
{
    m_scores = std::move(scores);
    if (!m_scores)
        return;
    m_list->updateScores(m_scores->scores);
    refreshDroppedDistribution();
    applyThreshold();
    refreshExplanation();
    refreshRoc();
}

ScoringPanel::RocSides ScoringPanel::rocSides() const
{
    RocSides sides;
    if (!m_scores)
        return sides;
    QSet<QString> seen;
    for (int r = 0; r < m_list->rowCount(); ++r) {
        const nac::widgets::ScoredImageRow& row = m_list->row(r);
        if (row.failed || row.sampleIndex < 0 || std::size_t(row.sampleIndex) >= m_scores->scores.total.size())
            continue;
        if (seen.contains(row.source)) {
            ++sides.duplicates;
            continue;
        }
        seen.insert(row.source);
        (row.countsAsInd ? sides.ind : sides.ood).push_back(std::size_t(row.sampleIndex));
    }
    return sides;
}

void ScoringPanel::refreshDroppedDistribution()
{
    std::vector<double> scores;
    if (m_scores)
        for (std::size_t sample : rocSides().ood)
            scores.push_back(m_scores->scores.total[sample]);
    m_distribution->setOodScores(std::move(scores), tr("dropped images"));
}

void ScoringPanel::refreshRoc()
{
    const RocSides sides = rocSides();
    const bool haveInd = m_snapshot && !m_snapshot->heldoutScores.empty();
    const bool haveOod = !sides.ood.empty();
    if (!haveInd || !haveOod) {
        m_roc->clear();
        m_rocLabel->setText(!haveInd ? tr("The ROC needs held-out InD images: fit with held-out images (Fit panel).")
                                     : m_scores && !m_scores->scores.total.empty() && !sides.ind.empty()
                ? tr("Every dropped image is marked InD: untick “ROC as” for the OOD ones.")
                : tr("Drop OOD images (a folder of them is easiest): the ROC then shows how well "
                     "each score tells them from the %1 held-out InD images.")
                      .arg(m_snapshot->heldoutScores.size()));
        return;
    }
    // Each side: held-out InD plus the rows the user marked InD; OOD: the other rows, each file once.
    const nac::engine::BaselineScores& heldout = m_snapshot->heldoutBaselines;
    const nac::engine::BaselineScores& dropped = m_scores->baselines;
    auto side = [&](const std::vector<double>& base, const std::vector<double>& rows, const std::vector<std::size_t>& samples) {
        std::vector<double> out = base;
        for (std::size_t sample : samples)
            out.push_back(sample < rows.size() ? rows[sample] : std::numeric_limits<double>::quiet_NaN());
        return out;
    };
    struct Method {
        QString name;
        std::vector<double> ind;
        std::vector<double> ood;
    };
    const std::vector<double> none;
    const Method methods[] = {
        {QStringLiteral("NAC-UE"), side(m_snapshot->heldoutScores, m_scores->scores.total, sides.ind),
         side(none, m_scores->scores.total, sides.ood)},
        {QStringLiteral("MSP"), side(heldout.msp, dropped.msp, sides.ind), side(none, dropped.msp, sides.ood)},
        {QStringLiteral("MaxLogit"), side(heldout.maxLogit, dropped.maxLogit, sides.ind), side(none, dropped.maxLogit, sides.ood)},
        {QStringLiteral("Energy"), side(heldout.energy, dropped.energy, sides.ind), side(none, dropped.energy, sides.ood)}};
    const std::size_t indCount = m_snapshot->heldoutScores.size() + sides.ind.size();
    std::vector<nac::widgets::RocView::Curve> curves;
    QStringList fprs;
    QStringList rows;
    for (const Method& method : methods) {
        // Held-out and dropped sets carry all four, unless they came from an older snapshot.
        if (method.ind.size() != indCount || method.ood.size() != sides.ood.size()
            || (method.name != QLatin1String("NAC-UE") && dropped.msp.size() != m_scores->scores.total.size()))
            continue;
        try {
            const nac::engine::OodMetrics metrics = nac::engine::computeOodMetrics(method.ind, method.ood);
            curves.push_back({method.name, metrics.roc, metrics.auroc});
            fprs << QStringLiteral("%1 %2%").arg(method.name).arg(metrics.fprAt95Tpr * 100.0, 0, 'f', 1);
            rows << tr("<tr><td>%1</td><td align='right'>%2</td><td align='right'>%3</td><td align='right'>%4</td>"
                       "<td align='right'>%5</td></tr>")
                        .arg(method.name)
                        .arg(metrics.auroc * 100.0, 0, 'f', 2)
                        .arg(metrics.fprAt95Tpr * 100.0, 0, 'f', 2)
                        .arg(metrics.auprIn * 100.0, 0, 'f', 2)
                        .arg(metrics.auprOut * 100.0, 0, 'f', 2);
        } catch (const std::exception& e) {
            fprs << tr("%1: %2").arg(method.name, QString::fromUtf8(e.what()).toHtmlEscaped());
        }
    }
    m_roc->setCurves(std::move(curves));
    const QString indText = sides.ind.empty()
        ? tr("%1 held-out images").arg(m_snapshot->heldoutScores.size())
        : tr("%1 held-out + %2 dropped images marked InD").arg(m_snapshot->heldoutScores.size()).arg(sides.ind.size());
    QString oodText = sides.ood.size() == m_scores->scores.total.size()
        ? tr("all %1 scored dropped images").arg(sides.ood.size())
        : tr("%1 of %2 scored dropped images").arg(sides.ood.size()).arg(m_scores->scores.total.size());
    if (sides.duplicates > 0)
        oodText += tr(" (%n repeated file(s) counted once)", nullptr, sides.duplicates);
    m_rocLabel->setText(tr("InD: %1 · OOD: %2. Tick “ROC as” in the list to count an image as InD; Delete removes it."
                           "<br>FPR@95: %3")
                            .arg(indText, oodText)
                            .arg(fprs.join(QStringLiteral(" · "))));
    m_rocLabel->setToolTip(tr("<table cellpadding='2'><tr><th align='left'>method</th><th>AUROC %</th><th>FPR@95 %</th>"
                              "<th>AUPR-In %</th><th>AUPR-Out %</th></tr>%1</table>"
                              "OOD is the positive class (SPEC §5), as in nac eval.")
                               .arg(rows.join(QString())));
}

QString ScoringPanel::rocSummary() const
{
    return m_rocLabel->text() + QLatin1Char('\n') + m_rocLabel->toolTip();
}

void ScoringPanel::setManualThreshold(double threshold)
{
    if (std::isfinite(threshold))
        m_manualThreshold = threshold;
    else
        m_manualThreshold.reset();
    applyThreshold();
    refreshExplanation();
}

void ScoringPanel::applyThreshold()
{
    const double automatic = m_snapshot ? m_snapshot->threshold : std::numeric_limits<double>::quiet_NaN();
    const double before = m_threshold;
    m_threshold = m_manualThreshold ? *m_manualThreshold : automatic;
    m_list->setThreshold(m_threshold);
    if (std::isfinite(m_threshold))
        m_distribution->setThreshold(m_threshold);
    m_autoThreshold->setEnabled(m_manualThreshold.has_value() && std::isfinite(automatic));
    m_thresholdLabel->setText(thresholdText());
    if (before != m_threshold && !(std::isnan(before) && std::isnan(m_threshold)))
        Q_EMIT thresholdChanged(m_threshold);
}

QString ScoringPanel::thresholdText() const
{
    if (!std::isfinite(m_threshold)) {
        if (m_snapshot && !m_snapshot->complete)
            return tr("Threshold: set when the fit has scored its held-out InD images.");
        return tr("Threshold: none (the profile has no held-out InD images). Drag in the plot to set one.");
    }
    const std::vector<double> heldout = m_snapshot ? m_snapshot->heldoutScores : std::vector<double>();
    QString kept;
    if (!heldout.empty()) {
        const auto keptCount = std::count_if(heldout.begin(), heldout.end(), [this](double s) { return s >= m_threshold; });
        kept = tr(", keeps %1% of held-out InD").arg(100.0 * double(keptCount) / double(heldout.size()), 0, 'f', 1);
    }
    if (m_manualThreshold)
        return tr("Threshold %1 (set by hand%2). Below it: OOD.").arg(m_threshold, 0, 'f', 4).arg(kept);
    return tr("Threshold %1 (automatic: 95% InD TPR%2). Below it: OOD.").arg(m_threshold, 0, 'f', 4).arg(kept);
}

void ScoringPanel::onRowSelected(int row)
{
    m_selectedSample = row >= 0 && row < m_list->rowCount() ? m_list->row(row).sampleIndex : -1;
    refreshExplanation();
    Q_EMIT sampleSelected(m_selectedSample);
}

QString ScoringPanel::explanationShown() const
{
    return m_explanation->toPlainText();
}

void ScoringPanel::refreshExplanation()
{
    // The selected image's score, marked on the distribution.
    const bool scored = m_scores && m_selectedSample >= 0 && std::size_t(m_selectedSample) < m_scores->scores.total.size();
    const auto name = m_names.find(m_selectedSample);
    m_distribution->setMarker(scored ? m_scores->scores.total[std::size_t(m_selectedSample)]
                                     : std::numeric_limits<double>::quiet_NaN(),
                              scored && name != m_names.end() ? name->second : QString());

    if (m_list->currentRow() >= 0 && m_selectedSample < 0) {
        const nac::widgets::ScoredImageRow& row = m_list->row(m_list->currentRow());
        m_explanation->setHtml(tr("<b>%1</b> was not scored: %2").arg(row.name.toHtmlEscaped(), row.notice.toHtmlEscaped()));
        return;
    }
    m_explanation->setHtml(explanationText(m_selectedSample));
}

std::vector<QVector<QPointF>> ScoringPanel::weakNeuronMarkers(int sampleIndex) const
{
    std::vector<QVector<QPointF>> markers;
    if (!m_scores || sampleIndex < 0 || std::size_t(sampleIndex) >= m_scores->explanations.size())
        return markers;
    const nac::engine::SampleExplanation& explanation = m_scores->explanations[std::size_t(sampleIndex)];
    markers.resize(explanation.neurons.size());
    for (std::size_t l = 0; l < explanation.neurons.size(); ++l) {
        const auto& neurons = explanation.neurons[l];
        for (std::size_t n = 0; n < neurons.size(); ++n)
            if (neurons[n].phi < kWeakPhi)
                markers[l].append(QPointF(double(n), double(neurons[n].state)));
    }
    return markers;
}

QString ScoringPanel::explanationText(int sampleIndex) const
{
    if (!m_scores || sampleIndex < 0 || std::size_t(sampleIndex) >= m_scores->explanations.size())
        return QString();
    const nac::engine::SampleExplanation& explanation = m_scores->explanations[std::size_t(sampleIndex)];
    const auto name = m_names.find(sampleIndex);
    QString html = QStringLiteral("<b>%1</b>: NAC-UE %2")
                       .arg(name != m_names.end() ? name->second.toHtmlEscaped() : tr("image %1").arg(sampleIndex))
                       .arg(explanation.total, 0, 'f', 4);
    if (std::isfinite(m_threshold))
        html += explanation.total >= m_threshold ? tr(" ≥ threshold %1: <b>InD</b>").arg(m_threshold, 0, 'f', 4)
                                                 : tr(" &lt; threshold %1: <b>OOD</b>").arg(m_threshold, 0, 'f', 4);
    const double percentile = std::size_t(sampleIndex) < m_scores->percentileInHeldout.size()
        ? m_scores->percentileInHeldout[std::size_t(sampleIndex)]
        : std::numeric_limits<double>::quiet_NaN();
    if (std::isfinite(percentile))
        html += tr("<br>It scores above %1% of the held-out InD images.").arg(percentile * 100.0, 0, 'f', 1);
    html += tr("<br>Per layer, the neurons whose state fell in an uncovered or weakly covered bin (Φ &lt; %1), "
               "marked on the heatmaps:")
                .arg(double(kWeakPhi));
    html += QStringLiteral("<table cellspacing='0' cellpadding='2'>");
    html += tr("<tr><th align='left'>layer</th><th align='right'>score</th><th align='right'>weak</th>"
               "<th align='left'>least covered neurons (state ẑ, Φ)</th></tr>");
    const QStringList names = m_snapshot ? m_snapshot->layerNames() : QStringList();
    for (std::size_t l = 0; l < explanation.neurons.size(); ++l) {
        const auto& neurons = explanation.neurons[l];
        std::vector<int> weak;
        for (std::size_t n = 0; n < neurons.size(); ++n)
            if (neurons[n].phi < kWeakPhi)
                weak.push_back(int(n));
        std::stable_sort(weak.begin(), weak.end(),
                         [&neurons](int a, int b) { return neurons[std::size_t(a)].phi < neurons[std::size_t(b)].phi; });
        QStringList worst;
        for (std::size_t i = 0; i < weak.size() && int(i) < kWorstNeuronsShown; ++i) {
            const nac::engine::NeuronVerdict& v = neurons[std::size_t(weak[i])];
            worst.append(tr("#%1 (%2, %3)")
                             .arg(weak[i])
                             .arg(double(v.state), 0, 'g', 4)
                             .arg(v.bin < 0 ? tr("no bin") : QString::number(double(v.phi), 'f', 2)));
        }
        const QString layerName = int(l) < names.size() ? names[int(l)] : tr("layer %1").arg(l);
        const double score = l < explanation.perLayer.size() ? explanation.perLayer[l] : 0.0;
        html += QStringLiteral("<tr><td>%1</td><td align='right'>%2</td><td align='right'>%3/%4</td><td>%5</td></tr>")
                    .arg(layerName.toHtmlEscaped())
                    .arg(score, 0, 'f', 3)
                    .arg(weak.size())
                    .arg(neurons.size())
                    .arg(worst.isEmpty() ? tr("none") : worst.join(QStringLiteral(", ")));
    }
    html += QStringLiteral("</table>");
    return html;
}

}  // namespace nac::app
