// Per-layer NAC parameters: M, O (the paper's r), alpha and the bin scheme, for one layer or all layers.
#pragma once

#include "engine/layer_params.h"

#include <QStringList>
#include <QWidget>

#include <vector>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;

namespace nac::widgets {

// Lives on the GUI thread. Every control emits paramsChanged() at once as the user moves it (no
// apply button); setters never emit. The panel keeps its own copy of each layer's parameters so
// switching layers shows their values. Child widgets carry object names for tests:
// layerCombo, schemeCombo, binEdgeCountSpin, minActivatedSpin, minActivatedSlider, alphaSpin,
// alphaSlider, resetButton, hintLabel.
class ParameterPanel : public QWidget {
    Q_OBJECT
public:
    // Which parameter a change touched (for "All layers" only that one is copied to every layer).
    enum class Field {
        BinEdgeCount = 1,
        MinActivated,
        Alpha,
        Scheme,
    };
    Q_ENUM(Field)

    static constexpr int kAllLayers = -1;
    static constexpr int kMinBinEdgeCount = 4;
    static constexpr int kMaxBinEdgeCount = 1000;
    static constexpr double kMinActivatedSliderMin = 1.0;
    static constexpr double kMinActivatedSliderMax = 10000.0;
    static constexpr double kAlphaSliderMin = 1e-4;
    static constexpr double kAlphaSliderMax = 1e5;
    static constexpr int kSliderSteps = 1000;

    explicit ParameterPanel(QWidget* parent = nullptr);
    ~ParameterPanel() override;

    // names, current and defaults have one entry per layer (in the profile's order).
    void setLayers(const QStringList& names, std::vector<nac::engine::LayerParams> current,
                   std::vector<nac::engine::LayerParams> defaults);
    // Updates one layer's shown values (e.g. after the app applied them); emits nothing.
    void setLayerParams(int layer, const nac::engine::LayerParams& params);
    // -1 (kAllLayers) or a layer index; emits nothing.
    void setSelectedLayer(int layer);

    // --- seams ---
    int selectedLayer() const;
    nac::engine::LayerParams shownParams() const;  // what the controls show now
    const std::vector<nac::engine::LayerParams>& layerParams() const { return m_params; }
    const std::vector<nac::engine::LayerParams>& defaultParams() const { return m_defaults; }
    QStringList layerNames() const { return m_names; }

    // target with one field taken from source; an odd M is rounded up to even (down at the top of
    // the range) when the result uses the reference scheme. The app applies "All layers" changes with it.
    static nac::engine::LayerParams applyField(nac::engine::LayerParams target, const nac::engine::LayerParams& source,
                                               Field field);
    // Log-scale slider mapping; values are rounded to two significant digits (50, 1.2e-3).
    static double sliderToMinActivated(int position);
    static int minActivatedToSlider(double minActivated);
    static double sliderToAlpha(int position);
    static int alphaToSlider(double alpha);

Q_SIGNALS:
    // layer: the changed layer, or -1 for all layers (apply `changed` from params to each, see applyField).
    void paramsChanged(int layer, const nac::engine::LayerParams& params, nac::widgets::ParameterPanel::Field changed);
    // The user pressed Reset: the panel already shows the defaults of layer (-1: all layers).
    void resetRequested(int layer);
    // The user chose another entry in the layer selector (-1: "All layers").
    void layerSelected(int layer);

private:
    void showParams(const nac::engine::LayerParams& params);
    void commit(Field field);
    void updateHint();
    void onSchemeChanged();
    void onBinEdgeCountChanged(int value);
    void onReset();

    QStringList m_names;
    std::vector<nac::engine::LayerParams> m_params;
    std::vector<nac::engine::LayerParams> m_defaults;

    QComboBox* m_layerCombo = nullptr;
    QComboBox* m_schemeCombo = nullptr;
    QSpinBox* m_binEdgeCountSpin = nullptr;
    QDoubleSpinBox* m_minActivatedSpin = nullptr;
    QSlider* m_minActivatedSlider = nullptr;
    QDoubleSpinBox* m_alphaSpin = nullptr;
    QSlider* m_alphaSlider = nullptr;
    QPushButton* m_resetButton = nullptr;
    QLabel* m_hint = nullptr;
};

}  // namespace nac::widgets
