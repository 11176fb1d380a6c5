// Layer tree: builds items from ModuleNode depths, checkboxes only on tappable modules.
#include "widgets/layer_tree_view.h"

#include <QEvent>
#include <QHeaderView>

namespace nac::widgets {
namespace {

constexpr int kPathRole = Qt::UserRole + 1;
constexpr int kTappableRole = Qt::UserRole + 2;

}  // namespace

LayerTreeView::LayerTreeView(QWidget* parent)
    : QTreeWidget(parent)
{
    setColumnCount(ColumnCount);
    setHeaderLabels({tr("Module"), tr("Type"), tr("Output shape"), tr("Neurons")});
    headerItem()->setToolTip(PathColumn, tr("Module path in the model; check the layers whose neurons NAC covers."));
    headerItem()->setToolTip(ShapeColumn, tr("Output of the module in a dry run, batch dimension first."));
    headerItem()->setToolTip(NeuronsColumn, tr("Neurons NAC tracks: the channels (dimension 1) of the output."));
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    setSelectionMode(QAbstractItemView::SingleSelection);
    header()->setSectionResizeMode(PathColumn, QHeaderView::Interactive);
    header()->setStretchLastSection(false);
    connect(this, &QTreeWidget::itemChanged, this, &LayerTreeView::onItemChanged);
}

LayerTreeView::~LayerTreeView() = default;

QString LayerTreeView::formatShape(const std::vector<std::int64_t>& shape)
{
    if (shape.empty())
        return QString();
    QStringList parts;
    for (std::int64_t size : shape)
        parts.append(QString::number(size));
    return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
}

void LayerTreeView::setModules(const std::vector<nac::engine::ModuleNode>& modules)
{
    m_updating = true;
    clear();
    m_items.clear();
    std::vector<QTreeWidgetItem*> lastAtDepth;
    for (const nac::engine::ModuleNode& node : modules) {
        const QString path = QString::fromStdString(node.path);
        const int depth = std::max(node.depth, 0);
        QTreeWidgetItem* parent = nullptr;
        for (int d = std::min(depth, int(lastAtDepth.size())) - 1; d >= 0 && !parent; --d)
            parent = lastAtDepth[std::size_t(d)];
        auto* item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(this);
        item->setText(PathColumn, path.isEmpty() ? tr("(model)") : path);
        item->setText(TypeColumn, QString::fromStdString(node.typeName));
        item->setText(ShapeColumn, formatShape(node.outputShape));
        item->setText(NeuronsColumn, node.neuronCount > 0 ? QString::number(node.neuronCount) : QString());
        item->setTextAlignment(NeuronsColumn, Qt::AlignRight | Qt::AlignVCenter);
        item->setData(PathColumn, kPathRole, path);
        item->setData(PathColumn, kTappableRole, node.tappable);
        Qt::ItemFlags flags = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
        QString tip;
        if (node.tappable) {
            flags |= Qt::ItemIsUserCheckable;
            item->setCheckState(PathColumn, Qt::Unchecked);
            tip = tr("%1 (%2): output %3, %4 neurons. Check to cover it.")
                      .arg(path, QString::fromStdString(node.typeName), formatShape(node.outputShape))
                      .arg(node.neuronCount);
        } else {
            tip = tr("%1 cannot be tapped: %2")
                      .arg(path.isEmpty() ? tr("The model itself") : path, QString::fromStdString(node.notTappableReason));
        }
        item->setFlags(flags);
        for (int column = 0; column < ColumnCount; ++column)
            item->setToolTip(column, tip);
        if (int(lastAtDepth.size()) <= depth)
            lastAtDepth.resize(std::size_t(depth) + 1, nullptr);
        lastAtDepth[std::size_t(depth)] = item;
        lastAtDepth.resize(std::size_t(depth) + 1);
        m_items.push_back(item);
    }
    expandAll();
    for (int column = 0; column < ColumnCount; ++column)
        resizeColumnToContents(column);
    applyGreying();
    m_updating = false;
}

void LayerTreeView::setChecked(const QStringList& paths)
{
    m_updating = true;
    for (QTreeWidgetItem* item : m_items) {
        if (item->data(PathColumn, kTappableRole).toBool()) {
            const bool checked = paths.contains(item->data(PathColumn, kPathRole).toString());
            item->setCheckState(PathColumn, checked ? Qt::Checked : Qt::Unchecked);
        }
    }
    m_updating = false;
}

QStringList LayerTreeView::checkedLayers() const
{
    QStringList paths;
    for (const QTreeWidgetItem* item : m_items) {
        if (item->data(PathColumn, kTappableRole).toBool() && item->checkState(PathColumn) == Qt::Checked)
            paths.append(item->data(PathColumn, kPathRole).toString());
    }
    return paths;
}

QStringList LayerTreeView::modulePaths() const
{
    QStringList paths;
    for (const QTreeWidgetItem* item : m_items)
        paths.append(item->data(PathColumn, kPathRole).toString());
    return paths;
}

QTreeWidgetItem* LayerTreeView::itemForPath(const QString& path) const
{
    for (QTreeWidgetItem* item : m_items) {
        if (item->data(PathColumn, kPathRole).toString() == path)
            return item;
    }
    return nullptr;
}

bool LayerTreeView::isCheckable(const QString& path) const
{
    const QTreeWidgetItem* item = itemForPath(path);
    return item && (item->flags() & Qt::ItemIsUserCheckable);
}

QString LayerTreeView::toolTipFor(const QString& path) const
{
    const QTreeWidgetItem* item = itemForPath(path);
    return item ? item->toolTip(PathColumn) : QString();
}

void LayerTreeView::changeEvent(QEvent* event)
{
    QTreeWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyGreying();
}

void LayerTreeView::applyGreying()
{
    // Greyed by colour, not by disabling: a disabled item would also disable its children.
    const QBrush greyed = palette().brush(QPalette::Disabled, QPalette::Text);
    const bool wasUpdating = m_updating;
    m_updating = true;
    for (QTreeWidgetItem* item : m_items) {
        if (item->data(PathColumn, kTappableRole).toBool())
            continue;
        for (int column = 0; column < ColumnCount; ++column)
            item->setForeground(column, greyed);
    }
    m_updating = wasUpdating;
}

void LayerTreeView::onItemChanged(QTreeWidgetItem* item, int column)
{
    if (m_updating || column != PathColumn || !item->data(PathColumn, kTappableRole).toBool())
        return;
    Q_EMIT checkedLayersChanged(checkedLayers());
}

}  // namespace nac::widgets
