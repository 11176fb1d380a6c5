// MainWindow offscreen: parameter changes reach the views, layer checkboxes change the requested
// layers, drops of bad files give a message bar and a row, profiles round-trip.
#include "app/gui/coverage_panel.h"
#include "app/gui/engine_controller.h"
#include "app/gui/app_settings.h"
#include "app/gui/fit_panel.h"
#include "app/gui/input_spec_dialog.h"
#include "app/gui/main_window.h"
#include "app/gui/message_bar.h"
#include "app/gui/scoring_panel.h"
#include "app/gui/workbench_panel.h"
#include "app_test_support.h"
#include "fitted_window.h"

#include "engine/metrics.h"
#include "engine/profile_io.h"
#include "widgets/coverage_heatmap_view.h"
#include "widgets/layer_tree_view.h"
#include "widgets/neuron_histogram_view.h"
#include "widgets/parameter_panel.h"
#include "widgets/roc_view.h"
#include "widgets/score_distribution_view.h"
#include "widgets/score_list_view.h"

#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QImage>
#include <QMenu>
#include <QMimeData>
#include <QProcess>
#include <QPushButton>
#include <QTableWidget>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using nac::app::CoveragePanel;
using nac::app::JobOutcome;
using nac::app::JobResult;
using nac::app::MainWindow;
using nac::app::SnapshotReason;
using nac::app::StartupOptions;
using nac::widgets::ParameterPanel;

namespace {
constexpr int kWaitMs = 120000;
}

class TestMainWindow : public QObject {
    Q_OBJECT

private:
    QString m_model;
    QTemporaryDir m_dir;

    // A window that has fitted the test model on noise images.
    std::unique_ptr<MainWindow> fittedWindow()
    {
        return nac::app::test::fittedWindow(nac::app::test::noiseFit(m_model, 2000, 256, 128), kWaitMs);
    }

private Q_SLOTS:
    void initTestCase()
    {
        nac::app::test::useCleanTestSettings();
        nac::app::registerMetaTypes();
        m_model = nac::app::test::testModel(QStringLiteral("helper_method.pt"));
        if (!QFileInfo::exists(m_model))
            QSKIP("test model helper_method.pt is missing: run `ctest -R make_test_models` first");
        QVERIFY(m_dir.isValid());
    }

    // File > Export > PNG Scale: the choice is remembered and sets the PNG's pixels; the PDF
    // page does not change with it.
    void pngExportScaleIsAChoiceAndRemembered()
    {
        {
            MainWindow window;
            window.resize(1024, 700);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            QVERIFY(window.action(QStringLiteral("actionPngScale2"))->isChecked());  // the default
            QWidget* plot = window.scoringPanel()->distribution()->plotWidget();
            // PlotExport renders at the plot's size on screen, at least 320 x 200.
            const QSize onScreen(qMax(plot->width(), 320), qMax(plot->height(), 200));
            window.action(QStringLiteral("actionPngScale3"))->trigger();
            QCOMPARE(nac::app::AppSettings().pngExportScale(), 3);
            const QString png = m_dir.filePath(QStringLiteral("scale3.png"));
            QString error;
            QVERIFY2(window.exportPlotTo(QStringLiteral("distribution"), png, &error), qPrintable(error));
            QCOMPARE(QImage(png).size(), onScreen * 3);
            window.action(QStringLiteral("actionPngScale1"))->trigger();
            const QString png1 = m_dir.filePath(QStringLiteral("scale1.png"));
            QVERIFY2(window.exportPlotTo(QStringLiteral("distribution"), png1, &error), qPrintable(error));
            QCOMPARE(QImage(png1).size(), onScreen);
        }
        // A new window (a new start) shows the remembered choice.
        MainWindow again;
        QVERIFY(again.action(QStringLiteral("actionPngScale1"))->isChecked());
        QVERIFY(!again.action(QStringLiteral("actionPngScale2"))->isChecked());
        nac::app::AppSettings().setPngExportScale(2);
    }

    // The window fits a 1024x700 screen: its minimum height stays under 700 (the Explain tab
    // scrolls), and View > Reset Layout, which stacks the tabbed docks for a moment, gives the
    // window its size back instead of leaving it taller than the screen.
    void fitsA1024x700ScreenAfterResetLayout()
    {
        MainWindow window;
        window.resize(1024, 700);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY2(window.minimumSizeHint().height() <= 700, qPrintable(QString::number(window.minimumSizeHint().height())));
        QVERIFY2(window.minimumSizeHint().width() <= 1024, qPrintable(QString::number(window.minimumSizeHint().width())));
        window.action(QStringLiteral("actionResetLayout"))->trigger();
        QTest::qWait(50);
        QCOMPARE(window.size(), QSize(1024, 700));
        for (const char* name : {"scoringDock", "workbenchDock", "explainDock"}) {
            auto* dock = window.findChild<QDockWidget*>(QString::fromLatin1(name));
            QVERIFY(dock);
            QVERIFY2(window.tabifiedDockWidgets(dock).size() == 2, name);
        }
    }

    void startFitsTheMetadataLayers()
    {
        auto window = fittedWindow();
        QVERIFY(window);
        const auto snapshot = window->snapshot();
        QVERIFY(snapshot && snapshot->complete);
        // helper_method.pt's nac.json names these default layers.
        const QStringList expected = window->model()->defaultLayers;
        QVERIFY(!expected.isEmpty());
        QCOMPARE(snapshot->layerNames(), expected);
        QCOMPARE(window->coveragePanel()->layerCount(), expected.size());
        QCOMPARE(window->parameterPanel()->layerNames(), expected);
        QCOMPARE(window->fitPanel()->checkedLayers().size(), expected.size());
        QCOMPARE(window->fitPanel()->sampleCount(), 256);
        auto* heatmap = window->coveragePanel()->heatmap(window->coveragePanel()->currentLayer());
        QVERIFY(heatmap);
        QCOMPARE(heatmap->heatmapData().layerName, expected[window->coveragePanel()->currentLayer()]);
        QCOMPARE(window->coveragePanel()->summaryTable()->rowCount(), expected.size());
        QVERIFY(std::isfinite(window->scoringPanel()->threshold()));
        QVERIFY(window->figures().fitImagesPerSecond > 0);
    }

    void parameterChangesReachTheViews()
    {
        auto window = fittedWindow();
        QVERIFY(window);
        ParameterPanel* panel = window->parameterPanel();
        CoveragePanel* coverage = window->coveragePanel();
        QSignalSpy shown(window.get(), &MainWindow::paramsShown);

        // O of layer 0 through the spin box, as a user would.
        panel->setSelectedLayer(0);
        coverage->setCurrentLayer(0);
        auto* oSpin = panel->findChild<QDoubleSpinBox*>(QStringLiteral("minActivatedSpin"));
        QVERIFY(oSpin);
        oSpin->setValue(17.0);
        QVERIFY(shown.wait(kWaitMs));
        QTRY_COMPARE(coverage->heatmap(0)->heatmapData().coverage.params.minActivated, 17.0);
        QCOMPARE(window->snapshot()->layers[0].coverage.params.minActivated, 17.0);
        qInfo("O change: %.1f ms to the views (GUI redraw %.1f ms)", shown.last().at(0).toDouble(), shown.last().at(1).toDouble());

        // M of layer 0: the heatmap gets re-binned counts.
        auto* mSpin = panel->findChild<QSpinBox*>(QStringLiteral("binEdgeCountSpin"));
        QVERIFY(mSpin);
        shown.clear();
        mSpin->setValue(24);
        QVERIFY(shown.wait(kWaitMs));
        QTRY_COMPARE(coverage->heatmap(0)->heatmapData().coverage.params.binEdgeCount, 24);
        QCOMPARE(coverage->heatmap(0)->heatmapData().coverage.binCount(), 23);
        qInfo("M change: %.1f ms to the views (GUI redraw %.1f ms)", shown.last().at(0).toDouble(), shown.last().at(1).toDouble());

        // All layers, "set all to value": alpha reaches every layer; a hidden tab is redrawn when shown.
        panel->setSelectedLayer(ParameterPanel::kAllLayers);
        panel->setAllLayersEdit(ParameterPanel::AllLayersEdit::Set);
        auto* alphaSpin = panel->findChild<QDoubleSpinBox*>(QStringLiteral("alphaSpin"));
        QVERIFY(alphaSpin);
        shown.clear();
        alphaSpin->setValue(3.0);
        QVERIFY(shown.wait(kWaitMs));
        QTRY_VERIFY(window->snapshot()->layers.back().coverage.params.alpha == 3.0);
        for (const auto& layer : window->snapshot()->layers)
            QCOMPARE(layer.coverage.params.alpha, 3.0);
        const int lastLayer = coverage->layerCount() - 1;
        coverage->setCurrentLayer(lastLayer);
        QCOMPARE(coverage->heatmap(lastLayer)->heatmapData().coverage.params.alpha, 3.0);

        // Reset to the model's defaults.
        auto* reset = panel->findChild<QPushButton*>(QStringLiteral("resetButton"));
        QVERIFY(reset);
        shown.clear();
        reset->click();
        QVERIFY(shown.wait(kWaitMs));
        QTRY_COMPARE(window->snapshot()->params(), panel->defaultParams());

        // Sorting neurons by coverage area gives the heatmap that order.
        coverage->setCurrentLayer(0);
        coverage->setNeuronOrder(CoveragePanel::NeuronOrder::CoverageArea);
        const auto& data = coverage->heatmap(0)->heatmapData();
        const auto& area = window->snapshot()->layers[0].neuronArea;
        for (std::size_t i = 1; i < data.neuronOrder.size(); ++i)
            QVERIFY(area[std::size_t(data.neuronOrder[i - 1])] >= area[std::size_t(data.neuronOrder[i])]);
        QVERIFY(coverage->heatmap(0)->xAxisLabel().contains(QStringLiteral("coverage area")));

        // Clicking a neuron shows its histogram with the O line.
        Q_EMIT coverage->heatmap(0)->neuronClicked(3);
        QCOMPARE(coverage->histogram()->neuron(), 3);
        QCOMPARE(coverage->histogram()->minActivated(), window->snapshot()->layers[0].coverage.params.minActivated);
    }

    void layerCheckboxesChangeTheRequest()
    {
        auto window = fittedWindow();
        QVERIFY(window);
        nac::widgets::LayerTreeView* tree = window->fitPanel()->layerTree();
        const QStringList before = window->requestedLayers();
        QVERIFY(before.size() >= 2);
        QTreeWidgetItem* item = tree->itemForPath(before.first());
        QVERIFY(item);
        item->setCheckState(nac::widgets::LayerTreeView::PathColumn, Qt::Unchecked);
        QStringList expected = before;
        expected.removeFirst();
        QCOMPARE(window->requestedLayers(), expected);  // tree order
        QStringList expectedFit;                         // the metadata's order, as `nac fit`
        for (const QString& layer : window->model()->defaultLayers)
            if (expected.contains(layer))
                expectedFit.append(layer);
        QCOMPARE(window->fitRequest().layers, expectedFit);
        QCOMPARE(window->fitRequest().params.size(), std::size_t(expected.size()));
        QVERIFY(!window->messageBar()->text().isEmpty());  // "press Fit (F5)"

        // F5 fits exactly the checked layers.
        QSignalSpy fitDone(window.get(), &MainWindow::fitFinished);
        window->action(QStringLiteral("actionFit"))->trigger();
        QVERIFY(fitDone.wait(kWaitMs));
        QCOMPARE(fitDone.first().first().value<JobResult>().outcome, JobOutcome::Completed);
        QCOMPARE(window->snapshot()->layerNames(), expectedFit);
        QCOMPARE(window->coveragePanel()->layerCount(), expected.size());
        QCOMPARE(window->parameterPanel()->layerNames(), expectedFit);

        // None checked: F5 says what to do instead of fitting.
        for (const QString& layer : expected)
            tree->itemForPath(layer)->setCheckState(nac::widgets::LayerTreeView::PathColumn, Qt::Unchecked);
        QVERIFY(window->requestedLayers().isEmpty());
        window->startFit();
        QCOMPARE(window->messageBar()->level(), nac::app::MessageBar::Level::Error);
        QVERIFY(window->messageBar()->text().contains(QStringLiteral("layer")));
        QVERIFY(!window->controller()->isFitting());
    }

    void badDropsGiveAClearLine()
    {
        auto window = fittedWindow();
        QVERIFY(window);
        const QString dir = m_dir.filePath(QStringLiteral("bad"));
        QDir().mkpath(dir);
        QFile text(QDir(dir).filePath(QStringLiteral("readme.txt")));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("hello\n");
        text.close();
        QFile corrupt(QDir(dir).filePath(QStringLiteral("corrupt.png")));
        QVERIFY(corrupt.open(QIODevice::WriteOnly));
        corrupt.write("\x89PNG\r\n\x1a\nbroken");
        corrupt.close();
        QImage colour(56, 56, QImage::Format_RGB32);
        colour.fill(Qt::darkCyan);
        const QString colourPath = QDir(dir).filePath(QStringLiteral("colour.png"));
        QVERIFY(colour.save(colourPath));

        QSignalSpy shown(window.get(), &MainWindow::scoresShown);
        QVERIFY(nac::app::test::dropFiles(window.get(), {text.fileName(), corrupt.fileName(), colourPath}));
        QVERIFY(shown.wait(kWaitMs));
        nac::widgets::ScoreListView* list = window->scoringPanel()->list();
        QCOMPARE(list->rowCount(), 3);
        QVERIFY(list->row(0).failed);
        QVERIFY(list->row(1).failed);
        QVERIFY(!list->row(2).failed);
        QVERIFY2(list->row(2).notice.contains(QStringLiteral("gray")), qPrintable(list->row(2).notice));
        QVERIFY(std::isfinite(list->row(2).score));
        const QString bar = window->messageBar()->text();
        QVERIFY2(bar.contains(QStringLiteral("readme.txt")) && bar.contains(QStringLiteral("corrupt.png")), qPrintable(bar));
        QVERIFY2(bar.contains(QStringLiteral("converted")), qPrintable(bar));
        QCOMPARE(window->messageBar()->level(), nac::app::MessageBar::Level::Warning);

        // Selecting the scored image explains it and marks its weak neurons on the heatmaps.
        list->setCurrentRow(2);
        QCOMPARE(window->scoringPanel()->selectedSample(), 0);
        QVERIFY(window->scoringPanel()->explanationShown().contains(QStringLiteral("colour.png")));
        // ... and marks its score on the distribution; an unscored row removes the mark.
        QVERIFY(window->scoringPanel()->distribution()->markerVisible());
        QCOMPARE(window->scoringPanel()->distribution()->markerScore(), list->row(2).score);
        list->setCurrentRow(0);
        QVERIFY(!window->scoringPanel()->distribution()->markerVisible());
        list->setCurrentRow(2);
        const auto markers = window->scoringPanel()->weakNeuronMarkers(0);
        const int layer = window->coveragePanel()->currentLayer();
        QCOMPARE(window->coveragePanel()->heatmap(layer)->markerPositions().size(), markers[std::size_t(layer)].size());
    }

    // One folder or IDX file dropped on the window asks what it is for; "OOD set" and "InD test
    // set" add it to the Evaluation dock, the first choice does what a drop did before.
    void droppedFolderOrIdxOffersASetChoice()
    {
        auto window = fittedWindow();
        QVERIFY(window);
        const QString dir = m_dir.filePath(QStringLiteral("oodfolder"));
        QDir().mkpath(dir);
        nac::app::test::writePngs(nac::app::test::mnistOod(), 0, 12, dir, QStringLiteral("digit"));
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(dir)});
        QMenu* menu = window->offerDropChoices(&mime, window->mapToGlobal(QPoint(40, 40)));
        QVERIFY(menu);
        QVERIFY(menu->isVisible());
        QAction* asOod = menu->findChild<QAction*>(QStringLiteral("dropAsOod"));
        QVERIFY(asOod);
        QVERIFY2(asOod->text().contains(QStringLiteral("oodfolder")), qPrintable(asOod->text()));
        QVERIFY(menu->findChild<QAction*>(QStringLiteral("dropAsInd")));
        QVERIFY(menu->findChild<QAction*>(QStringLiteral("dropAsDefault"))->text().contains(QStringLiteral("Score")));
        asOod->trigger();
        menu->close();
        nac::app::WorkbenchPanel* panel = window->workbenchPanel();
        QCOMPARE(panel->setsTable()->rowCount(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(panel->results() && !panel->isRunning(), kWaitMs);
        QCOMPARE(panel->results()->sets.size(), std::size_t(1));
        QCOMPARE(int(panel->results()->sets.front().role), int(nac::app::SetRole::Ood));

        // An IDX file: the first choice is the training data; a single image or two files get no menu.
        QMimeData idx;
        idx.setUrls({QUrl::fromLocalFile(nac::app::test::mnistOod())});
        QMenu* idxMenu = window->offerDropChoices(&idx, window->mapToGlobal(QPoint(40, 40)));
        QVERIFY(idxMenu);
        QVERIFY(idxMenu->findChild<QAction*>(QStringLiteral("dropAsDefault"))->text().contains(QStringLiteral("Training")));
        idxMenu->close();
        QMimeData two;
        two.setUrls({QUrl::fromLocalFile(dir), QUrl::fromLocalFile(nac::app::test::mnistOod())});
        QVERIFY(window->offerDropChoices(&two, QPoint()) == nullptr);
        QMimeData missing;
        missing.setUrls({QUrl::fromLocalFile(m_dir.filePath(QStringLiteral("not-there")))});
        QVERIFY(window->offerDropChoices(&missing, QPoint()) == nullptr);
    }

    // The ROC tab: held-out InD against the dropped images, for NAC-UE and the three baselines,
    // with the same AUROC as the engine's metrics on the same scores; it follows a parameter change.
    void rocOfDroppedImages()
    {
        auto window = fittedWindow();
        QVERIFY(window);
        nac::app::ScoringPanel* scoring = window->scoringPanel();
        QVERIFY(scoring->rocView()->curves().empty());
        QVERIFY2(scoring->rocSummary().contains(QStringLiteral("Drop OOD images")), qPrintable(scoring->rocSummary()));

        const QString dir = m_dir.filePath(QStringLiteral("roc"));
        QDir().mkpath(dir);
        QStringList files;
        for (int i = 0; i < 6; ++i) {
            QImage image(28, 28, QImage::Format_Grayscale8);
            image.fill(i % 2 ? 30 * i : 255 - 20 * i);  // flat images, far from the noise the fit saw
            files << QDir(dir).filePath(QStringLiteral("flat%1.png").arg(i));
            QVERIFY(image.save(files.back()));
        }
        QSignalSpy shown(window.get(), &MainWindow::scoresShown);
        QVERIFY(nac::app::test::dropFiles(window.get(), files));
        QVERIFY(shown.wait(kWaitMs));
        QTRY_COMPARE_WITH_TIMEOUT(scoring->droppedScores() ? scoring->droppedScores()->scores.total.size() : 0u,
                                  std::size_t(6), kWaitMs);

        const auto& curves = scoring->rocView()->curves();
        QCOMPARE(curves.size(), std::size_t(4));
        QCOMPARE(curves[0].method, QStringLiteral("NAC-UE"));
        QCOMPARE(curves[3].method, QStringLiteral("Energy"));
        const auto snapshot = window->snapshot();
        const nac::engine::OodMetrics expected =
            nac::engine::computeOodMetrics(snapshot->heldoutScores, scoring->droppedScores()->scores.total);
        QCOMPARE(curves[0].auroc, expected.auroc);
        QCOMPARE(curves[0].points.size(), expected.roc.size());
        const QString summary = scoring->rocSummary();
        QVERIFY2(summary.contains(QStringLiteral("128 held-out")) && summary.contains(QStringLiteral("all 6 scored")),
                 qPrintable(summary));
        QVERIFY2(summary.contains(QString::number(expected.auroc * 100.0, 'f', 2)), qPrintable(summary));

        // A new O changes the NAC-UE scores (not the baselines): the ROC follows.
        const double msp = curves[1].auroc;
        ParameterPanel* params = window->parameterPanel();
        params->setSelectedLayer(ParameterPanel::kAllLayers);
        params->setAllLayersEdit(ParameterPanel::AllLayersEdit::Set);
        auto* oSpin = params->findChild<QDoubleSpinBox*>(QStringLiteral("minActivatedSpin"));
        QVERIFY(oSpin);
        oSpin->setValue(200.0);
        QTRY_VERIFY_WITH_TIMEOUT(window->snapshot()->layers.back().coverage.params.minActivated == 200.0, kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(scoring->droppedScores()->generation == window->snapshot()->generation, kWaitMs);
        const nac::engine::OodMetrics after = nac::engine::computeOodMetrics(
            window->snapshot()->heldoutScores, scoring->droppedScores()->scores.total);
        QCOMPARE(scoring->rocView()->curves()[0].auroc, after.auroc);
        QCOMPARE(scoring->rocView()->curves()[1].auroc, msp);

        // NAC_TEST_GRAB=FILE.png: a picture of the scoring side with the ROC tab, to look at.
        if (const QString grab = qEnvironmentVariable("NAC_TEST_GRAB"); !grab.isEmpty()) {
            scoring->plotTabs()->setCurrentIndex(1);
            window->resize(1600, 1000);
            QTest::qWait(200);
            QVERIFY(scoring->grab().save(grab));
        }
    }

    void profileSavesAndLoads()
    {
        auto window = fittedWindow();
        QVERIFY(window);
        const QString path = m_dir.filePath(QStringLiteral("window.nacprofile"));
        QSignalSpy jobs(window.get(), &MainWindow::jobFinished);
        window->saveProfile(path);
        QVERIFY(jobs.wait(kWaitMs));
        QCOMPARE(jobs.last().first().value<JobResult>().outcome, JobOutcome::Completed);
        QVERIFY(QFileInfo(path).size() > 0);
        const auto saved = window->snapshot();

        auto other = std::make_unique<MainWindow>();
        QSignalSpy loaded(other.get(), &MainWindow::snapshotShown);
        StartupOptions options;
        options.profile = path;
        options.fit = false;
        other->start(options);
        QVERIFY(loaded.wait(kWaitMs));
        QCOMPARE(other->snapshot()->layerNames(), saved->layerNames());
        QCOMPARE(other->snapshot()->fitCount, saved->fitCount);
        QCOMPARE(other->snapshot()->layers[0].coverage.counts, saved->layers[0].coverage.counts);
        QCOMPARE(other->snapshot()->threshold, saved->threshold);
        QCOMPARE(other->model()->sha256, window->model()->sha256);
    }

    void fitEqualsTheCommandLineFit()
    {
        // The GUI fits in shuffled chunks (so that heatmaps fill in evenly) but puts the samples back
        // in the reference's order: its profile must be the one `nac fit` makes.
        auto window = fittedWindow();
        QVERIFY(window);
        const QString guiPath = m_dir.filePath(QStringLiteral("gui.nacprofile"));
        const QString cliPath = m_dir.filePath(QStringLiteral("cli.nacprofile"));
        QSignalSpy jobs(window.get(), &MainWindow::jobFinished);
        window->saveProfile(guiPath);
        QVERIFY(jobs.wait(kWaitMs));
        QProcess cli;
        cli.setProcessChannelMode(QProcess::MergedChannels);
        cli.start(QStringLiteral(NAC_CLI_PATH),
                  {QStringLiteral("fit"), QStringLiteral("--model"), m_model, QStringLiteral("--data"),
                   QStringLiteral("noise:uniform:2000:seed=3"), QStringLiteral("--samples"), QStringLiteral("256"),
                   QStringLiteral("--holdout"), QStringLiteral("128"), QStringLiteral("--quiet"), QStringLiteral("-o"), cliPath});
        QVERIFY(cli.waitForFinished(kWaitMs));
        QVERIFY2(cli.exitCode() == 0, cli.readAll().constData());

        const nac::engine::CoverageProfile gui = nac::engine::loadProfile(guiPath.toStdString());
        const nac::engine::CoverageProfile reference = nac::engine::loadProfile(cliPath.toStdString());
        QCOMPARE(gui.layerCount(), reference.layerCount());
        QCOMPARE(gui.fitSamples().sources, reference.fitSamples().sources);
        QCOMPARE(gui.heldoutSamples().sources, reference.heldoutSamples().sources);
        double maxDiff = 0.0;
        for (std::size_t l = 0; l < gui.layerCount(); ++l) {
            QCOMPARE(gui.params(l), reference.params(l));
            const auto& a = gui.fitSamples().rawProducts[l];
            const auto& b = reference.fitSamples().rawProducts[l];
            QCOMPARE(a.size(), b.size());
            for (std::size_t i = 0; i < a.size(); ++i)
                maxDiff = std::max(maxDiff, double(std::abs(a[i] - b[i])) / std::max(1.0, double(std::abs(b[i]))));
            std::size_t countDiff = 0;
            for (std::size_t i = 0; i < gui.coverage(l).counts.size(); ++i)
                countDiff += gui.coverage(l).counts[i] != reference.coverage(l).counts[i] ? 1 : 0;
            QVERIFY2(countDiff <= 2, qPrintable(QStringLiteral("layer %1: %2 bins differ").arg(l).arg(countDiff)));
        }
        qInfo("GUI vs `nac fit`: same samples in the same order; largest relative raw-product difference %.3g", maxDiff);
        QVERIFY(maxDiff < 1e-4);
    }

    void modelWithoutMetadataAsksForItsInput()
    {
        const QString model = nac::app::test::testModel(QStringLiteral("no_metadata.pt"));
        MainWindow window;
        window.show();
        QSignalSpy jobs(&window, &MainWindow::jobFinished);
        window.openModel(model);
        QVERIFY(jobs.wait(kWaitMs));
        const JobResult failed = jobs.last().first().value<JobResult>();
        QCOMPARE(failed.outcome, JobOutcome::Failed);
        QVERIFY(failed.needsInputSpec);
        QCOMPARE(window.messageBar()->level(), nac::app::MessageBar::Level::Warning);
        QVERIFY(window.messageBar()->actionButton()->isVisibleTo(&window));
        QVERIFY(window.messageBar()->text().contains(QStringLiteral("no_metadata.pt")));
        QVERIFY(nac::app::InputSpecDialog::problemWith(QStringLiteral("1x28;0.5;0.5")).contains(QStringLiteral("1x28x28")));
        QVERIFY(nac::app::InputSpecDialog::problemWith(QStringLiteral("3x32x32;0.5,0.4;0.2")).contains(QStringLiteral("mean")));
        QVERIFY(nac::app::InputSpecDialog::problemWith(QStringLiteral("1x28x28;0.5;0")).contains(QStringLiteral("std")));
        QVERIFY(nac::app::InputSpecDialog::problemWith(QStringLiteral("1x28x28;0.286;0.353")).isEmpty());

        // What the dialog returns: the model opens, and the answer is remembered for next time.
        QSignalSpy shown(&window, &MainWindow::modelShown);
        window.openModel(model, QStringLiteral("1x28x28;0.286;0.353"));
        QVERIFY(shown.wait(kWaitMs));
        QCOMPARE(window.model()->input.channels, 1);
        QCOMPARE(window.model()->input.height, 28);
        QTRY_COMPARE(nac::app::AppSettings().inputSpec(QFileInfo(model).absoluteFilePath()), QStringLiteral("1x28x28;0.286;0.353"));
        shown.clear();
        window.openModel(model);  // no spec given: the remembered one is used
        QVERIFY(shown.wait(kWaitMs));
    }

    void closingDuringAFitIsQuick()
    {
        auto window = std::make_unique<MainWindow>();
        window->show();
        StartupOptions options;
        options.model = m_model;
        options.data = QStringLiteral("noise:uniform:200000:seed=4");
        options.samples = 100000;
        options.heldout = 0;
        QSignalSpy snapshots(window.get(), &MainWindow::snapshotShown);
        window->start(options);
        QVERIFY(snapshots.wait(kWaitMs));
        QVERIFY(window->controller()->isFitting());
        QElapsedTimer timer;
        timer.start();
        window->close();
        const qint64 closeMs = timer.elapsed();
        qInfo("closing during a fit took %lld ms", (long long)closeMs);
        QVERIFY(closeMs < 2000);
        window.reset();
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
