// Tests of ParameterPanel: slider values, even M for the reference scheme, "All layers" = -1, reset, quiet setters.
#include "widgets/parameter_panel.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QtTest>

using nac::engine::BinScheme;
using nac::engine::LayerParams;
using nac::widgets::ParameterPanel;
using Field = ParameterPanel::Field;

Q_DECLARE_METATYPE(nac::engine::LayerParams)

namespace {

LayerParams params(int m, double o, double alpha, BinScheme scheme = BinScheme::Reference)
{
    LayerParams p;
    p.binEdgeCount = m;
    p.minActivated = o;
    p.alpha = alpha;
    p.scheme = scheme;
    return p;
}

// The CIFAR-10 defaults of SPEC §2 (O/M/alpha per layer).
const QStringList kLayers = {QStringLiteral("avgpool"), QStringLiteral("layer3"), QStringLiteral("layer2")};
std::vector<LayerParams> cifarDefaults()
{
    return {params(50, 50, 100), params(500, 100, 1000), params(50, 5, 0.001)};
}

template <typename T>
T* child(ParameterPanel& panel, const char* name)
{
    T* widget = panel.findChild<T*>(QString::fromLatin1(name));
    Q_ASSERT(widget);
    return widget;
}

LayerParams emittedParams(const QSignalSpy& spy, int index)
{
    return spy.at(index).at(1).value<LayerParams>();
}

}  // namespace

class TestParameterPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void settersDoNotEmit();
    void choosingALayerShowsItsValues();
    void minActivatedSliderEmitsAtOnce_data();
    void minActivatedSliderEmitsAtOnce();
    void alphaSliderIsLogarithmic();
    void spinAndSliderStayInStep();
    void oddMIsImpossibleForReferenceBins();
    void linearBinsAcceptOddM();
    void switchingToReferenceMakesMEven();
    void allLayersEmitsMinusOneAndKeepsOtherFields();
    void applyField_data();
    void applyField();
    void resetRestoresDefaults();
    void allLayersScalesEachLayersOwnValue();
    void allLayersScalingDoesNotDrift();
    void undoAndRedo();
    void resetOffersProfileValues();
};

void TestParameterPanel::settersDoNotEmit()
{
    ParameterPanel panel;
    QSignalSpy changed(&panel, &ParameterPanel::paramsChanged);
    QSignalSpy selected(&panel, &ParameterPanel::layerSelected);
    panel.setLayers(kLayers, cifarDefaults(), cifarDefaults());
    panel.setSelectedLayer(1);
    panel.setLayerParams(1, params(52, 10, 10));
    QCOMPARE(changed.count(), 0);
    QCOMPARE(selected.count(), 0);
    QCOMPARE(panel.shownParams(), params(52, 10, 10));
}

void TestParameterPanel::choosingALayerShowsItsValues()
{
    ParameterPanel panel;
    panel.setLayers(kLayers, cifarDefaults(), cifarDefaults());
    QCOMPARE(panel.selectedLayer(), -1);
    QSignalSpy selected(&panel, &ParameterPanel::layerSelected);
    auto* layerCombo = child<QComboBox>(panel, "layerCombo");
    QCOMPARE(layerCombo->itemText(0), QStringLiteral("All layers"));
    layerCombo->setCurrentIndex(2);  // layer3
    QCOMPARE(selected.count(), 1);
    QCOMPARE(selected.at(0).at(0).toInt(), 1);
    QCOMPARE(panel.shownParams(), params(500, 100, 1000));
    QCOMPARE(child<QSlider>(panel, "minActivatedSlider")->value(), ParameterPanel::minActivatedToSlider(100));
}

void TestParameterPanel::minActivatedSliderEmitsAtOnce_data()
{
    QTest::addColumn<int>("position");
    QTest::addColumn<double>("expected");
    // position p of 1000 on log10 1..10000: O = 10^(4p/1000), two significant digits.
    QTest::newRow("left end") << 0 << 1.0;
    QTest::newRow("10^1.7 = 50.1 -> 50") << 425 << 50.0;
    QTest::newRow("middle = 100") << 500 << 100.0;
    QTest::newRow("10^2.6 = 398 -> 400") << 650 << 400.0;
    QTest::newRow("right end") << 1000 << 10000.0;
}

void TestParameterPanel::minActivatedSliderEmitsAtOnce()
{
    QFETCH(int, position);
    QFETCH(double, expected);
    ParameterPanel panel;
    panel.setLayers(kLayers, cifarDefaults(), cifarDefaults());
    panel.setSelectedLayer(2);
    QSignalSpy changed(&panel, &ParameterPanel::paramsChanged);
    child<QSlider>(panel, "minActivatedSlider")->setValue(position);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toInt(), 2);
    QCOMPARE(changed.at(0).at(2).value<Field>(), Field::MinActivated);
    const LayerParams emitted = emittedParams(changed, 0);
    QCOMPARE(emitted.minActivated, expected);
    QCOMPARE(emitted.binEdgeCount, 50);   // the other fields are layer2's
    QCOMPARE(emitted.alpha, 0.001);
    QCOMPARE(child<QDoubleSpinBox>(panel, "minActivatedSpin")->value(), expected);
    QCOMPARE(panel.layerParams()[2].minActivated, expected);
}

void TestParameterPanel::alphaSliderIsLogarithmic()
{
    QCOMPARE(ParameterPanel::sliderToAlpha(0), 1e-4);
    QCOMPARE(ParameterPanel::sliderToAlpha(1000), 1e5);
    QCOMPARE(ParameterPanel::sliderToAlpha(500), 3.2);  // 10^0.5 = 3.16
    QCOMPARE(ParameterPanel::alphaToSlider(100.0), 667);
    QCOMPARE(ParameterPanel::alphaToSlider(1e9), 1000);  // clamped
    ParameterPanel panel;
    panel.setLayers(kLayers, cifarDefaults(), cifarDefaults());
    panel.setSelectedLayer(0);
    QSignalSpy changed(&panel, &ParameterPanel::paramsChanged);
    child<QSlider>(panel, "alphaSlider")->setValue(ParameterPanel::alphaToSlider(1000.0));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(emittedParams(changed, 0).alpha, 1000.0);
    QCOMPARE(changed.at(0).at(2).value<Field>(), Field::Alpha);
}

void TestParameterPanel::spinAndSliderStayInStep()
{
    ParameterPanel panel;
    panel.setLayers(kLayers, cifarDefaults(), cifarDefaults());
    panel.setSelectedLayer(0);
    QSignalSpy changed(&panel, &ParameterPanel::paramsChanged);
    child<QDoubleSpinBox>(panel, "minActivatedSpin")->setValue(1000.0);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(emittedParams(changed, 0).minActivated, 1000.0);
    QCOMPARE(child<QSlider>(panel, "minActivatedSlider")->value(), 750);
    // Values outside the slider's 1..10000 are kept exactly by the spin box.
    child<QDoubleSpinBox>(panel, "minActivatedSpin")->setValue(0.5);
    QCOMPARE(emittedParams(changed, 1).minActivated, 0.5);
    QCOMPARE(child<QSlider>(panel, "minActivatedSlider")->value(), 0);
}

void TestParameterPanel::oddMIsImpossibleForReferenceBins()
{
    ParameterPanel panel;
    panel.setLayers(kLayers, cifarDefaults(), cifarDefaults());
    panel.setSelectedLayer(0);
    auto* spin = child<QSpinBox>(panel, "binEdgeCountSpin");
    QCOMPARE(spin->singleStep(), 2);
    QSignalSpy changed(&panel, &ParameterPanel::paramsChanged);
    spin->setValue(51);
    QCOMPARE(spin->value(), 52);
    QCOMPARE(changed.count(), 1);  // only the even value leaves the panel
    QCOMPARE(emittedParams(changed, 0).binEdgeCount, 52);
    spin->stepUp();
    QCOMPARE(emittedParams(changed, 1).binEdgeCount, 54);
    spin->setValue(1001);  // clamped to 1000 by the range
    QCOMPARE(spin->value(), 1000);
    spin->setValue(999);
    QCOMPARE(spin->value(), 1000);
    spin->setValue(3);
    QCOMPARE(spin->value(), 4);
    for (int i = 0; i < changed.count(); ++i)
        QVERIFY(emittedParams(changed, i).binEdgeCount % 2 == 0);
}

void TestParameterPanel::linearBinsAcceptOddM()
{
    ParameterPanel panel;
    panel.setLayers({QStringLiteral("fc")}, {params(50, 50, 100, BinScheme::Linear)}, {});
    panel.setSelectedLayer(0);
    auto* spin = child<QSpinBox>(panel, "binEdgeCountSpin");
    QCOMPARE(spin->singleStep(), 1);
    QSignalSpy changed(&panel, &ParameterPanel::paramsChanged);
    spin->setValue(51);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(emittedParams(changed, 0).binEdgeCount, 51);
    QCOMPARE(int(emittedParams(changed, 0).scheme), int(BinScheme::Linear));
}

void TestParameterPanel::switchingToReferenceMakesMEven()
{
    ParameterPanel panel;
    panel.setLayers({QStringLiteral("fc")}, {params(51, 50, 100, BinScheme::Linear)}, {});
    panel.setSelectedLayer(0);
    QSignalSpy changed(&panel, &ParameterPanel::paramsChanged);
    auto* scheme = child<QComboBox>(panel, "schemeCombo");
    scheme->setCurrentIndex(scheme->findData(int(BinScheme::Reference)));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(2).value<Field>(), Field::Scheme);
    QCOMPARE(int(emittedParams(changed, 0).scheme), int(BinScheme::Reference));
    QCOMPARE(emittedParams(changed, 0).binEdgeCount, 52);
    QCOMPARE(child<QSpinBox>(panel, "binEdgeCountSpin")->value(), 52);
}

void TestParameterPanel::allLayersEmitsMinusOneAndKeepsOtherFields()
{
    ParameterPanel panel;
    panel.setLayers(kLayers, cifarDefaults(), cifarDefaults());
    panel.setAllLayersEdit(ParameterPanel::AllLayersEdit::Set);  // explicit: one value for every layer
    auto* layerCombo = child<QComboBox>(panel, "layerCombo");
    layerCombo->setCurrentIndex(1);
    layerCombo->setCurrentIndex(0);  // back to "All layers"
    QCOMPARE(panel.selectedLayer(), ParameterPanel::kAllLayers);
    QVERIFY(child<QLabel>(panel, "hintLabel")->text().contains(QStringLiteral("different")));
    QSignalSpy changed(&panel, &ParameterPanel::paramsChanged);
    child<QSlider>(panel, "minActivatedSlider")->setValue(500);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toInt(), -1);
    QCOMPARE(changed.at(0).at(2).value<Field>(), Field::MinActivated);
    QCOMPARE(emittedParams(changed, 0).minActivated, 100.0);
    // Only O went to every layer; each keeps its own M and alpha.
    const auto& all = panel.layerParams();
    QCOMPARE(all[0], params(50, 100, 100));
    QCOMPARE(all[1], params(500, 100, 1000));
    QCOMPARE(all[2], params(50, 100, 0.001));
    // What the app does with the signal gives the same result.
    for (std::size_t i = 0; i < all.size(); ++i)
        QCOMPARE(ParameterPanel::applyField(cifarDefaults()[i], emittedParams(changed, 0), Field::MinActivated), all[i]);
}

void TestParameterPanel::applyField_data()
{
    QTest::addColumn<LayerParams>("target");
    QTest::addColumn<LayerParams>("source");
    QTest::addColumn<Field>("field");
    QTest::addColumn<LayerParams>("expected");
    QTest::newRow("O only") << params(500, 100, 1000) << params(50, 7, 1) << Field::MinActivated << params(500, 7, 1000);
    QTest::newRow("alpha only") << params(500, 100, 1000) << params(50, 7, 1) << Field::Alpha << params(500, 100, 1);
    QTest::newRow("M only") << params(500, 100, 1000) << params(60, 7, 1) << Field::BinEdgeCount << params(60, 100, 1000);
    QTest::newRow("odd M onto reference: rounded up") << params(500, 100, 1000) << params(61, 7, 1, BinScheme::Linear)
                                                      << Field::BinEdgeCount << params(62, 100, 1000);
    QTest::newRow("odd M 1001 onto reference: rounded down into the range")
        << params(50, 1, 1) << params(1001, 1, 1, BinScheme::Linear) << Field::BinEdgeCount << params(1000, 1, 1);
    QTest::newRow("reference onto odd linear M") << params(999, 1, 1, BinScheme::Linear) << params(50, 7, 1)
                                                 << Field::Scheme << params(1000, 1, 1);
    QTest::newRow("linear keeps odd M") << params(51, 1, 1, BinScheme::Linear) << params(50, 7, 1, BinScheme::Linear)
                                        << Field::Scheme << params(51, 1, 1, BinScheme::Linear);
}

void TestParameterPanel::applyField()
{
    QFETCH(LayerParams, target);
    QFETCH(LayerParams, source);
    QFETCH(Field, field);
    QFETCH(LayerParams, expected);
    QCOMPARE(ParameterPanel::applyField(target, source, field), expected);
}

void TestParameterPanel::resetRestoresDefaults()
{
    ParameterPanel panel;
    panel.setLayers(kLayers, cifarDefaults(), cifarDefaults());
    panel.setSelectedLayer(1);
    child<QSlider>(panel, "minActivatedSlider")->setValue(0);
    QCOMPARE(panel.layerParams()[1].minActivated, 1.0);
    QSignalSpy reset(&panel, &ParameterPanel::resetRequested);
    QSignalSpy changed(&panel, &ParameterPanel::paramsChanged);
    QTest::mouseClick(child<QPushButton>(panel, "resetButton"), Qt::LeftButton);
    QCOMPARE(reset.count(), 1);
    QCOMPARE(reset.at(0).at(0).toInt(), 1);
    QCOMPARE(changed.count(), 0);
    QCOMPARE(panel.shownParams(), params(500, 100, 1000));
    QCOMPARE(panel.layerParams()[1], params(500, 100, 1000));
}

// The defect: tuned M of 500 on a layer became 52 when "All layers" showed the first layer's 50
// and the user stepped it to 52. By default an "All layers" edit scales each layer's own value.
void TestParameterPanel::allLayersScalesEachLayersOwnValue()
{
    ParameterPanel panel;
    panel.setLayers(kLayers, cifarDefaults(), cifarDefaults());
    panel.setSelectedLayer(ParameterPanel::kAllLayers);
    QCOMPARE(panel.allLayersEdit(), ParameterPanel::AllLayersEdit::Scale);
    QVERIFY(!child<QComboBox>(panel, "allLayersModeCombo")->isHidden());
    QSignalSpy changed(&panel, &ParameterPanel::paramsChanged);
    child<QSpinBox>(panel, "binEdgeCountSpin")->setValue(52);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toInt(), ParameterPanel::kAllLayers);
    QCOMPARE(panel.layerParams()[0], params(52, 50, 100));
    QCOMPARE(panel.layerParams()[1], params(520, 100, 1000));
    QCOMPARE(panel.layerParams()[2], params(52, 5, 0.001));
    // The per-layer values are listed under the controls.
    auto* perLayer = child<QLabel>(panel, "perLayerLabel");
    QVERIFY(!perLayer->isHidden());
    QVERIFY2(perLayer->text().contains(QStringLiteral("520")), qPrintable(perLayer->text()));
    // O doubled on the first layer doubles every layer's O; alpha likewise.
    child<QDoubleSpinBox>(panel, "minActivatedSpin")->setValue(100.0);
    QCOMPARE(panel.layerParams()[0].minActivated, 100.0);
    QCOMPARE(panel.layerParams()[1].minActivated, 200.0);
    QCOMPARE(panel.layerParams()[2].minActivated, 10.0);
    child<QDoubleSpinBox>(panel, "alphaSpin")->setValue(10.0);
    QCOMPARE(panel.layerParams()[0].alpha, 10.0);
    QCOMPARE(panel.layerParams()[1].alpha, 100.0);
    QCOMPARE(panel.layerParams()[2].alpha, 0.0001);
    // M of the other layers did not move with O and alpha.
    QCOMPARE(panel.layerParams()[1].binEdgeCount, 520);
    // A single layer shows no mode and no list.
    panel.setSelectedLayer(1);
    QVERIFY(child<QComboBox>(panel, "allLayersModeCombo")->isHidden());
    QVERIFY(perLayer->isHidden());
    // Scaled M stays even for the reference bins and inside [4, 1000].
    QCOMPARE(ParameterPanel::scaleField(params(500, 1, 1), 52.0 / 50.0, Field::BinEdgeCount).binEdgeCount, 520);
    QCOMPARE(ParameterPanel::scaleField(params(50, 1, 1), 51.0 / 50.0, Field::BinEdgeCount).binEdgeCount, 52);
    QCOMPARE(ParameterPanel::scaleField(params(51, 1, 1, BinScheme::Linear), 1.0, Field::BinEdgeCount).binEdgeCount, 51);
    QCOMPARE(ParameterPanel::scaleField(params(800, 1, 1), 2.0, Field::BinEdgeCount).binEdgeCount, 1000);
    QCOMPARE(ParameterPanel::scaleField(params(6, 1, 1), 0.1, Field::BinEdgeCount).binEdgeCount, 4);
}

void TestParameterPanel::allLayersScalingDoesNotDrift()
{
    ParameterPanel panel;
    panel.setLayers(kLayers, cifarDefaults(), cifarDefaults());
    panel.setSelectedLayer(ParameterPanel::kAllLayers);
    auto* spin = child<QSpinBox>(panel, "binEdgeCountSpin");
    for (int m = 52; m <= 70; m += 2)
        spin->setValue(m);  // ten steps, each rounded
    QCOMPARE(panel.layerParams()[1].binEdgeCount, 700);
    for (int m = 68; m >= 50; m -= 2)
        spin->setValue(m);
    QCOMPARE(panel.layerParams(), cifarDefaults());
}

void TestParameterPanel::undoAndRedo()
{
    ParameterPanel panel;
    panel.setLayers(kLayers, cifarDefaults(), cifarDefaults());
    QVERIFY(!panel.canUndo());
    panel.setSelectedLayer(1);
    QSignalSpy restored(&panel, &ParameterPanel::paramsRestored);
    QSignalSpy state(&panel, &ParameterPanel::undoStateChanged);
    child<QDoubleSpinBox>(panel, "minActivatedSpin")->setValue(7.0);
    QVERIFY(panel.canUndo());
    QCOMPARE(state.last().at(0).toBool(), true);
    panel.setSelectedLayer(0);
    child<QSpinBox>(panel, "binEdgeCountSpin")->setValue(80);
    const std::vector<LayerParams> edited = panel.layerParams();
    panel.undo();  // M of layer 0
    QCOMPARE(restored.count(), 1);
    QCOMPARE(panel.layerParams()[0], params(50, 50, 100));
    QCOMPARE(panel.layerParams()[1].minActivated, 7.0);
    QCOMPARE(panel.shownParams(), params(50, 50, 100));  // the controls follow
    panel.undo();  // O of layer 1
    QCOMPARE(panel.layerParams(), cifarDefaults());
    QVERIFY(!panel.canUndo());
    panel.undo();  // nothing left: no signal
    QCOMPARE(restored.count(), 2);
    panel.redo();
    panel.redo();
    QCOMPARE(panel.layerParams(), edited);
    QVERIFY(!panel.canRedo());
    // A new edit after an undo drops the redo steps.
    panel.undo();
    child<QDoubleSpinBox>(panel, "alphaSpin")->setValue(3.0);
    QVERIFY(!panel.canRedo());
    // A slider drag (many edits of one field within a second) is one step.
    panel.setSelectedLayer(2);
    const std::vector<LayerParams> beforeDrag = panel.layerParams();
    auto* slider = child<QSlider>(panel, "minActivatedSlider");
    for (int position = 100; position <= 600; position += 50)
        slider->setValue(position);
    panel.undo();
    QCOMPARE(panel.layerParams(), beforeDrag);
}

void TestParameterPanel::resetOffersProfileValues()
{
    ParameterPanel panel;
    std::vector<LayerParams> tuned = {params(100, 20, 50), params(400, 90, 3000), params(50, 2, 0.01)};
    panel.setLayers(kLayers, tuned, cifarDefaults());
    auto* profileButton = child<QPushButton>(panel, "resetProfileButton");
    QVERIFY(!profileButton->isEnabled());  // no profile values given yet
    panel.setProfileParams(tuned);
    QVERIFY(profileButton->isEnabled());
    panel.setSelectedLayer(ParameterPanel::kAllLayers);
    QSignalSpy reset(&panel, &ParameterPanel::resetRequested);
    QTest::mouseClick(child<QPushButton>(panel, "resetButton"), Qt::LeftButton);
    QCOMPARE(panel.layerParams(), cifarDefaults());
    QTest::mouseClick(profileButton, Qt::LeftButton);
    QCOMPARE(panel.layerParams(), tuned);
    QCOMPARE(reset.count(), 2);
    panel.undo();
    QCOMPARE(panel.layerParams(), cifarDefaults());
}

QTEST_MAIN(TestParameterPanel)
#include "tst_parameter_panel.moc"
