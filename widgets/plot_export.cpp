// PNG through QPixmap, SVG through QSvgGenerator, PDF through QCustomPlot::savePdf; all committed by QSaveFile.
#include "widgets/plot_export.h"

#include <qcustomplot.h>

#include <QBuffer>
#include <QImage>
#include <QPageSize>
#include <QPdfWriter>
#include <QFileInfo>
#include <QSaveFile>
#include <QTemporaryDir>

#include <cmath>

#ifdef NAC_WIDGETS_HAVE_SVG
#include <QSvgGenerator>
#endif

namespace nac::widgets {
namespace {

constexpr int kMinExportWidthPx = 320;
constexpr int kMinExportHeightPx = 200;
constexpr double kScreenDpi = 96.0;

bool fail(QString* errorMessage, const QString& message)
{
    if (errorMessage)
        *errorMessage = message;
    return false;
}

bool renderPng(QCustomPlot* plot, int widthPx, int heightPx, double scale, QByteArray* bytes, QString* error)
{
    QImage image = plot->toPixmap(widthPx, heightPx, scale).toImage();
    const int dotsPerMeter = int(std::lround(kScreenDpi * scale / 0.0254));
    image.setDotsPerMeterX(dotsPerMeter);
    image.setDotsPerMeterY(dotsPerMeter);
    QBuffer buffer(bytes);
    buffer.open(QIODevice::WriteOnly);
    if (image.isNull() || !image.save(&buffer, "PNG")) {
        *error = QStringLiteral("the plot could not be rendered as a PNG image");
        return false;
    }
    return true;
}

bool renderSvg(QCustomPlot* plot, int widthPx, int heightPx, const QString& title, QByteArray* bytes, QString* error)
{
#ifdef NAC_WIDGETS_HAVE_SVG
    QBuffer buffer(bytes);
    buffer.open(QIODevice::WriteOnly);
    QSvgGenerator generator;
    generator.setOutputDevice(&buffer);
    generator.setSize(QSize(widthPx, heightPx));
    generator.setViewBox(QRect(0, 0, widthPx, heightPx));
    generator.setTitle(title);
    generator.setDescription(QStringLiteral("Plot exported by NAC Studio"));
    QCPPainter painter;
    if (!painter.begin(&generator)) {
        *error = QStringLiteral("the SVG generator could not be started");
        return false;
    }
    painter.setMode(QCPPainter::pmVectorized);
    plot->toPainter(&painter, widthPx, heightPx);
    painter.end();
    return !bytes->isEmpty();
#else
    Q_UNUSED(plot);
    Q_UNUSED(widthPx);
    Q_UNUSED(heightPx);
    Q_UNUSED(title);
    Q_UNUSED(bytes);
    *error = QStringLiteral("this build has no SVG support (Qt SVG was not found); export as .png or .pdf");
    return false;
#endif
}

bool renderPdf(QCustomPlot* plot, int widthPx, int heightPx, const QString& title, QByteArray* bytes, QString* error)
{
    // A page of the plot's size at 96 dpi, painted at PlotExport::kPdfDpi: text and lines stay
    // vectors, the colour map's image gets 300 dpi worth of pixels.
    {
        QBuffer buffer(bytes);
        buffer.open(QIODevice::WriteOnly);
        QPdfWriter writer(&buffer);
        writer.setCreator(QStringLiteral("NAC Studio"));
        writer.setTitle(title);
        writer.setResolution(PlotExport::kPdfDpi);
        writer.setPageMargins(QMarginsF(0, 0, 0, 0));
        writer.setPageSize(QPageSize(QSizeF(widthPx * 72.0 / kScreenDpi, heightPx * 72.0 / kScreenDpi), QPageSize::Point,
                                     QString(), QPageSize::ExactMatch));
        QCPPainter painter;
        if (painter.begin(&writer)) {
            painter.setMode(QCPPainter::pmVectorized);
            painter.setMode(QCPPainter::pmNoCaching);
            const double factor = PlotExport::kPdfDpi / kScreenDpi;
            painter.scale(factor, factor);
            plot->toPainter(&painter, widthPx, heightPx);
            painter.end();
            if (!bytes->isEmpty())
                return true;
        }
        bytes->clear();
    }
    // Fallback: QCustomPlot's own PDF writer (screen resolution).
    // savePdf writes to a file name only: render into a private temporary folder, then read it back.
    QTemporaryDir folder;
    if (!folder.isValid()) {
        *error = QStringLiteral("no temporary folder for the PDF: %1").arg(folder.errorString());
        return false;
    }
    const QString temporaryPath = folder.filePath(QStringLiteral("plot.pdf"));
    if (!plot->savePdf(temporaryPath, widthPx, heightPx, QCP::epAllowCosmetic, QStringLiteral("NAC Studio"), title)) {
        *error = QStringLiteral("the plot could not be rendered as a PDF document");
        return false;
    }
    QFile file(temporaryPath);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("the rendered PDF could not be read back: %1").arg(file.errorString());
        return false;
    }
    *bytes = file.readAll();
    return !bytes->isEmpty();
}

}  // namespace

bool PlotExport::formatForPath(const QString& path, Format* format)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    Format found = Format::Png;
    if (suffix == QLatin1String("png"))
        found = Format::Png;
    else if (suffix == QLatin1String("svg"))
        found = Format::Svg;
    else if (suffix == QLatin1String("pdf"))
        found = Format::Pdf;
    else
        return false;
    if (format)
        *format = found;
    return true;
}

bool PlotExport::svgAvailable()
{
#ifdef NAC_WIDGETS_HAVE_SVG
    return true;
#else
    return false;
#endif
}

QString PlotExport::fileDialogFilter()
{
    QString filter = QStringLiteral("PNG image (*.png)");
    if (svgAvailable())
        filter += QStringLiteral(";;SVG drawing (*.svg)");
    filter += QStringLiteral(";;PDF document (*.pdf)");
    return filter;
}

bool PlotExport::save(QCustomPlot* plot, const QString& path, QString* errorMessage, int widthPx, int heightPx, double scale)
{
    Q_ASSERT(plot);
    if (path.trimmed().isEmpty())
        return fail(errorMessage, QStringLiteral("Cannot export the plot: no file name was given."));
    Format format = Format::Png;
    if (!formatForPath(path, &format))
        return fail(errorMessage, QStringLiteral("Cannot export the plot to '%1': unknown file type '%2'. "
                                                 "Use a name ending in .png, .svg or .pdf.")
                                      .arg(path, QFileInfo(path).suffix()));
    if (widthPx <= 0 || heightPx <= 0) {
        widthPx = qMax(plot->width(), kMinExportWidthPx);
        heightPx = qMax(plot->height(), kMinExportHeightPx);
    }
    if (!(scale > 0.0) || scale > 8.0)
        return fail(errorMessage, QStringLiteral("Cannot export the plot: the scale %1 is outside 0 to 8.").arg(scale));

    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(errorMessage, QStringLiteral("Cannot export the plot to '%1': %2. Choose a folder you can write to.")
                                      .arg(path, file.errorString()));

    const QString title = QFileInfo(path).completeBaseName();
    QByteArray bytes;
    QString renderError;
    bool rendered = false;
    switch (format) {
    case Format::Png:
        rendered = renderPng(plot, widthPx, heightPx, scale, &bytes, &renderError);
        break;
    case Format::Svg:
        rendered = renderSvg(plot, widthPx, heightPx, title, &bytes, &renderError);
        break;
    case Format::Pdf:
        rendered = renderPdf(plot, widthPx, heightPx, title, &bytes, &renderError);
        break;
    }
    // Rendering changes the plot's viewport for a moment; draw it again at its own size.
    plot->replot(QCustomPlot::rpQueuedReplot);
    if (!rendered) {
        file.cancelWriting();
        return fail(errorMessage, QStringLiteral("Cannot export the plot to '%1': %2.").arg(path, renderError));
    }
    if (file.write(bytes) != bytes.size() || !file.commit())
        return fail(errorMessage, QStringLiteral("Cannot export the plot to '%1': %2.").arg(path, file.errorString()));
    return true;
}

}  // namespace nac::widgets
