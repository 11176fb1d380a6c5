// Common plumbing of the QCustomPlot views.
#include "widgets/plot_view.h"

#include "widgets/plot_export.h"
#include "widgets/plot_style.h"

#include <qcustomplot.h>

#include <QEvent>
#include <QFontMetrics>
#include <QVBoxLayout>

#include <algorithm>

namespace nac::widgets {

PlotView::PlotView(QWidget* parent)
    : QWidget(parent)
    , m_plot(new QCustomPlot(this))
    , m_layout(new QVBoxLayout(this))
{
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_layout->setSpacing(2);
    m_layout->addWidget(m_plot, 1);
    m_plot->setMinimumSize(240, 160);
    m_plot->setAntialiasedElements(QCP::aeNone);
    m_plot->setNoAntialiasingOnDrag(true);
    connect(m_plot, &QCustomPlot::afterLayout, this, &PlotView::fitLabelsAndLegend);
}

PlotView::~PlotView() = default;

QWidget* PlotView::plotWidget() const
{
    return m_plot;
}

bool PlotView::exportPlot(const QString& path, QString* errorMessage, double scale)
{
    return PlotExport::save(m_plot, path, errorMessage, 0, 0, scale);
}

QStringList PlotView::shownAxisLabels() const
{
    QStringList out;
    for (const AxisLabel& label : m_axisLabels)
        out.append(label.axis->label());
    return out;
}

int PlotView::legendRows() const
{
    return m_plot->legend && m_plot->legend->visible() ? m_plot->legend->rowCount() : 0;
}

void PlotView::setAxisLabel(QCPAxis* axis, const QString& full, const QString& brief)
{
    auto it = std::find_if(m_axisLabels.begin(), m_axisLabels.end(), [axis](const AxisLabel& label) { return label.axis == axis; });
    if (it == m_axisLabels.end())
        it = m_axisLabels.insert(m_axisLabels.end(), AxisLabel{axis, {}, {}});
    it->full = full;
    it->brief = brief.isEmpty() ? full : brief;
    // The full text until a layout says how long the axis is.
    const int length = axis->orientation() == Qt::Vertical ? axis->axisRect()->height() : axis->axisRect()->width();
    const bool fits = length <= 0 || QFontMetrics(axis->labelFont()).horizontalAdvance(full) <= length;
    axis->setLabel(fits ? full : it->brief);
}

void PlotView::fitLabelsAndLegend()
{
    bool changed = false;
    for (const AxisLabel& label : m_axisLabels) {
        const QRect rect = label.axis->axisRect()->rect();
        const int length = label.axis->orientation() == Qt::Vertical ? rect.height() : rect.width();
        const QString& wanted = QFontMetrics(label.axis->labelFont()).horizontalAdvance(label.full) <= length ? label.full : label.brief;
        if (label.axis->label() != wanted) {
            label.axis->setLabel(wanted);
            changed = true;
        }
    }
    // A legend in a row of its own (not inside the axes) stacks its items when one line would clip them.
    QCPLegend* legend = m_plot->legend;
    if (legend && legend->visible() && legend->layout() == m_plot->plotLayout() && legend->fillOrder() == QCPLayoutGrid::foColumnsFirst) {
        // The grid gives its columns equal widths: one line needs the widest item times the count.
        int widest = 0;
        for (int i = 0; i < legend->itemCount(); ++i)
            widest = std::max(widest, legend->item(i)->minimumOuterSizeHint().width() + legend->columnSpacing());
        const int oneLine = widest * legend->itemCount();
        const int wrap = oneLine + legend->margins().left() + legend->margins().right() > m_plot->width() ? 1 : 0;
        if (legend->wrap() != wrap) {
            legend->setWrap(wrap);
            legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);  // rearranges the items by the new wrap
            changed = true;
        }
    }
    if (changed)
        m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void PlotView::applyPalette()
{
    PlotStyle::applyPalette(m_plot, palette());
}

void PlotView::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange) {
        applyPalette();
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

}  // namespace nac::widgets
