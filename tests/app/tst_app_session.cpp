// MainWindow offscreen, the session side: opening a model without nac.json while a profile is
// loaded keeps that profile (no re-fit of the previous model behind the "Give the input" dialog);
// parameter changes undo and redo; Reset offers the profile's values and the model's defaults.
#include "app/gui/app_settings.h"
#include "app/gui/engine_controller.h"
#include "app/gui/scoring_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/message_bar.h"
#include "app_test_support.h"
#include "fitted_window.h"

#include "widgets/parameter_panel.h"
#include "widgets/score_list_view.h"

#include <QAction>
#include <QApplication>
#include <QDoubleSpinBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using nac::app::JobKind;
using nac::app::JobOutcome;
using nac::app::JobResult;
using nac::app::MainWindow;
using nac::app::SnapshotReason;
using nac::app::StartupOptions;
using nac::widgets::ParameterPanel;

namespace {
constexpr int kWaitMs = 120000;
}

class TestAppSession : public QObject {
    Q_OBJECT

private:
    QString m_model;
    QTemporaryDir m_dir;

    std::unique_ptr<MainWindow> fittedWindow()
    {
        return nac::app::test::fittedWindow(nac::app::test::noiseFit(m_model, 600, 200, 100), kWaitMs);
    }

private Q_SLOTS:
    void initTestCase()
    {
        nac::app::test::useCleanTestSettings(QStringLiteral("NAC Studio Session Tests"));
        nac::app::registerMetaTypes();
        m_model = nac::app::test::testModel(QStringLiteral("helper_method.pt"));
        if (!QFileInfo::exists(m_model))
            QSKIP("test model helper_method.pt is missing: run `ctest -R make_test_models` first");
        QVERIFY(m_dir.isValid());
    }

    // The defect: with a profile loaded and training data open, opening a model without nac.json
    // started a fit of the *previous* model (which replaced the loaded profile) while the message
    // bar asked for the new model's input.
    void modelWithoutMetadataKeepsTheLoadedProfile()
    {
        auto window = fittedWindow();
        QVERIFY(window);
        const QString profilePath = m_dir.filePath(QStringLiteral("kept.nacprofile"));
        QSignalSpy jobs(window.get(), &MainWindow::jobFinished);
        window->saveProfile(profilePath);
        QVERIFY(jobs.wait(kWaitMs));
        QSignalSpy snapshots(window.get(), &MainWindow::snapshotShown);
        window->openProfile(profilePath);
        QTRY_VERIFY_WITH_TIMEOUT(!snapshots.isEmpty()
                                     && snapshots.last().at(1).value<SnapshotReason>() == SnapshotReason::ProfileLoaded,
                                 kWaitMs);
        const auto loaded = window->snapshot();
        const QString modelBefore = window->model()->sha256;

        jobs.clear();
        QSignalSpy fits(window.get(), &MainWindow::fitFinished);
        window->openModel(nac::app::test::testModel(QStringLiteral("no_metadata.pt")));
        QTRY_VERIFY_WITH_TIMEOUT(!jobs.isEmpty(), kWaitMs);
        const JobResult failed = jobs.last().first().value<JobResult>();
        QCOMPARE(failed.kind, JobKind::LoadModel);
        QVERIFY(failed.needsInputSpec);
        QVERIFY(window->messageBar()->text().contains(QStringLiteral("no_metadata.pt")));
        // No fit was started (it used to start in the same call), the profile and model stay.
        QVERIFY(!window->controller()->isFitting());
        QCOMPARE(window->controller()->pendingJobs(), 0);
        QCOMPARE(window->snapshot(), loaded);
        QCOMPARE(window->model()->sha256, modelBefore);
        QVERIFY(fits.isEmpty());
        // Still usable: a parameter change re-bins the loaded profile.
        QSignalSpy shown(window.get(), &MainWindow::paramsShown);
        window->parameterPanel()->setSelectedLayer(0);
        window->parameterPanel()->findChild<QDoubleSpinBox*>(QStringLiteral("minActivatedSpin"))->setValue(13.0);
        QVERIFY(shown.wait(kWaitMs));
        QCOMPARE(window->snapshot()->layers[0].coverage.params.minActivated, 13.0);
        QCOMPARE(window->snapshot()->fitCount, loaded->fitCount);
    }

    // A second start without arguments restores the model, data, layers, parameters and scored
    // images of the first instead of fitting anew.
    void secondStartRestoresTheSession()
    {
        const QStringList images = nac::app::test::writePngs(QStringLiteral("noise:uniform:10:seed=9"), 0, 3,
                                                             m_dir.filePath(QStringLiteral("images")), QStringLiteral("noise"));
        QCOMPARE(images.size(), 3);
        std::shared_ptr<const nac::app::ProfileSnapshot> first;
        QString data;
        {
            auto window = fittedWindow();
            QVERIFY(window);
            QSignalSpy shown(window.get(), &MainWindow::paramsShown);
            window->parameterPanel()->setSelectedLayer(1);
            window->parameterPanel()->findChild<QDoubleSpinBox*>(QStringLiteral("minActivatedSpin"))->setValue(21.0);
            QVERIFY(shown.wait(kWaitMs));
            QSignalSpy scored(window.get(), &MainWindow::scoresShown);
            window->scoreFiles(images);
            QVERIFY(scored.wait(kWaitMs));
            first = window->snapshot();
            QVERIFY(window->close());  // saves the session, then stops the engine thread
        }
        QVERIFY(QFileInfo(nac::app::AppSettings::sessionProfilePath()).isFile());

        MainWindow window;
        window.show();
        QSignalSpy snapshots(&window, &MainWindow::snapshotShown);
        QSignalSpy fits(&window, &MainWindow::fitFinished);
        QSignalSpy scored(&window, &MainWindow::scoresShown);
        StartupOptions options;
        options.restoreSession = true;
        window.start(options);
        QVERIFY(scored.wait(kWaitMs));
        QVERIFY(!snapshots.isEmpty());
        QCOMPARE(snapshots.first().at(1).value<SnapshotReason>(), SnapshotReason::ProfileLoaded);
        const auto restored = window.snapshot();
        QVERIFY(restored && restored->complete);
        QCOMPARE(restored->layerNames(), first->layerNames());
        QCOMPARE(restored->params(), first->params());
        QCOMPARE(restored->layers[1].coverage.params.minActivated, 21.0);
        QCOMPARE(restored->fitCount, first->fitCount);
        QCOMPARE(restored->threshold, first->threshold);
        QCOMPARE(window.model()->path, QFileInfo(m_model).absoluteFilePath());
        QCOMPARE(window.parameterPanel()->layerParams()[1].minActivated, 21.0);
        QCOMPARE(window.scoringPanel()->list()->rowCount(), 3);
        QVERIFY(!window.controller()->isFitting());
        QVERIFY(fits.isEmpty());
        // "Profile values" is offered after a restore.
        QVERIFY(window.parameterPanel()->findChild<QPushButton*>(QStringLiteral("resetProfileButton"))->isEnabled());
    }
};

QTEST_MAIN(TestAppSession)
#include "tst_app_session.moc"
