// End to end under Xvfb (xcb): the real MainWindow fits the demo model, the evaluation workbench
// evaluates an InD test set and a bundled OOD set, and its metrics table must equal `nac eval` on
// the same profile and data (1e-9); then an O change, a role change and a removal follow live.
#include "app/gui/main_window.h"
#include "app/gui/stall_monitor.h"
#include "app/gui/workbench_panel.h"
#include "app_test_support.h"

#include "widgets/parameter_panel.h"
#include "widgets/set_curves_view.h"

#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QDoubleSpinBox>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonArray>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using nac::app::EvalMethod;
using nac::app::EvaluationResults;
using nac::app::JobOutcome;
using nac::app::JobResult;
using nac::app::MainWindow;
using nac::app::SetRole;
using nac::app::StartupOptions;
using nac::app::WorkbenchPanel;

namespace {

constexpr int kFitWaitMs = 10 * 60 * 1000;
constexpr int kWaitMs = 5 * 60 * 1000;
constexpr double kEqualTolerance = 1e-9;  // the app and `nac eval` run the same code: equal up to printing

// Waits until the panel shows results in which the named set has metrics (or has none, when wanted).
bool waitForMetrics(WorkbenchPanel* panel, const QString& set, bool wanted)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < kWaitMs) {
        const double auroc = panel->metric(set, EvalMethod::NacUe, WorkbenchPanel::AurocColumn);
        if (std::isfinite(auroc) == wanted && !panel->isRunning())
            return true;
        QTest::qWait(50);
    }
    return false;
}

}  // namespace

class TestWorkbenchE2e : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        nac::app::test::useCleanTestSettings();
        nac::app::registerMetaTypes();
        nac::app::registerEvaluationMetaTypes();
        QVERIFY(m_dir.isValid());
        if (!QFileInfo::exists(nac::app::test::demoModel()) || !QFileInfo::exists(nac::app::test::fashionTrain())
            || !QFileInfo::exists(nac::app::test::fashionTest()) || !QFileInfo::exists(nac::app::test::mnistOod()))
            QSKIP("needs the demo model, Fashion-MNIST (dataset-fashion-mnist) and resources/demo/ood");
        qInfo("platform: %s", qPrintable(QGuiApplication::platformName()));
    }

    void metricsEqualNacEval()
    {
        nac::app::StallMonitor stalls;
        stalls.start();
        QElapsedTimer clock;
        clock.start();
        auto window = std::make_unique<MainWindow>();
        window->resize(1024, 700);
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        QSignalSpy fitDone(window.get(), &MainWindow::fitFinished);
        StartupOptions options;
        options.model = nac::app::test::demoModel();
        options.data = nac::app::test::fashionTrain();
        options.samples = 300;
        options.heldout = 300;
        window->start(options);
        QVERIFY(fitDone.wait(kFitWaitMs));
        QCOMPARE(fitDone.first().first().value<JobResult>().outcome, JobOutcome::Completed);

        qInfo("%.1f s: fit done", double(clock.elapsed()) / 1000.0);
        const QString profile = m_dir.filePath(QStringLiteral("workbench.nacprofile"));
        QSignalSpy jobs(window.get(), &MainWindow::jobFinished);
        window->saveProfile(profile);
        QVERIFY(jobs.wait(kWaitMs));
        QCOMPARE(jobs.last().first().value<JobResult>().outcome, JobOutcome::Completed);

        // The bundled OOD set as the button adds it, and an InD test range.
        WorkbenchPanel* panel = window->workbenchPanel();
        QVERIFY(panel);
        const QStringList bundled = WorkbenchPanel::bundledOodSets();
        QVERIFY(!bundled.isEmpty());
        QVERIFY(bundled.front().endsWith(QStringLiteral("mnist-images-idx3-ubyte.gz")));
        const QString idSpec = nac::app::test::fashionTest() + QStringLiteral("@0-999");
        const QString oodSpec = QStringLiteral("rot90:") + bundled.front() + QStringLiteral("@0-999");
        stalls.reset();
        QCOMPARE(panel->addSet(idSpec, SetRole::InD, QStringLiteral("fashion")), QStringLiteral("fashion"));
        const QString oodName = panel->addSet(oodSpec, SetRole::Ood);
        QCOMPARE(oodName, QStringLiteral("rot90-mnist@0-999"));
        QVERIFY(waitForMetrics(panel, oodName, true));
        qInfo("FIGURE max event-loop stall while two sets of 1000 images were evaluated: %.0f ms", stalls.maxStallMs());
        QCOMPARE(panel->setsTable()->rowCount(), 2);
        panel->tabs()->setCurrentIndex(1);
        QCOMPARE(panel->rocView()->curveCount(), 1);
        panel->tabs()->setCurrentIndex(0);

        qInfo("%.1f s: sets evaluated", double(clock.elapsed()) / 1000.0);
        // `nac eval` on the same profile and data.
        const QString json = m_dir.filePath(QStringLiteral("eval.json"));
        QProcess eval;
        eval.setProcessChannelMode(QProcess::MergedChannels);
        eval.start(QStringLiteral(NAC_CLI_PATH),
                   {QStringLiteral("eval"), QStringLiteral("--profile"), profile, QStringLiteral("--id"), idSpec,
                    QStringLiteral("--ood"), oodName + QLatin1Char('=') + oodSpec, QStringLiteral("--json"), json,
                    QStringLiteral("--quiet")});
        QVERIFY(eval.waitForFinished(kWaitMs));
        const QString output = QString::fromLocal8Bit(eval.readAll());
        QVERIFY2(eval.exitCode() == 0, qPrintable(output));
        QFile file(json);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject report = QJsonDocument::fromJson(file.readAll()).object();
        const QJsonObject set = report.value(QStringLiteral("ood")).toArray().at(0).toObject();
        QCOMPARE(set.value(QStringLiteral("name")).toString(), oodName);
        const struct {
            int column;
            const char* key;
        } columns[] = {{WorkbenchPanel::AurocColumn, "auroc"},
                       {WorkbenchPanel::FprColumn, "fpr95"},
                       {WorkbenchPanel::AuprInColumn, "aupr_in"},
                       {WorkbenchPanel::AuprOutColumn, "aupr_out"}};
        for (int m = 0; m < nac::app::kEvalMethodCount; ++m) {
            const QJsonObject cli = set.value(nac::app::evalMethodText(EvalMethod(m))).toObject();
            QVERIFY(!cli.isEmpty());
            for (const auto& column : columns) {
                const double app = panel->metric(oodName, EvalMethod(m), column.column);
                const double expected = cli.value(QLatin1String(column.key)).toDouble();
                QVERIFY2(std::abs(app - expected) <= kEqualTolerance,
                         qPrintable(QStringLiteral("%1 %2: app %3, nac eval %4")
                                        .arg(nac::app::evalMethodText(EvalMethod(m)), QLatin1String(column.key))
                                        .arg(app, 0, 'g', 17)
                                        .arg(expected, 0, 'g', 17)));
            }
        }
        const double auroc = panel->metric(oodName, EvalMethod::NacUe, WorkbenchPanel::AurocColumn);
        qInfo("FIGURE NAC-UE AUROC of %s: app %.6f%%, nac eval %.6f%%", qPrintable(oodName), 100 * auroc,
              100 * set.value(QStringLiteral("NAC-UE")).toObject().value(QStringLiteral("auroc")).toDouble());
        // The per-image accessor: every image of both sets, with its set and role.
        const std::vector<nac::app::EvaluatedImage> images = panel->results()->images();
        QCOMPARE(images.size(), std::size_t(2000));
        QCOMPARE(images.front().setName, QStringLiteral("fashion"));
        QCOMPARE(images.back().role, SetRole::Ood);

        qInfo("%.1f s: nac eval compared", double(clock.elapsed()) / 1000.0);
        // An O change re-scores every set from the cache, without the model.
        window->parameterPanel()->setSelectedLayer(nac::widgets::ParameterPanel::kAllLayers);
        auto* oSpin = window->parameterPanel()->findChild<QDoubleSpinBox*>(QStringLiteral("minActivatedSpin"));
        QVERIFY(oSpin);
        QSignalSpy shown(window.get(), &MainWindow::evaluationShown);
        oSpin->setValue(oSpin->value() * 4.0);
        QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty() && shown.last().at(1).toDouble() >= 0.0, kWaitMs);
        const double afterO = panel->metric(oodName, EvalMethod::NacUe, WorkbenchPanel::AurocColumn);
        qInfo("FIGURE O x4: NAC-UE AUROC %.4f%% -> %.4f%%, %.1f ms from the edit to the updated table", 100 * auroc,
              100 * afterO, shown.last().at(1).toDouble());
        QVERIFY(std::isfinite(afterO));
        QCOMPARE(panel->metric(oodName, EvalMethod::Msp, WorkbenchPanel::AurocColumn),
                 panel->results()->sets[1].metrics[1].auroc);

        qInfo("%.1f s: O change followed", double(clock.elapsed()) / 1000.0);
        // The OOD set made InD: no OOD set is left, so no metrics.
        auto* roleBox = qobject_cast<QComboBox*>(panel->setsTable()->cellWidget(1, 1));
        QVERIFY(roleBox);
        roleBox->setCurrentIndex(0);
        QTRY_VERIFY_WITH_TIMEOUT(panel->results() && panel->results()->sets.size() == 2
                                      && panel->results()->sets[1].role == SetRole::InD, kWaitMs);
        QCOMPARE(panel->metricsTable()->rowCount(), 0);
        QCOMPARE(panel->results()->indCount, std::int64_t(2000));
        roleBox->setCurrentIndex(1);
        QVERIFY(waitForMetrics(panel, oodName, true));

        qInfo("%.1f s: role changes followed", double(clock.elapsed()) / 1000.0);
        // Removing the InD set (Delete): the held-out InD images of the fit become the InD side.
        // Keyboard shortcuts reach only the active window.
        window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(window.get()));
        panel->setsTable()->setFocus();
        panel->setsTable()->selectRow(0);
        QTest::keyClick(panel->setsTable(), Qt::Key_Delete);
        QTRY_VERIFY_WITH_TIMEOUT(panel->results() && panel->results()->sets.size() == 1, kWaitMs);
        QVERIFY(panel->results()->indFromHeldout);
        QCOMPARE(panel->results()->indCount, std::int64_t(300));
        QVERIFY(std::isfinite(panel->metric(oodName, EvalMethod::NacUe, WorkbenchPanel::AurocColumn)));

        qInfo("%.1f s: removal followed", double(clock.elapsed()) / 1000.0);
        // A set that cannot be read says why, and the app keeps running.
        QSignalSpy finished(window.get(), &MainWindow::jobFinished);
        panel->addSet(m_dir.filePath(QStringLiteral("missing-images-idx3-ubyte.gz")), SetRole::Ood);
        QTRY_VERIFY_WITH_TIMEOUT(!panel->isRunning() && !finished.isEmpty(), kWaitMs);
        QCOMPARE(finished.last().first().value<JobResult>().outcome, JobOutcome::Failed);
        QVERIFY2(panel->statusText().contains(QStringLiteral("missing-images-idx3-ubyte.gz")), qPrintable(panel->statusText()));
        QCOMPARE(panel->results()->sets.size(), std::size_t(1));

        QTest::qWait(300);
        window->findChild<QDockWidget*>(QStringLiteral("workbenchDock"))->raise();
        panel->tabs()->setCurrentIndex(1);
        QTest::qWait(300);
        const QString shot = m_dir.filePath(QStringLiteral("workbench.png"));
        QVERIFY(window->grab().save(shot));
        const QString keep = qEnvironmentVariable("NAC_WORKBENCH_SCREENSHOT");
        if (!keep.isEmpty()) {
            QFile::remove(keep);
            QFile::copy(shot, keep);
        }
    }
    // nac-studio --evaluate SPEC: the set reaches the Evaluation dock once the startup fit is done.
    void startupEvaluateAddsSetsAfterTheFit()
    {
        auto window = std::make_unique<MainWindow>();
        window->resize(1024, 700);
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        QSignalSpy fitDone(window.get(), &MainWindow::fitFinished);
        StartupOptions options;
        options.model = nac::app::test::demoModel();
        options.data = nac::app::test::fashionTrain();
        options.samples = 200;
        options.heldout = 200;
        const QString spec = QStringLiteral("invert:") + nac::app::test::mnistOod() + QStringLiteral("@0-199");
        options.evaluateSets = {spec};
        window->start(options);
        WorkbenchPanel* panel = window->workbenchPanel();
        QCOMPARE(panel->setsTable()->rowCount(), 0);  // nothing to score with before the fit
        QVERIFY(fitDone.wait(kFitWaitMs));
        QCOMPARE(fitDone.first().first().value<JobResult>().outcome, JobOutcome::Completed);
        QCOMPARE(panel->setsTable()->rowCount(), 1);
        const QString name = panel->setsTable()->item(0, 0)->text();
        QVERIFY(waitForMetrics(panel, name, true));
        const double auroc = panel->metric(name, EvalMethod::NacUe, WorkbenchPanel::AurocColumn);
        QVERIFY2(auroc > 0.5 && auroc <= 1.0, qPrintable(QString::number(auroc)));
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
    TestWorkbenchE2e test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_workbench_e2e.moc"
