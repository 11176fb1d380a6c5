// Tests of LayerTreeView: tree from depths, checkboxes only on tappable modules, reasons, signals in tree order.
#include "widgets/layer_tree_view.h"

#include <QSignalSpy>
#include <QtTest>

using nac::engine::ModuleNode;
using nac::widgets::LayerTreeView;

namespace {

ModuleNode node(const std::string& path, const std::string& type, int depth, bool tappable, std::vector<std::int64_t> shape,
                const std::string& reason = {})
{
    ModuleNode n;
    n.path = path;
    n.typeName = type;
    n.depth = depth;
    n.tappable = tappable;
    n.notTappableReason = reason;
    n.outputShape = std::move(shape);
    n.neuronCount = n.outputShape.size() >= 2 ? int(n.outputShape[1]) : 0;
    return n;
}

// A small CNN as Model::moduleTree() lists it: pre-order, depth per module.
std::vector<ModuleNode> smallCnn()
{
    return {
        node("", "Net", 0, false, {1, 10}, "it is the model itself; its output is the logits"),
        node("features", "Sequential", 1, true, {1, 16, 7, 7}),
        node("features.0", "Conv2d", 2, true, {1, 8, 28, 28}),
        node("features.1", "ReLU", 2, false, {}, "it is called twice in forward()"),
        node("features.2", "Conv2d", 2, true, {1, 16, 7, 7}),
        node("avgpool", "AdaptiveAvgPool2d", 1, true, {1, 16, 1, 1}),
        node("fc", "Linear", 1, true, {1, 10}),
    };
}

}  // namespace

class TestLayerTreeView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void buildsTheTreeFromDepths();
    void onlyTappableModulesHaveCheckboxes();
    void setCheckedIsQuietAndIgnoresUnknownNames();
    void userChecksEmitInTreeOrder();
    void setModulesClearsChecks();
};

void TestLayerTreeView::buildsTheTreeFromDepths()
{
    LayerTreeView tree;
    tree.setModules(smallCnn());
    QCOMPARE(tree.topLevelItemCount(), 1);
    QTreeWidgetItem* root = tree.topLevelItem(0);
    QCOMPARE(root->text(LayerTreeView::PathColumn), QStringLiteral("(model)"));
    QCOMPARE(root->childCount(), 3);  // features, avgpool, fc
    QTreeWidgetItem* features = tree.itemForPath(QStringLiteral("features"));
    QCOMPARE(features->childCount(), 3);
    QCOMPARE(features->child(2)->text(LayerTreeView::PathColumn), QStringLiteral("features.2"));
    QCOMPARE(features->child(0)->text(LayerTreeView::TypeColumn), QStringLiteral("Conv2d"));
    QCOMPARE(features->child(0)->text(LayerTreeView::ShapeColumn), QStringLiteral("[1, 8, 28, 28]"));
    QCOMPARE(features->child(0)->text(LayerTreeView::NeuronsColumn), QStringLiteral("8"));
    QCOMPARE(tree.modulePaths(), (QStringList{QString(), "features", "features.0", "features.1", "features.2", "avgpool", "fc"}));
}

void TestLayerTreeView::onlyTappableModulesHaveCheckboxes()
{
    LayerTreeView tree;
    tree.setModules(smallCnn());
    QVERIFY(tree.isCheckable(QStringLiteral("features.0")));
    QVERIFY(tree.isCheckable(QStringLiteral("fc")));
    QVERIFY(!tree.isCheckable(QStringLiteral("features.1")));
    QVERIFY(!tree.isCheckable(QString()));
    QTreeWidgetItem* relu = tree.itemForPath(QStringLiteral("features.1"));
    QVERIFY(relu->data(LayerTreeView::PathColumn, Qt::CheckStateRole).isNull());
    QVERIFY(tree.toolTipFor(QStringLiteral("features.1")).contains(QStringLiteral("called twice")));
    QCOMPARE(relu->foreground(LayerTreeView::PathColumn).color(), tree.palette().color(QPalette::Disabled, QPalette::Text));
    // Greyed, not disabled: the model root is untappable, its children stay usable.
    QVERIFY(tree.itemForPath(QStringLiteral("fc"))->flags() & Qt::ItemIsEnabled);
    QVERIFY(tree.toolTipFor(QStringLiteral("fc")).contains(QStringLiteral("10 neurons")));
}

void TestLayerTreeView::setCheckedIsQuietAndIgnoresUnknownNames()
{
    LayerTreeView tree;
    tree.setModules(smallCnn());
    QSignalSpy changed(&tree, &LayerTreeView::checkedLayersChanged);
    tree.setChecked({"fc", "features.0", "no.such.layer", "features.1"});
    QCOMPARE(changed.count(), 0);
    QCOMPARE(tree.checkedLayers(), (QStringList{"features.0", "fc"}));
}

void TestLayerTreeView::userChecksEmitInTreeOrder()
{
    LayerTreeView tree;
    tree.setModules(smallCnn());
    tree.setChecked({"fc"});
    QSignalSpy changed(&tree, &LayerTreeView::checkedLayersChanged);
    tree.itemForPath(QStringLiteral("avgpool"))->setCheckState(LayerTreeView::PathColumn, Qt::Checked);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toStringList(), (QStringList{"avgpool", "fc"}));
    tree.itemForPath(QStringLiteral("features.2"))->setCheckState(LayerTreeView::PathColumn, Qt::Checked);
    QCOMPARE(changed.at(1).at(0).toStringList(), (QStringList{"features.2", "avgpool", "fc"}));
    tree.itemForPath(QStringLiteral("fc"))->setCheckState(LayerTreeView::PathColumn, Qt::Unchecked);
    QCOMPARE(changed.at(2).at(0).toStringList(), (QStringList{"features.2", "avgpool"}));
}

void TestLayerTreeView::setModulesClearsChecks()
{
    LayerTreeView tree;
    tree.setModules(smallCnn());
    tree.setChecked({"fc"});
    tree.setModules(smallCnn());
    QVERIFY(tree.checkedLayers().isEmpty());
}

QTEST_MAIN(TestLayerTreeView)
#include "tst_layer_tree_view.moc"
