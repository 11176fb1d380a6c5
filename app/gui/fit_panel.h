// The "Model and layers" side panel: model and data set names, the layer tree with checkboxes,
// fit sample count, held-out count, device, and the Fit / Cancel buttons.
#pragma once

#include "app/gui/app_types.h"

#include <QStringList>
#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace nac::widgets {
class LayerTreeView;
}

namespace nac::app {

// Lives on the GUI thread. Setters never emit.
class FitPanel : public QWidget {
    Q_OBJECT
public:
    explicit FitPanel(QWidget* parent = nullptr);
    ~FitPanel() override;

    void setModel(const ModelInfo& model);
    void setDataset(const DatasetInfo& dataset);
    // devices: labels from availableDevices() ("cuda:0 (NVIDIA H200, 140 GiB)"); current and
    // setCurrentDevice take an id ("cuda:0") or a label.
    void setDevices(const QStringList& devices, const QString& current);
    void setCurrentDevice(const QString& device);
    void setCheckedLayers(const QStringList& layers);
    void setSampleCount(int count);
    void setHeldoutCount(int count);
    void setFitting(bool fitting);

    QStringList checkedLayers() const;
    int sampleCount() const;
    int heldoutCount() const;
    QString device() const;  // the chosen device's id: "cpu", "cuda:0"

    // --- seams ---
    nac::widgets::LayerTreeView* layerTree() const { return m_tree; }
    QSpinBox* sampleSpin() const { return m_samples; }
    QSpinBox* heldoutSpin() const { return m_heldout; }
    QComboBox* deviceCombo() const { return m_device; }
    QPushButton* fitButton() const { return m_fit; }
    QPushButton* cancelButton() const { return m_cancel; }

Q_SIGNALS:
    void layersChanged(const QStringList& layers);
    void deviceChanged(const QString& device);  // an id, as device() returns it
    void fitRequested();
    void cancelRequested();

private:
    QLabel* m_modelLabel = nullptr;
    QLabel* m_datasetLabel = nullptr;
    nac::widgets::LayerTreeView* m_tree = nullptr;
    QSpinBox* m_samples = nullptr;
    QSpinBox* m_heldout = nullptr;
    QComboBox* m_device = nullptr;
    QPushButton* m_fit = nullptr;
    QPushButton* m_cancel = nullptr;
};

}  // namespace nac::app
