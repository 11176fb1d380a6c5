// Shared fixtures of the app tests: model paths, data sets written out as PNG files, small waits.
#pragma once

#include "engine/data/data_source.h"
#include "engine/dataset.h"

#include <QApplication>
#include <QDir>
#include <QDropEvent>
#include <QMimeData>
#include <QSettings>
#include <QStandardPaths>
#include <QUrl>
#include <QWidget>
#include <QFileInfo>
#include <QImage>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

namespace nac::app::test {

// Settings in a test location of their own, emptied: no geometry, session, recent files or
// remembered inputs from an earlier run (call from initTestCase, before any window).
inline void useCleanTestSettings(const QString& organization = QStringLiteral("NAC Studio Tests"))
{
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setOrganizationName(organization);
    QSettings().clear();
}

inline QString testModel(const QString& file)
{
    return QDir(QStringLiteral(NAC_TEST_MODELS_DIR)).filePath(file);
}

inline QString demoModel()
{
    const QString env = qEnvironmentVariable("NAC_DEMO_DIR");
    const QString dir = env.isEmpty() ? QStringLiteral(NAC_SOURCE_DIR "/resources/demo") : env;
    return QDir(dir).filePath(QStringLiteral("fashion_resnet18.pt"));
}

inline QString fashionTrain()
{
    return QStringLiteral("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
}

inline QString fashionTest()
{
    return QStringLiteral("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
}

inline QString mnistOod()
{
    return QStringLiteral(NAC_SOURCE_DIR "/resources/demo/ood/mnist-images-idx3-ubyte.gz");
}

// Writes images first..first+count-1 of the data set spec as 8-bit gray PNG files (28x28 unless
// the source differs) into dir; returns their paths. Empty when the data set cannot be opened.
inline QStringList writePngs(const QString& spec, int first, int count, const QString& dir, const QString& prefix,
                             int height = 28, int width = 28)
{
    QStringList paths;
    std::unique_ptr<nac::engine::Dataset> dataset;
    try {
        dataset = nac::engine::openDataset(spec.toStdString());
    } catch (const std::exception&) {
        return paths;
    }
    nac::engine::InputSpec raw;
    raw.channels = 1;
    raw.height = height;
    raw.width = width;
    raw.mean = {0.0f};
    raw.std = {1.0f};
    std::vector<float> pixels(raw.valuesPerImage());
    QDir().mkpath(dir);
    for (int i = first; i < first + count && std::size_t(i) < dataset->size(); ++i) {
        dataset->load(std::size_t(i), raw, pixels.data());
        QImage image(width, height, QImage::Format_Grayscale8);
        for (int y = 0; y < height; ++y) {
            uchar* line = image.scanLine(y);
            for (int x = 0; x < width; ++x)
                line[x] = uchar(std::clamp(std::lround(pixels[std::size_t(y * width + x)] * 255.0f), 0L, 255L));
        }
        const QString path = QDir(dir).filePath(QStringLiteral("%1-%2.png").arg(prefix).arg(i, 5, 10, QLatin1Char('0')));
        if (image.save(path))
            paths.append(path);
    }
    return paths;
}

// Drops files on a window the way a drag from a file manager ends: DragEnter (which makes the
// window Qt's current drop target), then Drop. True when the window accepted both.
inline bool dropFiles(QWidget* window, const QStringList& paths)
{
    QMimeData mime;
    QList<QUrl> urls;
    for (const QString& path : paths)
        urls.append(QUrl::fromLocalFile(path));
    mime.setUrls(urls);
    const QPoint centre = window->rect().center();
    QDragEnterEvent enter(centre, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(window, &enter);
    if (!enter.isAccepted())
        return false;
    QDropEvent drop(QPointF(centre), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(window, &drop);
    return drop.isAccepted();
}

inline double mean(const std::vector<double>& values)
{
    if (values.empty())
        return std::nan("");
    double sum = 0.0;
    for (double v : values)
        sum += v;
    return sum / double(values.size());
}

}  // namespace nac::app::test
