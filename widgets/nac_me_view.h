// NAC-ME plot: the coverage score G of each layer across a model's checkpoints, against their
// order or against their accuracy, with the rank correlation of G and accuracy in the legend.
#pragma once

#include "widgets/plot_view.h"

#include <QString>
#include <QStringList>

#include <vector>

class QCPGraph;
class QComboBox;
class QLabel;

namespace nac::widgets {

// Lives on the GUI thread. Data come in by setData(); the view draws one line (checkpoint order)
// or one set of points (accuracy) per layer. Child widgets for tests: xAxisCombo, emptyLabel.
class NacMeView : public PlotView {
    Q_OBJECT
public:
    struct Data {
        QStringList checkpoints;                  // names in order (x = 1, 2, ...)
        QStringList layers;
        std::vector<std::vector<double>> coverage;  // [layer][checkpoint]: G
        std::vector<double> accuracy;             // per checkpoint, fraction; < 0 when unknown
        std::vector<double> spearman;             // per layer; NaN when undefined
    };
    enum class XAxis {
        CheckpointOrder = 1,
        Accuracy,
    };

    explicit NacMeView(QWidget* parent = nullptr);
    ~NacMeView() override;

    void setData(Data data);
    void clear();
    // Accuracy is only offered when every checkpoint has one.
    void setXAxis(XAxis axis);

    // --- seams ---
    const Data& data() const { return m_data; }
    XAxis xAxis() const { return m_xAxis; }
    bool accuracyAvailable() const;
    QStringList legendTexts() const;  // "layer4 (ρ = 0.83)", in layer order
    static QString legendText(const QString& layer, double spearman);

private:
    void rebuild();

    Data m_data;
    XAxis m_xAxis = XAxis::CheckpointOrder;
    std::vector<QCPGraph*> m_graphs;
    QComboBox* m_xAxisCombo = nullptr;
    QLabel* m_empty = nullptr;
};

}  // namespace nac::widgets
