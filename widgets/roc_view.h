// ROC curves of several OOD detectors (NAC-UE and baselines) with AUROC in the legend.
#pragma once

#include "engine/metrics.h"
#include "widgets/plot_view.h"

#include <QString>
#include <QStringList>

#include <vector>

class QCPCurve;

namespace nac::widgets {

// Lives on the GUI thread. OOD is the positive class (as engine/metrics.h): x = FPR (InD images
// called OOD), y = TPR (OOD images detected). The dashed diagonal is a detector that guesses.
class RocView : public PlotView {
    Q_OBJECT
public:
    struct Curve {
        QString method;                            // "NAC-UE", "MSP", ...
        std::vector<nac::engine::RocPoint> points; // in ROC order, from (0, 0)
        double auroc = 0.0;                        // fraction 0..1
    };

    explicit RocView(QWidget* parent = nullptr);
    ~RocView() override;

    void setCurves(std::vector<Curve> curves);
    void clear();

    // --- seams ---
    const std::vector<Curve>& curves() const { return m_curves; }
    QStringList legendTexts() const;  // "NAC-UE (AUROC 94.31%)", in curve order
    static QString legendText(const Curve& curve);

protected:
    void applyPalette() override;

private:
    std::vector<Curve> m_curves;
    std::vector<QCPCurve*> m_plottables;
    QCPCurve* m_chance = nullptr;
};

}  // namespace nac::widgets
