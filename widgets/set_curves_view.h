// A plot of named curves (ROC curves of several sets, score densities of several sets) that
// zooms to its data, pans and zooms with the mouse, and can mark one x value (a threshold).
#pragma once

#include "widgets/plot_view.h"

#include <QColor>
#include <QString>
#include <QStringList>
#include <QVector>

#include <vector>

class QCPCurve;
class QCPItemStraightLine;
class QCPItemText;

namespace nac::widgets {

// Lives on the GUI thread. Data in by setCurves(); nothing out but the picture.
class SetCurvesView : public PlotView {
    Q_OBJECT
public:
    struct Curve {
        QString name;                 // legend text
        int colourIndex = 0;          // PlotStyle::seriesColour
        bool dashed = false;
        QVector<double> x;
        QVector<double> y;
    };
    enum class Range {
        UnitSquare = 1,               // 0..1 on both axes (ROC)
        Data,                         // zoom to the data, with a margin
    };

    explicit SetCurvesView(QWidget* parent = nullptr);
    ~SetCurvesView() override;

    void setAxisLabels(const QString& x, const QString& y);
    void setCurves(std::vector<Curve> curves, Range range);
    // A vertical line at x with a label (NaN hides it).
    void setMarker(double x, const QString& label);
    void clear();

    // --- seams for tests ---
    QStringList legendTexts() const;
    int curveCount() const { return int(m_plottables.size()); }
    double xLower() const;
    double xUpper() const;
    bool markerVisible() const;

protected:
    void applyPalette() override;

private:
    std::vector<QCPCurve*> m_plottables;
    QCPItemStraightLine* m_marker = nullptr;
    QCPItemText* m_markerLabel = nullptr;
};

}  // namespace nac::widgets
