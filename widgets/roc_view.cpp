// ROC plot: one QCPCurve per method (kept in ROC order), a chance diagonal, AUROC in the legend.
#include "widgets/roc_view.h"

#include "widgets/plot_style.h"

#include <qcustomplot.h>

namespace nac::widgets {

RocView::RocView(QWidget* parent)
    : PlotView(parent)
{
    QCustomPlot* p = plot();
    m_chance = new QCPCurve(p->xAxis, p->yAxis);
    m_chance->addData(0.0, 0.0);
    m_chance->addData(1.0, 1.0);
    m_chance->setName(tr("chance (AUROC 50%)"));
    m_chance->removeFromLegend();
    p->legend->setVisible(true);
    p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
    p->xAxis->setLabel(tr("FPR (InD images called OOD)"));
    p->yAxis->setLabel(tr("TPR (OOD detected)"));
    p->xAxis->setRange(0.0, 1.0);
    p->yAxis->setRange(0.0, 1.02);
    p->setToolTip(tr("ROC with OOD as the positive class; AUROC is the area under each curve."));
    applyPalette();
}

RocView::~RocView() = default;

void RocView::applyPalette()
{
    PlotView::applyPalette();
    QColor chance = palette().color(QPalette::WindowText);
    chance.setAlpha(110);
    m_chance->setPen(QPen(chance, 1, Qt::DashLine));
}

QString RocView::legendText(const Curve& curve)
{
    return tr("%1 (AUROC %2%)").arg(curve.method).arg(curve.auroc * 100.0, 0, 'f', 2);
}

QStringList RocView::legendTexts() const
{
    QStringList texts;
    for (const Curve& curve : m_curves)
        texts.append(legendText(curve));
    return texts;
}

void RocView::setCurves(std::vector<Curve> curves)
{
    QCustomPlot* p = plot();
    for (QCPCurve* plottable : m_plottables)
        p->removePlottable(plottable);
    m_plottables.clear();
    m_curves = std::move(curves);
    for (std::size_t i = 0; i < m_curves.size(); ++i) {
        const Curve& curve = m_curves[i];
        auto* plottable = new QCPCurve(p->xAxis, p->yAxis);
        QVector<double> t;
        QVector<double> x;
        QVector<double> y;
        for (std::size_t k = 0; k < curve.points.size(); ++k) {
            t.append(double(k));
            x.append(curve.points[k].falsePositiveRate);
            y.append(curve.points[k].truePositiveRate);
        }
        plottable->setData(t, x, y, true);
        plottable->setPen(QPen(PlotStyle::seriesColour(int(i)), i == 0 ? 2.5 : 1.5));
        plottable->setName(legendText(curve));
        m_plottables.push_back(plottable);
    }
    p->replot(QCustomPlot::rpQueuedReplot);
}

void RocView::clear()
{
    setCurves({});
}

}  // namespace nac::widgets
