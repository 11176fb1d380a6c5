// WorkbenchPanel: the sets table, the metrics table (as `nac eval` prints it) and the per-set plots.
#include "app/gui/workbench_panel.h"

#include "app/gui/resource_paths.h"

#include "widgets/set_curves_view.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QResizeEvent>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace nac::app {

namespace {

constexpr int kDistributionBins = 60;
constexpr int kFractionRole = Qt::UserRole + 1;   // metrics cells: the value as a fraction
constexpr int kSetNameRole = Qt::UserRole + 2;    // sets table: the set's name

enum SetsColumn { SetsName = 0, SetsRole, SetsImages, SetsData, SetsStatus, SetsColumnCount };

QString percentText(double fraction)
{
    return std::isfinite(fraction) ? QString::number(100.0 * fraction, 'f', 2) : QStringLiteral("–");
}

// "mnist" for .../mnist-images-idx3-ubyte.gz, "invert-t10k@0-999" for invert:.../t10k-images-idx3-ubyte.gz@0-999.
QString nameFromSpec(const QString& spec)
{
    QString rest = spec.trimmed();
    QString prefix;
    for (const QString& transform : {QStringLiteral("invert:"), QStringLiteral("rot90:"), QStringLiteral("rot180:")}) {
        while (rest.startsWith(transform)) {
            prefix += transform.chopped(1) + QLatin1Char('-');
            rest = rest.mid(transform.size());
        }
    }
    if (rest.startsWith(QLatin1String("noise:"))) {
        const QStringList parts = rest.split(QLatin1Char(':'));
        return prefix + QStringLiteral("noise-") + (parts.size() > 1 ? parts[1] : QString());
    }
    QString range;
    const int at = rest.lastIndexOf(QLatin1Char('@'));
    if (at > 0 && !QFileInfo::exists(rest)) {
        range = rest.mid(at);
        rest = rest.left(at);
    }
    while (rest.endsWith(QLatin1Char('/')) && rest.size() > 1)
        rest.chop(1);
    QString base = QFileInfo(rest).fileName();
    for (const QString& suffix : {QStringLiteral(".gz"), QStringLiteral("-idx3-ubyte"), QStringLiteral("-idx4-ubyte"),
                                  QStringLiteral("-images"), QStringLiteral(".idx")}) {
        if (base.endsWith(suffix))
            base.chop(suffix.size());
    }
    if (base.isEmpty())
        base = QStringLiteral("set");
    return prefix + base + range;
}

QTableWidgetItem* itemAt(QTableWidget* table, int row, int column)
{
    QTableWidgetItem* item = table->item(row, column);
    if (!item) {
        item = new QTableWidgetItem;
        item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
        table->setItem(row, column, item);
    }
    return item;
}

}  // namespace

WorkbenchPanel::WorkbenchPanel(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);

    auto makeAddButton = [this](const QString& text, SetRole role) {
        auto* button = new QToolButton(this);
        button->setText(text);
        button->setPopupMode(QToolButton::InstantPopup);
        auto* menu = new QMenu(button);
        menu->addAction(tr("IDX File…"), this, [this, role] { chooseFile(role); });
        menu->addAction(tr("Image Folder…"), this, [this, role] { chooseFolder(role); });
        menu->addAction(tr("Data Spec (noise:, invert:, rot90:, @range)…"), this, [this, role] { enterSpec(role); });
        button->setMenu(menu);
        (role == SetRole::InD ? m_addIndMenu : m_addOodMenu) = menu;
        return button;
    };
    m_addOod = makeAddButton(tr("Add OOD Set"), SetRole::Ood);
    m_addOodMenu->setTitle(tr("Add &OOD Set"));
    m_addOod->setObjectName(QStringLiteral("addOodButton"));
    m_addOod->setToolTip(tr("An OOD set: an IDX file, a folder of images, noise:gaussian:N, invert:/rot90:/rot180: in "
                            "front of any of them, @FIRST-LAST for a range"));
    m_addInd = makeAddButton(tr("Add InD Test Set"), SetRole::InD);
    m_addIndMenu->setTitle(tr("Add &InD Test Set"));
    m_addInd->setObjectName(QStringLiteral("addIndButton"));
    m_addInd->setToolTip(tr("In-distribution test images (e.g. the test split of the training data). Without one, the "
                            "fit's held-out InD images are the InD side."));
    m_bundled = new QPushButton(tr("Bundled OOD Sets"), this);
    m_bundled->setObjectName(QStringLiteral("bundledButton"));
    m_bundled->setToolTip(tr("The demo's OOD sets: MNIST digits and texture patches"));
    m_bundled->setEnabled(!bundledOodSets().isEmpty());
    connect(m_bundled, &QPushButton::clicked, this, [this] {
        for (const QString& spec : bundledOodSets())
            addSet(spec, SetRole::Ood);
    });
    m_remove = new QPushButton(tr("Remove"), this);
    m_remove->setToolTip(tr("Remove the selected sets (Delete)"));
    connect(m_remove, &QPushButton::clicked, this, &WorkbenchPanel::removeSelected);
    m_again = new QPushButton(tr("Evaluate Again"), this);
    m_again->setToolTip(tr("Run the model again over sets scored for other layers (after a new fit)"));
    m_again->setVisible(false);
    connect(m_again, &QPushButton::clicked, this, &WorkbenchPanel::reevaluateStale);
    m_buttonBox = new QWidget(this);
    m_buttonBox->setObjectName(QStringLiteral("workbenchButtons"));
    m_buttonGrid = new QGridLayout(m_buttonBox);
    m_buttonGrid->setContentsMargins(0, 0, 0, 0);
    arrangeButtons();
    layout->addWidget(m_buttonBox);

    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("evaluationProgress"));
    m_progress->setVisible(false);
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("evaluationCancel"));
    m_cancel->setVisible(false);
    connect(m_cancel, &QPushButton::clicked, this, [this] { Q_EMIT cancelRequested(); });
    auto* progressRow = new QHBoxLayout;
    progressRow->addWidget(m_progress, 1);
    progressRow->addWidget(m_cancel);
    layout->addLayout(progressRow);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("evaluationStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    m_sets = new QTableWidget(0, SetsColumnCount, this);
    m_sets->setObjectName(QStringLiteral("setsTable"));
    m_sets->setHorizontalHeaderLabels({tr("Set"), tr("Role"), tr("Images"), tr("Data"), tr("Status")});
    m_sets->verticalHeader()->setVisible(false);
    m_sets->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_sets->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    // The data spec takes the room that is left, cut in the middle so that the file name shows
    // (the whole spec is the tooltip).
    m_sets->horizontalHeader()->setSectionResizeMode(SetsData, QHeaderView::Stretch);
    m_sets->horizontalHeader()->setStretchLastSection(false);
    m_sets->setWordWrap(false);
    m_sets->setTextElideMode(Qt::ElideMiddle);
    auto* removeAction = new QAction(tr("Remove Set"), m_sets);
    removeAction->setShortcut(QKeySequence::Delete);
    removeAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(removeAction, &QAction::triggered, this, &WorkbenchPanel::removeSelected);
    m_sets->addAction(removeAction);
    m_sets->setContextMenuPolicy(Qt::ActionsContextMenu);

    m_metrics = new QTableWidget(0, ColumnCount, this);
    m_metrics->setObjectName(QStringLiteral("metricsTable"));
    m_metrics->setHorizontalHeaderLabels({tr("OOD set"), tr("Method"), tr("AUROC"), tr("FPR@95"), tr("AUPR-In"), tr("AUPR-Out")});
    m_metrics->verticalHeader()->setVisible(false);
    m_metrics->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_metrics->horizontalHeader()->setStretchLastSection(true);
    m_metrics->setToolTip(tr("Percent, as `nac eval` prints them: OOD is the positive class; FPR@95 is the share of InD "
                             "images called OOD when 95% of the OOD images are detected (lower is better)."));

    m_method = new QComboBox(this);
    m_method->setObjectName(QStringLiteral("methodBox"));
    for (int m = 0; m < kEvalMethodCount; ++m)
        m_method->addItem(evalMethodText(EvalMethod(m)));
    connect(m_method, &QComboBox::currentIndexChanged, this, [this] { refreshPlots(); });

    m_roc = new nac::widgets::SetCurvesView(this);
    m_roc->setObjectName(QStringLiteral("workbenchRoc"));
    m_roc->setAxisLabels(tr("FPR (InD images called OOD)"), tr("TPR (OOD detected)"));
    m_distribution = new nac::widgets::SetCurvesView(this);
    m_distribution->setObjectName(QStringLiteral("workbenchDistribution"));
    m_distribution->setAxisLabels(tr("score (higher: more in-distribution)"), tr("density"));

    auto* plots = new QWidget(this);
    auto* plotsLayout = new QVBoxLayout(plots);
    plotsLayout->setContentsMargins(0, 0, 0, 0);
    auto* methodRow = new QHBoxLayout;
    methodRow->addWidget(new QLabel(tr("Method:"), plots));
    methodRow->addWidget(m_method);
    methodRow->addStretch(1);
    plotsLayout->addLayout(methodRow);
    auto* plotTabs = new QTabWidget(plots);
    plotTabs->addTab(m_roc, tr("ROC"));
    plotTabs->addTab(m_distribution, tr("Distributions"));
    plotsLayout->addWidget(plotTabs, 1);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("workbenchTabs"));
    m_tabs->addTab(m_metrics, tr("Metrics"));
    m_tabs->addTab(plots, tr("Plots"));
    // The plots are drawn when they are shown: a parameter change with the metrics in front only
    // updates the table.
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        if (m_plotsDirty)
            refreshPlots();
    });

    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->addWidget(m_sets);
    m_splitter->addWidget(m_tabs);
    m_splitter->setStretchFactor(0, 1);
    m_splitter->setStretchFactor(1, 3);
    layout->addWidget(m_splitter, 1);
    clear();
}

WorkbenchPanel::~WorkbenchPanel() = default;

QStringList WorkbenchPanel::bundledOodSets()
{
    QStringList specs;
    const QString demo = ResourcePaths::demoDir();
    if (demo.isEmpty())
        return specs;
    const QDir ood(QDir(demo).filePath(QStringLiteral("ood")));
    for (const QString& file : {QStringLiteral("mnist-images-idx3-ubyte.gz"), QStringLiteral("textures-test-images-idx3-ubyte.gz"),
                                QStringLiteral("textures-val-images-idx3-ubyte.gz")}) {
        if (QFileInfo::exists(ood.filePath(file)))
            specs.append(ood.filePath(file));
    }
    return specs;
}

QString WorkbenchPanel::uniqueName(const QString& base) const
{
    auto taken = [this](const QString& name) {
        if (m_results && m_results->setIndex(name) >= 0)
            return true;
        return std::any_of(m_pending.begin(), m_pending.end(), [&](const EvaluationSetRequest& r) { return r.name == name; });
    };
    if (!taken(base))
        return base;
    for (int k = 2;; ++k) {
        const QString name = QStringLiteral("%1-%2").arg(base).arg(k);
        if (!taken(name))
            return name;
    }
}

QString WorkbenchPanel::addSet(const QString& spec, SetRole role, const QString& name)
{
    if (spec.trimmed().isEmpty())
        return QString();
    EvaluationSetRequest request;
    request.spec = spec.trimmed();
    request.role = role;
    // A set given again under its own name is evaluated again (replaced); otherwise a fresh name.
    request.name = name.trimmed().isEmpty() ? uniqueName(nameFromSpec(spec)) : name.trimmed();
    m_pending.erase(std::remove_if(m_pending.begin(), m_pending.end(),
                                   [&](const EvaluationSetRequest& r) { return r.name == request.name; }),
                    m_pending.end());
    m_pending.append(request);
    refreshSets();
    Q_EMIT evaluateRequested({request});
    return request.name;
}

void WorkbenchPanel::chooseFile(SetRole role)
{
    const QString path = QFileDialog::getOpenFileName(this, role == SetRole::InD ? tr("InD Test Set (IDX)") : tr("OOD Set (IDX)"),
                                                      QString(), tr("IDX images (*-ubyte *-ubyte.gz *.idx *.idx.gz);;All files (*)"));
    if (!path.isEmpty())
        addSet(path, role);
}

void WorkbenchPanel::chooseFolder(SetRole role)
{
    const QString path = QFileDialog::getExistingDirectory(this, role == SetRole::InD ? tr("InD Test Images") : tr("OOD Images"));
    if (!path.isEmpty())
        addSet(path, role);
}

void WorkbenchPanel::enterSpec(SetRole role)
{
    bool ok = false;
    const QString spec = QInputDialog::getText(
        this, role == SetRole::InD ? tr("InD Test Set") : tr("OOD Set"),
        tr("Data, as `nac eval` takes it, e.g. noise:gaussian:2000:seed=3, invert:t10k-images-idx3-ubyte.gz@0-999, "
           "rot90:FOLDER:"),
        QLineEdit::Normal, QString(), &ok);
    if (ok && !spec.trimmed().isEmpty())
        addSet(spec, role);
}

void WorkbenchPanel::removeSelected()
{
    QStringList names;
    for (const QModelIndex& index : m_sets->selectionModel()->selectedRows())
        names.append(m_sets->item(index.row(), SetsName)->data(kSetNameRole).toString());
    for (const QString& name : names) {
        const bool pending = std::any_of(m_pending.begin(), m_pending.end(), [&](const EvaluationSetRequest& r) { return r.name == name; });
        if (pending && !(m_results && m_results->setIndex(name) >= 0)) {
            m_status->setText(tr("%1 is still being evaluated: cancel the evaluation to stop it.").arg(name));
            continue;
        }
        Q_EMIT removeRequested(name);
    }
}

void WorkbenchPanel::reevaluateStale()
{
    if (!m_results)
        return;
    QList<EvaluationSetRequest> requests;
    for (const EvaluatedSet& set : m_results->sets) {
        if (!set.problem.isEmpty()) {
            EvaluationSetRequest request;
            request.name = set.name;
            request.spec = set.spec;
            request.role = set.role;
            requests.append(request);
            m_pending.append(request);
        }
    }
    if (!requests.isEmpty()) {
        refreshSets();
        Q_EMIT evaluateRequested(requests);
    }
}

void WorkbenchPanel::arrangeButtons()
{
    const std::vector<QAbstractButton*> buttons{m_addOod, m_addInd, m_bundled, m_remove, m_again};
    const int spacing = std::max(0, m_buttonGrid->spacing());
    int oneRow = 0;
    int widestPair = 0;
    for (std::size_t i = 0; i < buttons.size(); ++i) {
        oneRow += buttons[i]->sizeHint().width() + spacing;
        if (i % 2 == 1)
            widestPair = std::max(widestPair, buttons[i - 1]->sizeHint().width() + spacing + buttons[i]->sizeHint().width());
    }
    widestPair = std::max(widestPair, buttons.back()->sizeHint().width());
    // Two columns need only the widest pair: the panel (and the dock that holds it) can be as
    // narrow as that, and switches to one row when there is room for it.
    m_buttonBox->setMinimumWidth(widestPair);
    const int rows = width() >= oneRow ? 1 : 2;
    if (rows == m_buttonRows)
        return;
    m_buttonRows = rows;
    for (QAbstractButton* button : buttons)
        m_buttonGrid->removeWidget(button);
    for (std::size_t i = 0; i < buttons.size(); ++i) {
        if (rows == 1)
            m_buttonGrid->addWidget(buttons[i], 0, int(i));
        else
            m_buttonGrid->addWidget(buttons[i], int(i / 2), int(i % 2));
    }
    for (int column = 0; column < m_buttonGrid->columnCount(); ++column)
        m_buttonGrid->setColumnStretch(column, 0);
    m_buttonGrid->setColumnStretch(rows == 1 ? int(buttons.size()) : 2, 1);  // the buttons stay at their size, on the left
}

void WorkbenchPanel::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    arrangeButtons();
}

void WorkbenchPanel::markJobStarted(int jobId)
{
    m_jobs.append(jobId);
    ++m_runningJobs;
    m_progress->setRange(0, 0);
    m_progress->setVisible(true);
    m_cancel->setVisible(true);
}

void WorkbenchPanel::setProgress(const JobProgress& progress)
{
    if (progress.kind != JobKind::EvaluateSets)
        return;
    m_progress->setVisible(true);
    m_cancel->setVisible(true);
    m_progress->setRange(0, 1000);
    m_progress->setValue(progress.imagesTotal > 0 ? int(1000 * progress.imagesDone / progress.imagesTotal) : 0);
    m_progress->setFormat(QStringLiteral("%1: %2 / %3").arg(progress.stage).arg(progress.imagesDone).arg(progress.imagesTotal));
    m_status->setText(tr("Evaluating %1: %2 of %3 images, %4 images/s, about %5 s left.")
                          .arg(progress.stage)
                          .arg(progress.imagesDone)
                          .arg(progress.imagesTotal)
                          .arg(progress.imagesPerSecond, 0, 'f', 0)
                          .arg(progress.etaSeconds, 0, 'f', 0));
}

void WorkbenchPanel::setJobFinished(const JobResult& result)
{
    if (result.kind != JobKind::EvaluateSets || !m_jobs.contains(result.jobId))
        return;
    m_jobs.removeAll(result.jobId);
    m_runningJobs = std::max(0, m_runningJobs - 1);
    if (m_runningJobs == 0) {
        m_progress->setVisible(false);
        m_cancel->setVisible(false);
        // What did not reach the results will not: forget it.
        m_pending.clear();
    }
    switch (result.outcome) {
    case JobOutcome::Completed:
        m_lastMessage = result.message;
        break;
    case JobOutcome::Canceled:
        m_lastMessage = tr("Evaluation canceled; the sets evaluated before it are kept.");
        break;
    case JobOutcome::Failed:
        m_lastMessage = tr("Could not evaluate: %1").arg(result.message);
        break;
    }
    refreshSets();
    m_status->setText(statusText());
}

void WorkbenchPanel::clear()
{
    m_results.reset();
    m_pending.clear();
    refreshSets();
    refreshMetrics();
    refreshPlots();
    m_status->setText(statusText());
}

void WorkbenchPanel::setResults(std::shared_ptr<const EvaluationResults> results)
{
    QElapsedTimer timer;
    timer.start();
    m_results = std::move(results);
    if (m_results)
        for (const EvaluatedSet& set : m_results->sets)
            m_pending.erase(std::remove_if(m_pending.begin(), m_pending.end(),
                                           [&](const EvaluationSetRequest& r) { return r.name == set.name; }),
                            m_pending.end());
    refreshSets();
    refreshMetrics();
    refreshPlots();
    m_status->setText(statusText());
    Q_EMIT resultsShown(m_results ? m_results->generation : 0, double(timer.nsecsElapsed()) / 1e6);
}

QString WorkbenchPanel::statusText() const
{
    QStringList lines;
    if (!m_lastMessage.isEmpty())
        lines.append(m_lastMessage);
    if (!m_results || m_results->sets.empty()) {
        if (m_pending.isEmpty())
            lines.append(tr("Add OOD sets (IDX files, image folders, noise:, invert:/rot90: sets) and, optionally, InD test "
                            "sets; each is scored once, then every parameter change updates the metrics at once."));
        return lines.join(QLatin1Char('\n'));
    }
    if (m_results->indCount == 0) {
        lines.append(tr("No InD side: add an InD test set, or fit with held-out images, to get metrics."));
    } else {
        lines.append(tr("InD side: %1 (%2 images)%3.")
                         .arg(m_results->indDescription)
                         .arg(m_results->indCount)
                         .arg(std::isfinite(m_results->threshold)
                                  ? tr("; NAC-UE threshold keeping 95% of them: %1").arg(m_results->threshold, 0, 'f', 4)
                                  : QString()));
    }
    return lines.join(QLatin1Char('\n'));
}

void WorkbenchPanel::refreshSets()
{
    m_updatingSets = true;
    const int shown = m_results ? int(m_results->sets.size()) : 0;
    m_sets->setRowCount(shown + int(m_pending.size()));
    bool anyStale = false;
    auto fillRow = [this](int row, const QString& name, SetRole role, const QString& images, const QString& data,
                          const QString& status, bool editable) {
        QTableWidgetItem* nameItem = itemAt(m_sets, row, SetsName);
        nameItem->setText(name);
        nameItem->setData(kSetNameRole, name);
        itemAt(m_sets, row, SetsImages)->setText(images);
        itemAt(m_sets, row, SetsData)->setText(data);
        itemAt(m_sets, row, SetsData)->setToolTip(data);
        itemAt(m_sets, row, SetsStatus)->setText(status);
        itemAt(m_sets, row, SetsStatus)->setToolTip(status);
        auto* box = qobject_cast<QComboBox*>(m_sets->cellWidget(row, SetsRole));
        if (!box) {
            box = new QComboBox;
            box->addItem(setRoleText(SetRole::InD), int(SetRole::InD));
            box->addItem(setRoleText(SetRole::Ood), int(SetRole::Ood));
            box->setToolTip(tr("InD: the images count as in-distribution (pooled as the InD side). OOD: one OOD set."));
            connect(box, &QComboBox::currentIndexChanged, this, [this, box] {
                if (m_updatingSets)
                    return;
                const QString setName = box->property("setName").toString();
                Q_EMIT roleChangeRequested(setName, SetRole(box->currentData().toInt()));
            });
            m_sets->setCellWidget(row, SetsRole, box);
        }
        box->setProperty("setName", name);
        box->setCurrentIndex(role == SetRole::InD ? 0 : 1);
        box->setEnabled(editable);
        itemAt(m_sets, row, SetsRole)->setText(setRoleText(role));
    };
    for (int row = 0; row < shown; ++row) {
        const EvaluatedSet& set = m_results->sets[std::size_t(row)];
        QString status = set.problem.isEmpty() ? tr("evaluated") : set.problem;
        if (set.skipped > 0)
            status += tr("; %n unreadable image(s) left out", nullptr, int(set.skipped));
        anyStale = anyStale || !set.problem.isEmpty();
        const bool pendingAgain =
            std::any_of(m_pending.begin(), m_pending.end(), [&](const EvaluationSetRequest& r) { return r.name == set.name; });
        if (pendingAgain)
            status = tr("evaluating again…");
        fillRow(row, set.name, set.role, QString::number(set.imageCount()), set.description.isEmpty() ? set.spec : set.description,
                status, !pendingAgain);
    }
    int row = shown;
    for (const EvaluationSetRequest& request : m_pending) {
        if (m_results && m_results->setIndex(request.name) >= 0)
            continue;
        fillRow(row++, request.name, request.role, QStringLiteral("…"), request.spec,
                m_runningJobs > 0 || !m_jobs.isEmpty() ? tr("evaluating…") : tr("waiting"), false);
    }
    m_sets->setRowCount(row);
    m_again->setVisible(anyStale);
    m_updatingSets = false;
}

void WorkbenchPanel::refreshMetrics()
{
    struct Row {
        QString set;
        EvalMethod method;
        const nac::engine::OodMetrics* metrics;
        double values[4];
    };
    std::vector<Row> rows;
    std::vector<std::vector<double>> sums(kEvalMethodCount, std::vector<double>(4, 0.0));
    int oodSets = 0;
    if (m_results) {
        for (const EvaluatedSet& set : m_results->sets) {
            if (set.role != SetRole::Ood || set.metrics.size() != std::size_t(kEvalMethodCount))
                continue;
            ++oodSets;
            for (int m = 0; m < kEvalMethodCount; ++m) {
                const nac::engine::OodMetrics& metrics = set.metrics[std::size_t(m)];
                const double values[4] = {metrics.auroc, metrics.fprAt95Tpr, metrics.auprIn, metrics.auprOut};
                rows.push_back({set.name, EvalMethod(m), &metrics, {values[0], values[1], values[2], values[3]}});
                for (int k = 0; k < 4; ++k)
                    sums[std::size_t(m)][std::size_t(k)] += values[k];
            }
        }
    }
    if (oodSets > 1) {
        for (int m = 0; m < kEvalMethodCount; ++m) {
            Row row{tr("average"), EvalMethod(m), nullptr, {}};
            for (int k = 0; k < 4; ++k)
                row.values[k] = sums[std::size_t(m)][std::size_t(k)] / double(oodSets);
            rows.push_back(row);
        }
    }
    m_metrics->setRowCount(int(rows.size()));
    for (int r = 0; r < int(rows.size()); ++r) {
        const Row& row = rows[std::size_t(r)];
        itemAt(m_metrics, r, SetColumn)->setText(row.set);
        itemAt(m_metrics, r, MethodColumn)->setText(evalMethodText(row.method));
        for (int k = 0; k < 4; ++k) {
            QTableWidgetItem* item = itemAt(m_metrics, r, AurocColumn + k);
            item->setText(percentText(row.values[k]));
            item->setData(kFractionRole, row.values[k]);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        }
        QFont font = m_metrics->font();
        font.setBold(row.method == EvalMethod::NacUe);
        for (int c = 0; c < ColumnCount; ++c)
            itemAt(m_metrics, r, c)->setFont(font);
    }
}

double WorkbenchPanel::metric(const QString& setName, EvalMethod method, int column) const
{
    for (int r = 0; r < m_metrics->rowCount(); ++r) {
        const QTableWidgetItem* set = m_metrics->item(r, SetColumn);
        const QTableWidgetItem* name = m_metrics->item(r, MethodColumn);
        const QTableWidgetItem* value = m_metrics->item(r, column);
        if (set && name && value && set->text() == setName && name->text() == evalMethodText(method))
            return value->data(kFractionRole).toDouble();
    }
    return std::numeric_limits<double>::quiet_NaN();
}

void WorkbenchPanel::refreshPlots()
{
    if (m_tabs->currentIndex() != 1 && isVisible()) {
        m_plotsDirty = true;
        return;
    }
    m_plotsDirty = false;
    const EvalMethod method = EvalMethod(std::max(0, m_method->currentIndex()));
    std::vector<nac::widgets::SetCurvesView::Curve> rocCurves;
    std::vector<nac::widgets::SetCurvesView::Curve> densities;
    if (m_results) {
        int colour = 1;  // 0 is the InD side
        double low = std::numeric_limits<double>::infinity();
        double high = -low;
        auto widen = [&](const std::vector<double>& scores) {
            for (double s : scores)
                if (std::isfinite(s)) {
                    low = std::min(low, s);
                    high = std::max(high, s);
                }
        };
        const std::vector<double>& ind = m_results->indScores[int(method)];
        widen(ind);
        for (const EvaluatedSet& set : m_results->sets)
            if (set.problem.isEmpty())
                widen(*set.scores(method));
        auto density = [&](const std::vector<double>& scores, const QString& name, int colourIndex, bool dashed) {
            nac::widgets::SetCurvesView::Curve curve;
            curve.name = tr("%1 (%2)").arg(name).arg(scores.size());
            curve.colourIndex = colourIndex;
            curve.dashed = dashed;
            if (scores.empty() || !(low <= high))
                return curve;
            const double width = high > low ? (high - low) / kDistributionBins : 1.0;
            std::vector<double> counts(kDistributionBins, 0.0);
            for (double s : scores) {
                if (!std::isfinite(s))
                    continue;
                const int bin = std::clamp(int((s - low) / width), 0, kDistributionBins - 1);
                counts[std::size_t(bin)] += 1.0;
            }
            for (int b = 0; b < kDistributionBins; ++b) {
                curve.x.append(low + (b + 0.5) * width);
                curve.y.append(counts[std::size_t(b)] / (double(scores.size()) * width));
            }
            return curve;
        };
        if (!ind.empty())
            densities.push_back(density(ind, tr("InD: %1").arg(m_results->indDescription), 0, true));
        for (const EvaluatedSet& set : m_results->sets) {
            if (!set.problem.isEmpty())
                continue;
            const int index = colour++;
            if (set.role == SetRole::Ood || m_results->indFromHeldout)
                densities.push_back(density(*set.scores(method), set.name, index, set.role == SetRole::InD));
            if (set.role != SetRole::Ood || set.metrics.size() != std::size_t(kEvalMethodCount))
                continue;
            const nac::engine::OodMetrics& metrics = set.metrics[std::size_t(method)];
            nac::widgets::SetCurvesView::Curve curve;
            curve.name = tr("%1 (AUROC %2%)").arg(set.name, percentText(metrics.auroc));
            curve.colourIndex = index;
            for (const nac::engine::RocPoint& point : metrics.roc) {
                curve.x.append(point.falsePositiveRate);
                curve.y.append(point.truePositiveRate);
            }
            rocCurves.push_back(std::move(curve));
        }
    }
    m_roc->setCurves(std::move(rocCurves), nac::widgets::SetCurvesView::Range::UnitSquare);
    m_distribution->setCurves(std::move(densities), nac::widgets::SetCurvesView::Range::Data);
    const bool threshold = m_results && method == EvalMethod::NacUe && std::isfinite(m_results->threshold);
    m_distribution->setMarker(threshold ? m_results->threshold : std::numeric_limits<double>::quiet_NaN(),
                              threshold ? tr("95% InD: %1").arg(m_results->threshold, 0, 'f', 4) : QString());
}

}  // namespace nac::app
