// Score list: a sortable QTableView over ScoreListModel, with the per-layer bar delegate and CSV export.
#include "widgets/score_list_view.h"

#include "widgets/layer_score_bars_delegate.h"
#include "widgets/score_list_model.h"

#include <QAction>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QSaveFile>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace nac::widgets {

ScoreListView::ScoreListView(QWidget* parent)
    : QWidget(parent)
    , m_model(new ScoreListModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_table(new QTableView(this))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(ScoreListModel::kSortRole);
    m_table->setModel(m_proxy);
    m_table->setObjectName(QStringLiteral("scoreTable"));
    m_table->setItemDelegateForColumn(ScoreListModel::LayersColumn, new LayerScoreBarsDelegate(m_table));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(ScoreListModel::ThumbnailColumn, Qt::AscendingOrder);  // order added
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setIconSize(QSize(40, 40));
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(46);
    QHeaderView* header = m_table->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setStretchLastSection(true);
    header->resizeSection(ScoreListModel::ThumbnailColumn, 52);
    header->resizeSection(ScoreListModel::NameColumn, 160);
    header->resizeSection(ScoreListModel::PredictionColumn, 130);
    header->resizeSection(ScoreListModel::ScoreColumn, 70);
    header->resizeSection(ScoreListModel::VerdictColumn, 60);
    header->resizeSection(ScoreListModel::LayersColumn, 80);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_table);

    header->resizeSection(ScoreListModel::RocRoleColumn, 64);
    auto* remove = new QAction(tr("Remove Image"), m_table);
    remove->setShortcut(QKeySequence::Delete);
    remove->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(remove, &QAction::triggered, this, [this] {
        if (currentRow() >= 0)
            removeRow(currentRow());
    });
    m_table->addAction(remove);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(m_model, &ScoreListModel::rocRolesChanged, this, &ScoreListView::rocRolesChanged);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current, const QModelIndex&) {
                Q_EMIT selectionChanged(current.isValid() ? m_proxy->mapToSource(current).row() : -1);
            });
}

ScoreListView::~ScoreListView() = default;

int ScoreListView::addResult(ScoredImageRow row)
{
    m_model->addRow(std::move(row));
    return m_model->rowCount() - 1;
}

void ScoreListView::updateScores(const nac::engine::ScoreTable& scores)
{
    m_model->updateScores(scores);
}

void ScoreListView::clear()
{
    m_model->clear();
}

void ScoreListView::setThreshold(double threshold)
{
    m_model->setThreshold(threshold);
}

double ScoreListView::threshold() const
{
    return m_model->threshold();
}

void ScoreListView::setLayerNames(const QStringList& names)
{
    m_model->setLayerNames(names);
}

void ScoreListView::removeRow(int row)
{
    if (row < 0 || row >= m_model->rowCount())
        return;
    const int sample = m_model->row(row).sampleIndex;
    m_model->removeRows(row, 1);
    Q_EMIT rowRemoved(sample);
}

void ScoreListView::setLayerReference(std::vector<double> reference)
{
    m_model->setLayerReference(std::move(reference));
}

void ScoreListView::setCurrentRow(int row)
{
    if (row < 0 || row >= m_model->rowCount()) {
        m_table->selectionModel()->clear();
        return;
    }
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, ScoreListModel::NameColumn));
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(index);
}

int ScoreListView::rowCount() const
{
    return m_model->rowCount();
}

const ScoredImageRow& ScoreListView::row(int row) const
{
    return m_model->row(row);
}

QString ScoreListView::verdictText(int row) const
{
    return ScoreListModel::verdictText(m_model->verdict(row));
}

int ScoreListView::currentRow() const
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    return current.isValid() ? m_proxy->mapToSource(current).row() : -1;
}

bool ScoreListView::exportCsv(const QString& path, QString* errorMessage)
{
    QSaveFile file(path);
    if (path.trimmed().isEmpty() || !file.open(QIODevice::WriteOnly)) {
        if (errorMessage) {
            *errorMessage = path.trimmed().isEmpty()
                ? tr("Cannot export the scores: no file name was given.")
                : tr("Cannot export the scores to '%1': %2. Choose a folder you can write to.").arg(path, file.errorString());
        }
        return false;
    }
    const QByteArray csv = m_model->toCsv();
    if (file.write(csv) != csv.size() || !file.commit()) {
        if (errorMessage)
            *errorMessage = tr("Cannot export the scores to '%1': %2.").arg(path, file.errorString());
        return false;
    }
    return true;
}

}  // namespace nac::widgets
