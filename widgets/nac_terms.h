// Short tooltip explanations of the NAC terms (Phi, O = the paper's r, M, alpha, NAC-UE) shared by the views.
#pragma once

#include <QCoreApplication>
#include <QString>

namespace nac::widgets {

class NacTerms {
    Q_DECLARE_TR_FUNCTIONS(NacTerms)
public:
    static QString phi()
    {
        return tr("Φ (Phi) = min(count / O, 1): how well a bin is covered by the fit samples; "
                  "1 means at least O samples fell in it.");
    }
    static QString minActivated()
    {
        return tr("O (the paper's r): fit samples a bin needs to count as fully covered. "
                  "Raising O makes coverage stricter.");
    }
    static QString binEdgeCount()
    {
        return tr("M: number of bin edges, so M − 1 bins of neuron state. The reference scheme "
                  "needs an even M (it mirrors M/2 edges).");
    }
    static QString alpha()
    {
        return tr("α (alpha): steepness of the state sigmoid(α · z · ∂KL/∂z); larger α pushes states "
                  "towards 0 and 1.");
    }
    static QString state()
    {
        return tr("Neuron state ẑ = sigmoid(α · z · ∂KL/∂z), between 0 and 1.");
    }
    static QString score()
    {
        return tr("NAC-UE score: mean Φ of the bins the image's neuron states fall in, averaged over "
                  "neurons, then over layers. Higher = more in-distribution.");
    }
    static QString all()
    {
        return phi() + QLatin1Char('\n') + minActivated() + QLatin1Char('\n') + binEdgeCount()
            + QLatin1Char('\n') + alpha();
    }
};

}  // namespace nac::widgets
