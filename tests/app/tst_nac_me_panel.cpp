// The NAC-ME panel on three real checkpoints (tools/make_me_checkpoints.py) gives what `nac me`
// gives: G per layer and checkpoint, accuracy, and Spearman's rho; the plot and the exports hold
// the same numbers; wrong input gives a message naming it.
#include "app/gui/engine_controller.h"
#include "app/gui/nac_me_panel.h"
#include "app_test_support.h"

#include "widgets/nac_me_view.h"

#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using nac::app::EngineController;
using nac::app::JobOutcome;
using nac::app::JobResult;
using nac::app::NacMePanel;

namespace {
constexpr int kWaitMs = 300000;
constexpr double kTolerance = 1e-9;  // the same computation: equal up to printing
constexpr int kSamples = 400;

QString checkpointDir()
{
    return QStringLiteral(NAC_ME_CHECKPOINTS_DIR);
}

QStringList checkpointFiles()
{
    const QDir dir(checkpointDir());
    return {dir.filePath(QStringLiteral("step0010.pt")), dir.filePath(QStringLiteral("step0060.pt")),
            dir.filePath(QStringLiteral("step0400.pt"))};
}

template <typename T>
T* child(QWidget& parent, const char* name)
{
    T* widget = parent.findChild<T*>(QString::fromLatin1(name));
    Q_ASSERT(widget);
    return widget;
}

// `nac me` for one layer; its --json report.
QJsonObject runNacMe(const QString& layer, const QString& jsonPath, QString* failure)
{
    QProcess process;
    QStringList args{QStringLiteral("me"), QStringLiteral("--data"), nac::app::test::fashionTrain(), QStringLiteral("--layer"),
                     layer + QStringLiteral(":M=50,O=500,alpha=0.1,bins=linear"), QStringLiteral("--samples"),
                     QString::number(kSamples), QStringLiteral("--device"), QStringLiteral("cpu"), QStringLiteral("--json"),
                     jsonPath, QStringLiteral("--quiet")};
    args += checkpointFiles();
    process.start(QStringLiteral(NAC_CLI_PATH), args);
    if (!process.waitForFinished(kWaitMs) || process.exitCode() != 0) {
        *failure = QString::fromLocal8Bit(process.readAllStandardError());
        return {};
    }
    QFile file(jsonPath);
    if (!file.open(QIODevice::ReadOnly)) {
        *failure = QStringLiteral("no JSON report");
        return {};
    }
    return QJsonDocument::fromJson(file.readAll()).object();
}

}  // namespace

class TestNacMePanel : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        nac::app::registerMetaTypes();
        QVERIFY(m_dir.isValid());
        for (const QString& file : checkpointFiles())
            if (!QFileInfo::exists(file))
                QSKIP("NAC-ME checkpoints are missing (Fashion-MNIST not installed?): run `ctest -R make_me_checkpoints`");
    }

    void threeCheckpointsEqualTheCommandLine()
    {
        EngineController controller;
        NacMePanel panel(&controller);
        panel.resize(1024, 700);
        panel.show();
        // A folder adds its checkpoints in natural name order.
        QVERIFY(panel.addCheckpoints({checkpointDir()}).isEmpty());
        QCOMPARE(panel.checkpoints(), checkpointFiles());
        panel.suggest(nac::app::test::fashionTrain(), {QStringLiteral("pool"), QStringLiteral("body.1")}, QStringLiteral("cpu"));
        QCOMPARE(child<QLineEdit>(panel, "layersEdit")->text(), QStringLiteral("pool, body.1"));
        QCOMPARE(child<QLineEdit>(panel, "paramsEdit")->text(), QStringLiteral("M=50,O=500,alpha=0.1,bins=linear"));
        QVERIFY(child<QCheckBox>(panel, "correctOnlyCheck")->isChecked());
        child<QSpinBox>(panel, "samplesSpin")->setValue(kSamples);

        QSignalSpy finished(&panel, &NacMePanel::finished);
        QTest::mouseClick(child<QPushButton>(panel, "computeButton"), Qt::LeftButton);
        QVERIFY(panel.isRunning());
        QVERIFY(finished.wait(kWaitMs));
        const auto result = finished.first().first().value<JobResult>();
        QVERIFY2(result.outcome == JobOutcome::Completed, qPrintable(result.message));
        const auto series = panel.series();
        QVERIFY(series);
        QCOMPARE(series->layers, (QStringList{QStringLiteral("pool"), QStringLiteral("body.1")}));
        QCOMPARE(series->checkpoints.size(), std::size_t(3));
        QCOMPARE(series->samplesPlanned, std::size_t(kSamples));

        for (int l = 0; l < series->layers.size(); ++l) {
            QString failure;
            const QJsonObject cli = runNacMe(series->layers[l], m_dir.filePath(QStringLiteral("me-%1.json").arg(l)), &failure);
            QVERIFY2(!cli.isEmpty(), qPrintable(failure));
            const QJsonArray rows = cli.value(QStringLiteral("checkpoints")).toArray();
            QCOMPARE(rows.size(), 3);
            for (int c = 0; c < 3; ++c) {
                const QJsonObject row = rows[c].toObject();
                const auto& mine = series->checkpoints[std::size_t(c)];
                QCOMPARE(row.value(QStringLiteral("sha256")).toString(), mine.sha256);
                const double cliG = row.value(QStringLiteral("G")).toDouble();
                const double cliAccuracy = row.value(QStringLiteral("accuracy")).toDouble();
                qInfo("%s %s: G %.9f (nac me %.9f), accuracy %.4f", qPrintable(series->layers[l]),
                      qPrintable(QFileInfo(mine.path).fileName()), mine.layers[std::size_t(l)].coverage, cliG, mine.accuracy);
                QVERIFY(std::abs(mine.layers[std::size_t(l)].coverage - cliG) <= kTolerance);
                QVERIFY(std::abs(mine.accuracy - cliAccuracy) <= kTolerance);
                QCOMPARE(qint64(mine.layers[std::size_t(l)].samplesUsed), row.value(QStringLiteral("samples_used")).toInteger());
            }
            const QJsonValue rho = cli.value(QStringLiteral("spearman"));
            const double mineRho = series->spearman[std::size_t(l)];
            if (rho.isNull())
                QVERIFY(std::isnan(mineRho));
            else
                QVERIFY2(std::abs(mineRho - rho.toDouble()) <= kTolerance,
                         qPrintable(QStringLiteral("rho %1 vs %2").arg(mineRho).arg(rho.toDouble())));
        }
        // The trained checkpoints get better: accuracy rises with the steps.
        QVERIFY(series->checkpoints[0].accuracy < series->checkpoints[2].accuracy);

        // The plot got the same numbers; accuracy is offered as the x axis.
        nac::widgets::NacMeView* view = panel.view();
        QCOMPARE(view->data().layers, series->layers);
        for (int l = 0; l < series->layers.size(); ++l)
            QCOMPARE(view->data().coverage[std::size_t(l)], series->coverageOf(l));
        QVERIFY(view->accuracyAvailable());
        view->setXAxis(nac::widgets::NacMeView::XAxis::Accuracy);
        QCOMPARE(view->xAxis(), nac::widgets::NacMeView::XAxis::Accuracy);
        QVERIFY(view->legendTexts().at(0).startsWith(QStringLiteral("pool (ρ")));
        QCOMPARE(child<QTableWidget>(panel, "resultTable")->rowCount(), 4);  // three checkpoints and rho

        // Exports: CSV with one row per checkpoint and rho per layer; a PNG of the plot.
        QString error;
        const QString csvPath = m_dir.filePath(QStringLiteral("me.csv"));
        QVERIFY2(panel.exportCsv(csvPath, &error), qPrintable(error));
        QFile csv(csvPath);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(csv.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1 + 3 + 2);
        QCOMPARE(lines[0], QStringLiteral("checkpoint,sha256,accuracy,samples_used,G_pool,G_body.1"));
        QVERIFY(lines[1].startsWith(checkpointFiles()[0] + QLatin1Char(',')));
        // CSV numbers carry 8 significant digits.
        QVERIFY(std::abs(lines[1].split(QLatin1Char(',')).at(4).toDouble() - series->checkpoints[0].layers[0].coverage) <= 1e-9);
        QVERIFY(lines[4].startsWith(QStringLiteral("# spearman pool: ")));
        const QString pngPath = m_dir.filePath(QStringLiteral("me.png"));
        QVERIFY2(panel.exportPlot(pngPath, &error), qPrintable(error));
        QVERIFY(!QImage(pngPath).isNull());
        // For a look by eye: NAC_ME_GRAB=FILE.png saves the panel as shown (run under xvfb-run).
        const QString grab = qEnvironmentVariable("NAC_ME_GRAB");
        if (!grab.isEmpty()) {
            view->setXAxis(nac::widgets::NacMeView::XAxis::CheckpointOrder);
            QTest::qWait(200);  // the queued replot
            QVERIFY(panel.grab().save(grab));
        }
    }

    void wrongInputIsNamed()
    {
        EngineController controller;
        NacMePanel panel(&controller);
        // Nothing to compute: the panel says what is missing and starts no job.
        QVERIFY(!panel.compute());
        QVERIFY2(panel.statusText().contains(QStringLiteral("checkpoint")), qPrintable(panel.statusText()));
        QVERIFY(!panel.addCheckpoints({m_dir.filePath(QStringLiteral("nowhere.pt"))}).isEmpty());
        QVERIFY(panel.checkpoints().isEmpty());
        panel.addCheckpoints({checkpointFiles()[0]});
        QVERIFY(!panel.compute());
        QVERIFY2(panel.statusText().contains(QStringLiteral("data")), qPrintable(panel.statusText()));
        // Bad parameters: refused before any job, naming the parameter.
        child<QLineEdit>(panel, "dataEdit")->setText(nac::app::test::fashionTrain());
        child<QLineEdit>(panel, "paramsEdit")->setText(QStringLiteral("M=50,O=-3"));
        QVERIFY(!panel.compute());
        QVERIFY2(panel.statusText().contains(QStringLiteral("O")), qPrintable(panel.statusText()));
        // A layer the model does not have: the job fails with the engine's message; the panel keeps running.
        child<QLineEdit>(panel, "paramsEdit")->setText(QStringLiteral("M=50,O=500,alpha=0.1,bins=linear"));
        child<QLineEdit>(panel, "layersEdit")->setText(QStringLiteral("no_such_layer"));
        child<QSpinBox>(panel, "samplesSpin")->setValue(20);
        QSignalSpy finished(&panel, &NacMePanel::finished);
        QVERIFY(panel.compute());
        QVERIFY(finished.wait(kWaitMs));
        QCOMPARE(finished.first().first().value<JobResult>().outcome, JobOutcome::Failed);
        QVERIFY2(panel.statusText().contains(QStringLiteral("no_such_layer")), qPrintable(panel.statusText()));
        QVERIFY(!panel.isRunning());
        QVERIFY(!panel.series());
    }
};

QTEST_MAIN(TestNacMePanel)
#include "tst_nac_me_panel.moc"
