// Tests of plot export: every plot view writes non-empty PNG/SVG/PDF files; bad paths fail with a message.
#include "widgets/coverage_heatmap_view.h"
#include "widgets/neuron_histogram_view.h"
#include "widgets/plot_export.h"
#include "widgets/roc_view.h"
#include "widgets/score_distribution_view.h"

#include "widget_test_data.h"

#include <QImage>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using nac::engine::BinScheme;
using namespace nac::widgets;

namespace {

std::unique_ptr<PlotView> makeView(const QString& kind)
{
    if (kind == QLatin1String("heatmap")) {
        auto view = std::make_unique<CoverageHeatmapView>();
        view->setLayer(QStringLiteral("layer3"), test::makeCoverage(BinScheme::Reference, 50, 20, 50.0, test::distinctCount));
        return view;
    }
    if (kind == QLatin1String("histogram")) {
        auto view = std::make_unique<NeuronHistogramView>();
        view->setNeuron(QStringLiteral("layer3"), 1, {0.0, 0.5, 1.01}, {3, 70}, 50.0, {0.7f});
        return view;
    }
    if (kind == QLatin1String("distribution")) {
        auto view = std::make_unique<ScoreDistributionView>();
        view->setIndScores({0.8, 0.9});
        view->setOodScores({0.1, 0.3});
        view->setThreshold(0.5);
        return view;
    }
    auto view = std::make_unique<RocView>();
    view->setCurves({{QStringLiteral("NAC-UE"), {{0, 0, 1}, {0.1, 0.8, 0.5}, {1, 1, 0}}, 0.86}});
    return view;
}

}  // namespace

class TestPlotExport : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void formatFromExtension_data();
    void formatFromExtension();
    void everyViewExportsEveryFormat_data();
    void everyViewExportsEveryFormat();
    void badPathsFailWithAMessage_data();
    void badPathsFailWithAMessage();
    void failedExportKeepsTheOldFile();
    void sizeFollowsTheWidgetTimesTheScale();
};

void TestPlotExport::formatFromExtension_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("known");
    QTest::addColumn<int>("format");
    QTest::newRow("png") << QStringLiteral("/tmp/a.png") << true << int(PlotExport::Format::Png);
    QTest::newRow("upper-case SVG") << QStringLiteral("plot.SVG") << true << int(PlotExport::Format::Svg);
    QTest::newRow("pdf") << QStringLiteral("x.y.pdf") << true << int(PlotExport::Format::Pdf);
    QTest::newRow("bmp") << QStringLiteral("a.bmp") << false << 0;
    QTest::newRow("no extension") << QStringLiteral("plot") << false << 0;
}

void TestPlotExport::formatFromExtension()
{
    QFETCH(QString, path);
    QFETCH(bool, known);
    QFETCH(int, format);
    PlotExport::Format found = PlotExport::Format::Png;
    QCOMPARE(PlotExport::formatForPath(path, &found), known);
    if (known)
        QCOMPARE(int(found), format);
}

void TestPlotExport::everyViewExportsEveryFormat_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("suffix");
    QTest::addColumn<QByteArray>("magic");
    for (const char* kind : {"heatmap", "histogram", "distribution", "roc"}) {
        QTest::addRow("%s png", kind) << QString::fromLatin1(kind) << QStringLiteral("png") << QByteArray("\x89PNG");
        QTest::addRow("%s svg", kind) << QString::fromLatin1(kind) << QStringLiteral("svg") << QByteArray("<?xml");
        QTest::addRow("%s pdf", kind) << QString::fromLatin1(kind) << QStringLiteral("pdf") << QByteArray("%PDF");
    }
}

void TestPlotExport::everyViewExportsEveryFormat()
{
    QFETCH(QString, kind);
    QFETCH(QString, suffix);
    QFETCH(QByteArray, magic);
    if (suffix == QLatin1String("svg") && !PlotExport::svgAvailable())
        QSKIP("built without Qt SVG");
    std::unique_ptr<PlotView> view = makeView(kind);
    view->resize(640, 420);
    QTemporaryDir folder;
    QVERIFY(folder.isValid());
    const QString path = folder.filePath(kind + QStringLiteral(".") + suffix);
    QString error;
    QVERIFY2(view->exportPlot(path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QVERIFY(bytes.size() > 500);
    QVERIFY2(bytes.startsWith(magic), bytes.left(16).constData());
    if (suffix == QLatin1String("svg"))
        QVERIFY(bytes.contains("<svg"));
}

void TestPlotExport::badPathsFailWithAMessage_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("missing folder") << QStringLiteral("/nonexistent-folder-for-nac-tests/plot.png")
                                    << QStringLiteral("/nonexistent-folder-for-nac-tests/plot.png");
    QTest::newRow("unknown type") << QStringLiteral("plot.bmp") << QStringLiteral(".png, .svg or .pdf");
    QTest::newRow("empty") << QString() << QStringLiteral("no file name");
}

void TestPlotExport::badPathsFailWithAMessage()
{
    QFETCH(QString, path);
    QFETCH(QString, mentions);
    RocView view;
    QString error;
    QVERIFY(!view.exportPlot(path, &error));
    QVERIFY2(error.contains(mentions), qPrintable(error));
    QVERIFY(!view.exportPlot(path));  // no message wanted: still just false
}

void TestPlotExport::failedExportKeepsTheOldFile()
{
    QTemporaryDir folder;
    const QString path = folder.filePath(QStringLiteral("plot.bmp"));
    QFile old(path);
    QVERIFY(old.open(QIODevice::WriteOnly));
    old.write("old contents");
    old.close();
    RocView view;
    QVERIFY(!view.exportPlot(path));
    QVERIFY(old.open(QIODevice::ReadOnly));
    QCOMPARE(old.readAll(), QByteArray("old contents"));
}

// The defect: every PNG was 640 x 400 whatever the window. Now: the plot's size on screen times
// the scale, and a PDF page of that size (at 96 dpi) drawn at 300 dpi.
void TestPlotExport::sizeFollowsTheWidgetTimesTheScale()
{
    RocView view;
    view.resize(900, 560);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QSize onScreen = view.plotWidget()->size();
    QVERIFY(onScreen.width() > 640);
    QTemporaryDir folder;
    QVERIFY(folder.isValid());
    for (double scale : {1.0, 2.0, 3.0}) {
        const QString path = folder.filePath(QStringLiteral("roc-%1.png").arg(scale));
        QString error;
        QVERIFY2(view.exportPlot(path, &error, scale), qPrintable(error));
        const QImage image(path);
        QCOMPARE(image.size(), onScreen * scale);
        QCOMPARE(image.dotsPerMeterX(), int(std::lround(96.0 * scale / 0.0254)));
    }
    QCOMPARE(QImage(folder.filePath(QStringLiteral("roc-2.png"))).size(), QSize(onScreen * 2));  // the app's default
    QString error;
    QVERIFY(!view.exportPlot(folder.filePath(QStringLiteral("bad.png")), &error, 0.0));
    QVERIFY2(error.contains(QStringLiteral("scale")), qPrintable(error));

    const QString pdf = folder.filePath(QStringLiteral("roc.pdf"));
    QVERIFY2(view.exportPlot(pdf, &error), qPrintable(error));
    QFile file(pdf);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    const QRegularExpressionMatch box =
        QRegularExpression(QStringLiteral("/MediaBox \\[0 0 ([0-9.]+) ([0-9.]+)\\]")).match(QString::fromLatin1(bytes));
    QVERIFY2(box.hasMatch(), bytes.left(400).constData());
    QVERIFY(std::abs(box.captured(1).toDouble() - onScreen.width() * 0.75) < 1.0);
    QVERIFY(std::abs(box.captured(2).toDouble() - onScreen.height() * 0.75) < 1.0);
}

QTEST_MAIN(TestPlotExport)
#include "tst_plot_export.moc"
