// The model's module tree with output shapes; tappable modules have a checkbox to choose the layers to cover.
#pragma once

#include "engine/model.h"

#include <QStringList>
#include <QTreeWidget>

#include <vector>

namespace nac::widgets {

// Lives on the GUI thread. Columns: module path, type, output shape, neurons. Modules that cannot
// be tapped have no checkbox, greyed text and the reason as tooltip. Setters never emit.
class LayerTreeView : public QTreeWidget {
    Q_OBJECT
public:
    enum Column {
        PathColumn = 0,
        TypeColumn,
        ShapeColumn,
        NeuronsColumn,
        ColumnCount,
    };

    explicit LayerTreeView(QWidget* parent = nullptr);
    ~LayerTreeView() override;

    // modules in pre-order with their depth (as Model::moduleTree() lists them). Clears the checks.
    void setModules(const std::vector<nac::engine::ModuleNode>& modules);
    // Checks exactly the tappable modules named in paths; unknown or untappable names are ignored.
    void setChecked(const QStringList& paths);

    // --- seams ---
    QStringList checkedLayers() const;   // in tree order
    QStringList modulePaths() const;     // every module, in tree order
    bool isCheckable(const QString& path) const;
    QString toolTipFor(const QString& path) const;
    QTreeWidgetItem* itemForPath(const QString& path) const;

    static QString formatShape(const std::vector<std::int64_t>& shape);  // "[1, 64, 32, 32]"

Q_SIGNALS:
    // The user checked or unchecked a layer; all checked paths in tree order.
    void checkedLayersChanged(const QStringList& paths);

protected:
    void changeEvent(QEvent* event) override;

private:
    void applyGreying();
    void onItemChanged(QTreeWidgetItem* item, int column);

    std::vector<QTreeWidgetItem*> m_items;  // tree order
    bool m_updating = false;
};

}  // namespace nac::widgets
