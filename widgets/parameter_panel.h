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
// switching layers shows their values. With "All layers" an edit of M, O or alpha either scales
// every layer's own value by the same factor (the default: tuned per-layer values keep their
// ratios) or sets every layer to the value, as the allLayersModeCombo says; the per-layer values
// stay listed below. Parameter edits can be undone and redone. Child widgets carry object names
// for tests: layerCombo, allLayersModeCombo, schemeCombo, binEdgeCountSpin, minActivatedSpin,
// minActivatedSlider, alphaSpin, alphaSlider, resetButton, resetProfileButton, perLayerLabel, hintLabel.
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

    // How an edit with "All layers" selected changes the layers (the bin scheme is always set).
    enum class AllLayersEdit {
        Scale = 1,  // multiply each layer's value by new / old of the shown value
        Set,        // give every layer the shown value
    };
    Q_ENUM(AllLayersEdit)

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
    void setAllLayersEdit(AllLayersEdit mode);
    // The loaded or fitted profile's values (one per layer), which "Profile values" restores; empty: none.
    void setProfileParams(std::vector<nac::engine::LayerParams> params);

    // Undo and redo of parameter edits (and resets); each emits paramsRestored() when it changed
    // something. A run of edits of one field of one layer within a second (a slider drag) is one step.
    bool canUndo() const { return !m_undo.empty(); }
    bool canRedo() const { return !m_redo.empty(); }
    void undo();
    void redo();

    // --- seams ---
    int selectedLayer() const;
    nac::engine::LayerParams shownParams() const;  // what the controls show now
    const std::vector<nac::engine::LayerParams>& layerParams() const { return m_params; }
    const std::vector<nac::engine::LayerParams>& defaultParams() const { return m_defaults; }
    QStringList layerNames() const { return m_names; }
    AllLayersEdit allLayersEdit() const;
    const std::vector<nac::engine::LayerParams>& profileParams() const { return m_profileParams; }
    // target's field scaled by factor: M rounded (to even for the reference scheme) into
    // [kMinBinEdgeCount, kMaxBinEdgeCount]; O and alpha kept within the spin boxes' ranges.
    static nac::engine::LayerParams scaleField(nac::engine::LayerParams target, double factor, Field field);

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
    // layer: the changed layer, or -1 for all layers: then read every layer's new values from
    // layerParams() (with AllLayersEdit::Scale they differ per layer; with Set each is
    // applyField(old, params, changed)).
    void paramsChanged(int layer, const nac::engine::LayerParams& params, nac::widgets::ParameterPanel::Field changed);
    // The user pressed Reset: the panel already shows the defaults (or the profile's values) of layer (-1: all layers).
    void resetRequested(int layer);
    // Undo or redo changed the layers' values (read them from layerParams()).
    void paramsRestored();
    void undoStateChanged(bool canUndo, bool canRedo);
    // The user chose another entry in the layer selector (-1: "All layers").
    void layerSelected(int layer);

private:
    void showParams(const nac::engine::LayerParams& params);
    void commit(Field field);
    void updateHint();
    void onSchemeChanged();
    void onBinEdgeCountChanged(int value);
    void onReset(bool toProfile);
    void pushUndo(std::vector<nac::engine::LayerParams> before, int layer, int field);
    void updatePerLayer();

    struct Step {
        std::vector<nac::engine::LayerParams> params;  // the values before the edit
        int layer = 0;
        int field = 0;                                 // Field, or 0 for a reset
        qint64 atMs = 0;
    };

    QStringList m_names;
    std::vector<nac::engine::LayerParams> m_params;
    std::vector<nac::engine::LayerParams> m_defaults;
    std::vector<nac::engine::LayerParams> m_profileParams;
    nac::engine::LayerParams m_lastShown;                  // what the controls showed before the current edit
    std::vector<nac::engine::LayerParams> m_scaleBase;     // layers' values when the current scaling began
    nac::engine::LayerParams m_scaleBaseShown;
    int m_scaleField = 0;                                  // Field being scaled; 0: none
    std::vector<Step> m_undo;
    std::vector<Step> m_redo;
    QComboBox* m_allLayersCombo = nullptr;
    QPushButton* m_resetProfileButton = nullptr;
    QLabel* m_perLayer = nullptr;

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
