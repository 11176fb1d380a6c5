// Shared look of the QCustomPlot views: colours taken from the widget palette (dark mode works), series colours, Viridis.
#pragma once

#include <QColor>
#include <QFont>
#include <QPalette>
#include <QPen>

class QCustomPlot;
class QCPItemText;
class QCPAxis;
class QCPColorGradient;

namespace nac::widgets {

class PlotStyle {
public:
    // Background, axes, grid, tick labels and legend of plot from palette (call again on PaletteChange).
    static void applyPalette(QCustomPlot* plot, const QPalette& palette);
    // One axis (e.g. a colour scale's, which is not among the plot's axis rects).
    static void applyPalette(QCPAxis* axis, const QPalette& palette);

    // Perceptually uniform, readable on light and dark backgrounds; NaN cells are transparent.
    static QCPColorGradient viridis();

    // Okabe-Ito colours (colour-blind safe), without black so they show on dark backgrounds too.
    static QColor seriesColour(int index);
    static QColor indColour() { return seriesColour(0); }
    static QColor oodColour() { return seriesColour(1); }
    static QColor thresholdColour(const QPalette& palette);
    static QColor markerColour() { return QColor(0xff, 0x3b, 0x6b); }
    // Teaching mode's highlight (the element the current step is about): magenta, a hue neither
    // Viridis nor the series colours use, drawn over a dark halo so it shows on any cell.
    static QColor highlightColour() { return QColor(0xf0, 0x00, 0xf0); }
    static QColor highlightHaloColour() { return QColor(0x10, 0x10, 0x10); }
    static constexpr double kHighlightWidth = 3.0;      // pixels
    static constexpr double kHighlightHaloWidth = 6.0;
    static QPen highlightPen() { return QPen(highlightColour(), kHighlightWidth); }
    static QPen highlightHaloPen() { return QPen(highlightHaloColour(), kHighlightHaloWidth); }
    // A highlight's label: white bold text (font made bold) on the darkened highlight colour,
    // x in plot coordinates, y as a ratio of the axis rect.
    static void styleHighlightLabel(QCPItemText* label, QFont font);
};

}  // namespace nac::widgets
