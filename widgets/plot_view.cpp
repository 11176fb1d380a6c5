// Common plumbing of the QCustomPlot views.
#include "widgets/plot_view.h"

#include "widgets/plot_export.h"
#include "widgets/plot_style.h"

#include <qcustomplot.h>

#include <QEvent>
#include <QVBoxLayout>

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
