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

    // Renders plot at widthPx x heightPx logical pixels (0: the plot's size on screen, at least
    // 320 x 200) and saves it to path through QSaveFile, so a failed export never destroys an
    // existing file. A PNG has scale times as many pixels each way (and says 96 * scale dpi); a
    // PDF page is the logical size at 96 dpi, drawn at 300 dpi (vector parts stay vectors). On
    // failure returns false and, when errorMessage is non-null, says which file and what went
    // wrong. Call on the GUI thread.
    static bool save(QCustomPlot* plot, const QString& path, QString* errorMessage, int widthPx = 0,
                     int heightPx = 0, double scale = 1.0);
    static constexpr double kDefaultScale = 2.0;  // what the app exports PNGs at unless told otherwise
    static constexpr int kPdfDpi = 300;
};

}  // namespace nac::widgets
