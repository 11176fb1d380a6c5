// End to end under Xvfb (xcb): the real MainWindow fits the demo model (or a test model), scores
// dropped PNG files, follows a parameter change, saves and reloads its profile, and the real
// nac-studio executable takes a screenshot. Prints fit speed, drop-to-score latency and the
// longest event-loop stall.
#include "app/gui/coverage_panel.h"
#include "app/gui/engine_controller.h"
#include "app/gui/main_window.h"
#include "app/gui/message_bar.h"
#include "app/gui/scoring_panel.h"
#include "app/gui/stall_monitor.h"
#include "app_test_support.h"

#include "widgets/coverage_heatmap_view.h"
#include "widgets/parameter_panel.h"
#include "widgets/score_list_view.h"

#include <QApplication>
#include <QDoubleSpinBox>
#include <QPixmap>
#include <QSpinBox>
#include <QMimeData>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <unistd.h>

// A sanitized Debug build (the asan preset) runs several times slower: its time limits stretch.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kSanitizerSlowdown = 10;
#else
constexpr int kSanitizerSlowdown = 1;
#endif

using nac::app::JobOutcome;
using nac::app::JobResult;
using nac::app::MainWindow;
using nac::app::StallMonitor;
using nac::app::StartupOptions;

namespace {

constexpr int kFitWaitMs = 10 * 60 * 1000;
constexpr int kWaitMs = 120000;
constexpr int kTestSamples = 300;   // a short fit keeps the test quick
constexpr int kTestHeldout = 300;
constexpr int kInDImages = 24;
constexpr int kOodImages = 12;

std::vector<double> scoresOfRows(const nac::widgets::ScoreListView* list, int first, int count)
{
    std::vector<double> scores;
    for (int row = first; row < first + count && row < list->rowCount(); ++row)
        if (std::isfinite(list->row(row).score))
            scores.push_back(list->row(row).score);
    return scores;
}

}  // namespace

class TestE2eApp : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_model;
    QString m_data;
    bool m_isDemo = false;
    QStringList m_ind;
    QStringList m_ood;
    QString m_outDir;

private Q_SLOTS:
    void initTestCase()
    {
        nac::app::test::useCleanTestSettings();
        nac::app::registerMetaTypes();
        qInfo("platform: %s", qPrintable(QGuiApplication::platformName()));
        QVERIFY(m_dir.isValid());
        m_outDir = QStringLiteral(NAC_TEST_OUTPUT_DIR);
        QDir().mkpath(m_outDir);

        const bool haveFashion = QFileInfo::exists(nac::app::test::fashionTrain());
        if (QFileInfo::exists(nac::app::test::demoModel()) && haveFashion) {
            m_model = nac::app::test::demoModel();
            m_data = nac::app::test::fashionTrain();
            m_isDemo = true;
        } else if (QFileInfo::exists(nac::app::test::testModel(QStringLiteral("helper_method.pt")))) {
            m_model = nac::app::test::testModel(QStringLiteral("helper_method.pt"));
            m_data = haveFashion ? nac::app::test::fashionTrain() : QStringLiteral("noise:uniform:5000:seed=1");
        } else {
            QSKIP("neither the demo model (resources/demo/fashion_resnet18.pt) nor the test model helper_method.pt "
                  "exists: train the demo or run `ctest -R make_test_models`");
        }
        qInfo("model: %s%s; data: %s", qPrintable(m_model), m_isDemo ? " (demo)" : " (test model: the demo is missing)",
              qPrintable(m_data));

        const QString images = m_dir.filePath(QStringLiteral("images"));
        if (haveFashion)
            m_ind = nac::app::test::writePngs(nac::app::test::fashionTest(), 0, kInDImages, images, QStringLiteral("fashion"));
        if (QFileInfo::exists(nac::app::test::mnistOod()))
            m_ood = nac::app::test::writePngs(nac::app::test::mnistOod(), 0, kOodImages / 2, images, QStringLiteral("mnist"));
        m_ood += nac::app::test::writePngs(QStringLiteral("noise:uniform:%1:seed=11").arg(kOodImages - m_ood.size()), 0,
                                           kOodImages - int(m_ood.size()), images, QStringLiteral("noise"));
        if (m_ind.isEmpty())
            m_ind = nac::app::test::writePngs(QStringLiteral("noise:gaussian:%1:seed=12").arg(kInDImages), 0, kInDImages,
                                              images, QStringLiteral("gauss"));
        QVERIFY(!m_ind.isEmpty());
        QVERIFY(!m_ood.isEmpty());
    }

    void fitDropTuneSaveReload()
    {
        StallMonitor stalls;
        stalls.start();
        auto window = std::make_unique<MainWindow>();
        window->resize(1600, 1000);
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        stalls.reset();  // window creation and first paint are not part of the fit

        QSignalSpy fitDone(window.get(), &MainWindow::fitFinished);
        StartupOptions options;
        options.model = m_model;
        options.data = m_data;
        options.samples = kTestSamples;
        options.heldout = kTestHeldout;
        window->start(options);
        QVERIFY(fitDone.wait(kFitWaitMs));
        const JobResult fit = fitDone.first().first().value<JobResult>();
        QVERIFY2(fit.outcome == JobOutcome::Completed, qPrintable(fit.message));
        const double fitStall = stalls.maxStallMs();
        qInfo("FIGURE fit: %s", qPrintable(fit.message));
        qInfo("FIGURE fit images/s in the GUI: %.0f (%d fit + %d held-out images in %.1f s)", window->figures().fitImagesPerSecond,
              kTestSamples, kTestHeldout, fit.elapsedMs / 1000.0);
        qInfo("FIGURE max event-loop stall during the fit: %.0f ms (%lld ticks)", fitStall, stalls.ticks());

        // Drop InD images, then OOD images, through the same path a drag from a file manager takes.
        nac::widgets::ScoreListView* list = window->scoringPanel()->list();
        QSignalSpy scored(window.get(), &MainWindow::scoresShown);
        QVERIFY(nac::app::test::dropFiles(window.get(), m_ind));
        QVERIFY(scored.wait(kWaitMs));
        const double indLatencyMs = scored.last().first().toDouble();
        QVERIFY(nac::app::test::dropFiles(window.get(), m_ood));
        QVERIFY(scored.wait(kWaitMs));
        const double oodLatencyMs = scored.last().first().toDouble();
        qInfo("FIGURE worker time of the last drop (decode, thumbnails, forward + gradient): %.0f ms",
              window->figures().lastScoreWorkerMs);
        QCOMPARE(list->rowCount(), int(m_ind.size() + m_ood.size()));
        const std::vector<double> ind = scoresOfRows(list, 0, int(m_ind.size()));
        const std::vector<double> ood = scoresOfRows(list, int(m_ind.size()), int(m_ood.size()));
        QCOMPARE(ind.size(), std::size_t(m_ind.size()));
        QCOMPARE(ood.size(), std::size_t(m_ood.size()));
        const double indMean = nac::app::test::mean(ind);
        const double oodMean = nac::app::test::mean(ood);
        qInfo("FIGURE drop-to-score latency: %.0f ms for %lld InD images, %.0f ms for %lld OOD images", indLatencyMs,
              (long long)m_ind.size(), oodLatencyMs, (long long)m_ood.size());
        qInfo("FIGURE mean NAC-UE: InD %.4f, OOD %.4f (threshold %.4f)", indMean, oodMean, window->scoringPanel()->threshold());
        if (m_isDemo)
            QVERIFY2(indMean > oodMean, "InD images should score higher than OOD images on the demo model");
        else if (!(indMean > oodMean))
            qWarning("test model (random weights): InD did not score higher than OOD; not checked without the demo");
        int oodVerdicts = 0;
        for (int row = int(m_ind.size()); row < list->rowCount(); ++row)
            oodVerdicts += window->scoringPanel()->list()->verdictText(row) == QLatin1String("OOD");
        qInfo("FIGURE %d of %lld OOD images called OOD at the 95%%-InD threshold", oodVerdicts, (long long)m_ood.size());

        // A parameter change: the views follow without running the model.
        window->parameterPanel()->setSelectedLayer(0);
        auto* oSpin = window->parameterPanel()->findChild<QDoubleSpinBox*>(QStringLiteral("minActivatedSpin"));
        QVERIFY(oSpin);
        QSignalSpy params(window.get(), &MainWindow::paramsShown);
        oSpin->setValue(oSpin->value() * 2.0);
        QVERIFY(params.wait(kWaitMs));
        qInfo("FIGURE O change: %.1f ms from the edit to updated views (GUI redraw %.1f ms, worker %.2f ms)",
              params.last().at(0).toDouble(), params.last().at(1).toDouble(), window->figures().lastRebinMs);
        {
            // The replot itself is queued; render the visible heatmap now to time the drawing too.
            QElapsedTimer render;
            render.start();
            QCoreApplication::processEvents();
            const QPixmap drawn = window->coveragePanel()->heatmap(window->coveragePanel()->currentLayer())->grab();
            qInfo("FIGURE rendering the visible heatmap after it: %.1f ms (%dx%d)", double(render.nsecsElapsed()) / 1e6,
                  drawn.width(), drawn.height());
        }
        auto* mSpin = window->parameterPanel()->findChild<QSpinBox*>(QStringLiteral("binEdgeCountSpin"));
        QVERIFY(mSpin);
        params.clear();
        mSpin->setValue(mSpin->value() + 20);
        QVERIFY(params.wait(kWaitMs));
        qInfo("FIGURE M change: %.1f ms from the edit to updated views (GUI redraw %.1f ms, worker re-bin %.2f ms)",
              params.last().at(0).toDouble(), params.last().at(1).toDouble(), window->figures().lastRebinMs);

        // Explain the lowest-scoring image.
        int lowest = 0;
        for (int row = 1; row < list->rowCount(); ++row)
            if (list->row(row).score < list->row(lowest).score)
                lowest = row;
        list->setCurrentRow(lowest);
        QVERIFY(!window->scoringPanel()->explanationShown().isEmpty());

        // Save, then reload in a fresh window that does not fit.
        const QString profilePath = m_dir.filePath(QStringLiteral("e2e.nacprofile"));
        QSignalSpy jobs(window.get(), &MainWindow::jobFinished);
        window->saveProfile(profilePath);
        QVERIFY(jobs.wait(kWaitMs));
        QCOMPARE(jobs.last().first().value<JobResult>().outcome, JobOutcome::Completed);
        const auto saved = window->snapshot();
        const std::vector<double> before = scoresOfRows(list, 0, 4);

        QTest::qWait(300);
        const QString shot = QDir(m_outDir).filePath(QStringLiteral("e2e_window.png"));
        QVERIFY(window->grab().save(shot));
        qInfo("FIGURE screenshot: %s", qPrintable(shot));
        qInfo("FIGURE max event-loop stall over the whole session: %.0f ms", stalls.maxStallMs());
        QVERIFY2(stalls.maxStallMs() < 1000 * kSanitizerSlowdown, "the event loop stalled for more than a second");

        QElapsedTimer closing;
        closing.start();
        window->close();
        window.reset();
        qInfo("FIGURE closing the window took %lld ms", (long long)closing.elapsed());

        auto reloaded = std::make_unique<MainWindow>();
        reloaded->show();
        QSignalSpy shown(reloaded.get(), &MainWindow::snapshotShown);
        StartupOptions reload;
        reload.profile = profilePath;
        reload.fit = false;
        reloaded->start(reload);
        QVERIFY(shown.wait(kWaitMs));
        QCOMPARE(reloaded->snapshot()->layerNames(), saved->layerNames());
        QCOMPARE(reloaded->snapshot()->fitCount, saved->fitCount);
        QCOMPARE(reloaded->snapshot()->params(), saved->params());
        QCOMPARE(reloaded->snapshot()->layers[0].coverage.counts, saved->layers[0].coverage.counts);
        QSignalSpy rescored(reloaded.get(), &MainWindow::scoresShown);
        QVERIFY(nac::app::test::dropFiles(reloaded.get(), m_ind.mid(0, 4)));
        QVERIFY(rescored.wait(kWaitMs));
        const std::vector<double> again = scoresOfRows(reloaded->scoringPanel()->list(), 0, 4);
        QCOMPARE(again.size(), std::size_t(4));
        QCOMPARE(before.size(), again.size());
        for (std::size_t i = 0; i < again.size(); ++i)
            QVERIFY2(std::abs(again[i] - before[i]) < 1e-9, "the reloaded profile scores like the one saved");
    }

    void realExecutableTakesAScreenshot()
    {
        const QString shot = QDir(m_outDir).filePath(QStringLiteral("e2e_executable.png"));
        QFile::remove(shot);
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QGuiApplication::platformName());
        process.setProcessEnvironment(env);
        process.setProcessChannelMode(QProcess::MergedChannels);
        QStringList arguments{QStringLiteral("--model"), m_model, QStringLiteral("--data"), m_data, QStringLiteral("--samples"),
                              QString::number(kTestSamples), QStringLiteral("--holdout"), QString::number(kTestHeldout),
                              QStringLiteral("--screenshot"), shot, QStringLiteral("--plot"), QStringLiteral("roc"),
                              QStringLiteral("--score")};
        arguments += m_ind.mid(0, 3);
        arguments += m_ood.mid(0, 3);
        QElapsedTimer timer;
        timer.start();
        process.start(QStringLiteral(NAC_STUDIO_PATH), arguments);
        QVERIFY(process.waitForStarted());
        QVERIFY(process.waitForFinished(kFitWaitMs));
        const QString output = QString::fromLocal8Bit(process.readAll());
        qInfo("nac-studio ran %.1f s:\n%s", double(timer.elapsed()) / 1000.0, qPrintable(output.trimmed()));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 0);
        const QImage image(shot);
        QVERIFY(!image.isNull());
        QVERIFY(image.width() >= 800 && image.height() >= 600);
        QVERIFY(output.contains(QStringLiteral("max event-loop stall")));
    }

    // --screenshot is for scripts: when no fit can start it says why on stderr, saves what is shown
    // and exits with 2 at once, instead of waiting for its 15-minute timeout. --input opens a model
    // without metadata (no dialog); a malformed --input is refused before the window opens.
    void screenshotWithoutAPossibleFitSaysWhyAndStops()
    {
        const QString model = nac::app::test::testModel(QStringLiteral("no_metadata.pt"));
        if (!QFileInfo::exists(model))
            QSKIP("test model no_metadata.pt is missing: run `ctest -R make_test_models` first");
        auto run = [&](const QStringList& extra, int* exitCode, QString* err) {
            QProcess process;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config-nofit")));
            env.insert(QStringLiteral("QT_QPA_PLATFORM"), QGuiApplication::platformName());
            process.setProcessEnvironment(env);
            const QString shot = QDir(m_outDir).filePath(QStringLiteral("e2e_nofit.png"));
            QFile::remove(shot);
            QStringList arguments{QStringLiteral("--new-session"), QStringLiteral("--model"), model, QStringLiteral("--data"),
                                  QStringLiteral("noise:uniform:300:seed=1"), QStringLiteral("--samples"), QStringLiteral("100"),
                                  QStringLiteral("--screenshot"), shot};
            arguments += extra;
            process.start(QStringLiteral(NAC_STUDIO_PATH), arguments);
            QVERIFY(process.waitForStarted());
            QVERIFY(process.waitForFinished(kFitWaitMs));
            *exitCode = process.exitCode();
            *err = QString::fromLocal8Bit(process.readAllStandardError());
            if (*exitCode != 64)
                QVERIFY2(!QImage(shot).isNull(), qPrintable(*err));
        };
        int code = -1;
        QString err;
        // No metadata, no --input: the model cannot be opened; the message names --input.
        run({QStringLiteral("--score"), m_ood.first()}, &code, &err);
        QCOMPARE(code, 2);
        QVERIFY2(err.contains(QStringLiteral("--screenshot")) && err.contains(QStringLiteral("--input")), qPrintable(err));
        // --input opens it; its metadata names no default layers, so no fit can start: said so.
        run({QStringLiteral("--input"), QStringLiteral("1x28x28;0.5;0.5")}, &code, &err);
        QCOMPARE(code, 2);
        QVERIFY2(err.contains(QStringLiteral("no layer is checked")), qPrintable(err));
        QVERIFY2(!err.contains(QStringLiteral("--input")), qPrintable(err));
        // A malformed --input is a usage error.
        run({QStringLiteral("--input"), QStringLiteral("28x28")}, &code, &err);
        QCOMPARE(code, 64);
        QVERIFY2(err.contains(QStringLiteral("--input '28x28'")), qPrintable(err));
    }

    void badCommandLineIsRefused()
    {
        QProcess process;
        process.start(QStringLiteral(NAC_STUDIO_PATH), {QStringLiteral("--model"), m_dir.filePath(QStringLiteral("missing.pt"))});
        QVERIFY(process.waitForFinished(30000 * kSanitizerSlowdown));
        QCOMPARE(process.exitCode(), 66);
        QVERIFY(QString::fromLocal8Bit(process.readAllStandardError()).contains(QStringLiteral("missing.pt")));

        QProcess plot;
        plot.start(QStringLiteral(NAC_STUDIO_PATH), {QStringLiteral("--plot"), QStringLiteral("sideways")});
        QVERIFY(plot.waitForFinished(30000 * kSanitizerSlowdown));
        QCOMPARE(plot.exitCode(), 64);
        QVERIFY(QString::fromLocal8Bit(plot.readAllStandardError()).contains(QStringLiteral("--plot must be distribution or roc")));
    }
};

// Runs itself under xvfb-run when there is no display, so that CTest needs no X server of its own.
int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariable("QT_QPA_PLATFORM") == QLatin1String("xcb")
        && !qEnvironmentVariableIsSet("NAC_E2E_REEXEC")) {
        const QString xvfb = QStandardPaths::findExecutable(QStringLiteral("xvfb-run"));
        if (!xvfb.isEmpty()) {
            qputenv("NAC_E2E_REEXEC", "1");
            std::vector<QByteArray> storage{xvfb.toLocal8Bit(), "-a", "-s", "-screen 0 1600x1000x24"};
            for (int i = 0; i < argc; ++i)
                storage.emplace_back(argv[i]);
            std::vector<char*> args;
            for (QByteArray& arg : storage)
                args.push_back(arg.data());
            args.push_back(nullptr);
            ::execv(storage.front().constData(), args.data());
        }
        qWarning("xvfb-run not found: running offscreen instead of under Xvfb");
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    QApplication app(argc, argv);
    TestE2eApp test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_e2e_app.moc"
