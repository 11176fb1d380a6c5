// SetCurvesView: QCPCurves over a plot that zooms to its data and lets the mouse pan and zoom.
#include "widgets/set_curves_view.h"

#include "widgets/plot_style.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace nac::widgets {

namespace {

constexpr double kMarginFraction = 0.04;  // of the data's span, on each side

}  // namespace

SetCurvesView::SetCurvesView(QWidget* parent)
    : PlotView(parent)
{
    QCustomPlot* p = plot();
    p->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    p->legend->setVisible(true);
    // Top left: the threshold's label sits at the top of its line, further right in the usual case.
    p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
    m_marker = new QCPItemStraightLine(p);
    m_marker->setVisible(false);
    m_markerLabel = new QCPItemText(p);
    m_markerLabel->setVisible(false);
    m_markerLabel->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_markerLabel->position->setTypeX(QCPItemPosition::ptPlotCoords);
    m_markerLabel->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_markerLabel->setClipToAxisRect(true);
    setToolTip(tr("Drag to pan, wheel to zoom; double-click to fit the data again."));
    connect(p, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) {
        plot()->rescaleAxes();
        plot()->replot(QCustomPlot::rpQueuedReplot);
    });
    applyPalette();
}

SetCurvesView::~SetCurvesView() = default;

void SetCurvesView::applyPalette()
{
    PlotView::applyPalette();
    if (m_marker) {
        m_marker->setPen(QPen(PlotStyle::thresholdColour(palette()), 1.5, Qt::DashLine));
        m_markerLabel->setColor(PlotStyle::thresholdColour(palette()));
    }
}

void SetCurvesView::setAxisLabels(const QString& x, const QString& y)
{
    plot()->xAxis->setLabel(x);
    plot()->yAxis->setLabel(y);
}

void SetCurvesView::setCurves(std::vector<Curve> curves, Range range)
{
    QCustomPlot* p = plot();
    for (QCPCurve* plottable : m_plottables)
        p->removePlottable(plottable);
    m_plottables.clear();
    double xMin = std::numeric_limits<double>::infinity();
    double xMax = -xMin;
    double yMax = 0.0;
    for (const Curve& curve : curves) {
        auto* plottable = new QCPCurve(p->xAxis, p->yAxis);
        QVector<double> t(curve.x.size());
        for (qsizetype k = 0; k < t.size(); ++k)
            t[k] = double(k);
        plottable->setData(t, curve.x, curve.y, true);
        QPen pen(PlotStyle::seriesColour(curve.colourIndex), curve.dashed ? 2.0 : 1.6);
        if (curve.dashed)
            pen.setStyle(Qt::DashLine);
        plottable->setPen(pen);
        plottable->setName(curve.name);
        m_plottables.push_back(plottable);
        for (double x : curve.x)
            if (std::isfinite(x)) {
                xMin = std::min(xMin, x);
                xMax = std::max(xMax, x);
            }
        for (double y : curve.y)
            if (std::isfinite(y))
                yMax = std::max(yMax, y);
    }
    if (range == Range::UnitSquare || !(xMin <= xMax)) {
        p->xAxis->setRange(0.0, 1.0);
        p->yAxis->setRange(0.0, 1.02);
    } else {
        const double span = xMax > xMin ? xMax - xMin : std::max(1e-3, std::abs(xMax) * 0.01);
        p->xAxis->setRange(xMin - kMarginFraction * span, xMax + kMarginFraction * span);
        p->yAxis->setRange(0.0, yMax > 0 ? yMax * 1.08 : 1.0);
    }
    p->replot(QCustomPlot::rpQueuedReplot);
}

void SetCurvesView::setMarker(double x, const QString& label)
{
    const bool show = std::isfinite(x);
    m_marker->setVisible(show);
    m_markerLabel->setVisible(show);
    if (show) {
        m_marker->point1->setCoords(x, 0.0);
        m_marker->point2->setCoords(x, 1.0);
        m_markerLabel->position->setCoords(x, 0.02);
        m_markerLabel->setText(QStringLiteral(" ") + label);
    }
    plot()->replot(QCustomPlot::rpQueuedReplot);
}

void SetCurvesView::clear()
{
    setCurves({}, Range::UnitSquare);
    setMarker(std::numeric_limits<double>::quiet_NaN(), QString());
}

QStringList SetCurvesView::legendTexts() const
{
    QStringList out;
    for (QCPCurve* plottable : m_plottables)
        out.append(plottable->name());
    return out;
}

double SetCurvesView::xLower() const
{
    return plot()->xAxis->range().lower;
}

double SetCurvesView::xUpper() const
{
    return plot()->xAxis->range().upper;
}

bool SetCurvesView::markerVisible() const
{
    return m_marker->visible();
}

}  // namespace nac::widgets
