// Saves a QCustomPlot as PNG, SVG or PDF, chosen by the file extension; writes atomically.
#pragma once

#include <QString>

class QCustomPlot;

namespace nac::widgets {

class PlotExport {
public:
    enum class Format {
        Png = 1,
        Svg,
        Pdf,
    };

    // Format from the extension of path (case-insensitive). False for anything else.
    static bool formatForPath(const QString& path, Format* format);
    // True when the library was built with Qt SVG (QSvgGenerator).
    static bool svgAvailable();
    // Filter for QFileDialog: "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)".
    static QString fileDialogFilter();

    // Renders plot at widthPx x heightPx (0: its current size, at least 640 x 400) and saves it
    // to path through QSaveFile, so a failed export never destroys an existing file. On failure
    // returns false and, when errorMessage is non-null, says which file and what went wrong.
    // Call on the GUI thread.
    static bool save(QCustomPlot* plot, const QString& path, QString* errorMessage, int widthPx = 0,
                     int heightPx = 0);
};

}  // namespace nac::widgets
