// Palette-driven styling of QCustomPlot plots and the colour schemes the views share.
#include "widgets/plot_style.h"

#include <qcustomplot.h>

#include <array>

namespace nac::widgets {

void PlotStyle::applyPalette(QCPAxis* axis, const QPalette& palette)
{
    const QColor text = palette.color(QPalette::WindowText);
    QColor gridColour = palette.color(QPalette::WindowText);
    gridColour.setAlpha(45);
    axis->setBasePen(QPen(text, 1));
    axis->setTickPen(QPen(text, 1));
    axis->setSubTickPen(QPen(text, 1));
    axis->setTickLabelColor(text);
    axis->setLabelColor(text);
    axis->setSelectedBasePen(QPen(palette.color(QPalette::Highlight), 1));
    axis->grid()->setPen(QPen(gridColour, 0, Qt::DotLine));
    QColor subGrid = gridColour;
    subGrid.setAlpha(20);
    axis->grid()->setSubGridPen(QPen(subGrid, 0, Qt::DotLine));
    axis->grid()->setZeroLinePen(Qt::NoPen);
}

void PlotStyle::applyPalette(QCustomPlot* plot, const QPalette& palette)
{
    plot->setBackground(palette.brush(QPalette::Window));
    const QList<QCPAxisRect*> rects = plot->axisRects();
    for (QCPAxisRect* rect : rects) {
        rect->setBackground(palette.brush(QPalette::Base));
        const QList<QCPAxis*> axes = rect->axes();
        for (QCPAxis* axis : axes)
            applyPalette(axis, palette);
    }
    if (plot->legend) {
        QColor legendBackground = palette.color(QPalette::Base);
        legendBackground.setAlpha(220);
        plot->legend->setBrush(legendBackground);
        plot->legend->setBorderPen(QPen(palette.color(QPalette::Mid)));
        plot->legend->setTextColor(palette.color(QPalette::WindowText));
    }
    for (int i = 0; i < plot->plotLayout()->elementCount(); ++i) {
        if (auto* title = qobject_cast<QCPTextElement*>(plot->plotLayout()->elementAt(i)))
            title->setTextColor(palette.color(QPalette::WindowText));
    }
}

QCPColorGradient PlotStyle::viridis()
{
    QCPColorGradient gradient;
    gradient.clearColorStops();
    // Viridis sampled at nine points (matplotlib's table).
    gradient.setColorStopAt(0.000, QColor(0x44, 0x01, 0x54));
    gradient.setColorStopAt(0.125, QColor(0x47, 0x2d, 0x7b));
    gradient.setColorStopAt(0.250, QColor(0x3b, 0x52, 0x8b));
    gradient.setColorStopAt(0.375, QColor(0x2c, 0x72, 0x8e));
    gradient.setColorStopAt(0.500, QColor(0x21, 0x91, 0x8c));
    gradient.setColorStopAt(0.625, QColor(0x28, 0xae, 0x80));
    gradient.setColorStopAt(0.750, QColor(0x5e, 0xc9, 0x62));
    gradient.setColorStopAt(0.875, QColor(0xad, 0xdc, 0x30));
    gradient.setColorStopAt(1.000, QColor(0xfd, 0xe7, 0x25));
    gradient.setColorInterpolation(QCPColorGradient::ciRGB);
    gradient.setNanHandling(QCPColorGradient::nhTransparent);
    gradient.setLevelCount(256);
    return gradient;
}

QColor PlotStyle::seriesColour(int index)
{
    static const std::array<QColor, 7> kOkabeIto = {
        QColor(0x00, 0x72, 0xb2),  // blue
        QColor(0xd5, 0x5e, 0x00),  // vermillion
        QColor(0x00, 0x9e, 0x73),  // bluish green
        QColor(0xcc, 0x79, 0xa7),  // reddish purple
        QColor(0xe6, 0x9f, 0x00),  // orange
        QColor(0x56, 0xb4, 0xe9),  // sky blue
        QColor(0xf0, 0xe4, 0x42),  // yellow
    };
    const int count = int(kOkabeIto.size());
    return kOkabeIto[std::size_t(((index % count) + count) % count)];
}

QColor PlotStyle::thresholdColour(const QPalette& palette)
{
    // Dark text colour on light themes, light on dark ones: the line must stand out from both fills.
    return palette.color(QPalette::WindowText);
}

void PlotStyle::styleHighlightLabel(QCPItemText* label, QFont font)
{
    label->position->setTypeX(QCPItemPosition::ptPlotCoords);
    label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    label->setColor(Qt::white);
    label->setBrush(highlightColour().darker(130));
    label->setPadding(QMargins(4, 2, 4, 2));
    font.setBold(true);
    label->setFont(font);
}

}  // namespace nac::widgets
