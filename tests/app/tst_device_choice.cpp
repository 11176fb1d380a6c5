// The device choice of the app: CUDA devices come from a replaceable list (a fake one here, on a
// machine without a GPU), and a device that cannot take the model (LibTorch's real error when
// there is no CUDA) gives a message while the model, its profile and the app carry on.
#include "app/gui/app_settings.h"
#include "app/gui/device_list.h"
#include "app/gui/fit_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/message_bar.h"
#include "app_test_support.h"
#include "fitted_window.h"

#include "engine/model.h"

#include <QApplication>
#include <QComboBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <optional>
#include <stdexcept>

using nac::app::JobKind;
using nac::app::JobOutcome;
using nac::app::JobResult;
using nac::app::MainWindow;
using nac::app::StartupOptions;

namespace {
constexpr int kWaitMs = 120000;

const QStringList kFakeCuda{QStringLiteral("cuda:0 (Fake GPU A, 16 GiB)"), QStringLiteral("cuda:1 (Fake GPU B, 8 GiB)")};

// The first result of `kind` that the spy recorded from index `from` on, or nullopt.
std::optional<JobResult> resultOf(const QSignalSpy& spy, JobKind kind, int from = 0)
{
    for (int i = from; i < spy.count(); ++i) {
        const auto result = spy.at(i).first().value<JobResult>();
        if (result.kind == kind)
            return result;
    }
    return std::nullopt;
}
}  // namespace

class TestDeviceChoice : public QObject {
    Q_OBJECT

private:
    QString m_model;

    // A window that has fitted the test model on noise images on the CPU.
    std::unique_ptr<MainWindow> fittedWindow()
    {
        StartupOptions options = nac::app::test::noiseFit(m_model, 2000, 256, 128);
        options.device = QStringLiteral("cpu");
        return nac::app::test::fittedWindow(options, kWaitMs);
    }

private Q_SLOTS:
    void initTestCase()
    {
        nac::app::test::useCleanTestSettings(QStringLiteral("NAC Studio Device Tests"));
        nac::app::registerMetaTypes();
        m_model = nac::app::test::testModel(QStringLiteral("helper_method.pt"));
        if (!QFileInfo::exists(m_model))
            QSKIP("test model helper_method.pt is missing: run `ctest -R make_test_models` first");
    }

    void cleanup() { nac::app::setCudaDeviceProvider({}); }

    void deviceIdOfLabel_data()
    {
        QTest::addColumn<QString>("label");
        QTest::addColumn<QString>("id");
        QTest::newRow("cpu") << "cpu" << "cpu";
        QTest::newRow("bare cuda") << "cuda:1" << "cuda:1";
        QTest::newRow("described") << "cuda:0 (NVIDIA H200, 140 GiB)" << "cuda:0";
        QTest::newRow("spaces around") << "  cuda:2 (X)  " << "cuda:2";
        QTest::newRow("empty") << "" << "";
    }

    void deviceIdOfLabel()
    {
        QFETCH(QString, label);
        QFETCH(QString, id);
        QCOMPARE(nac::app::deviceIdOfLabel(label), id);
    }

    // Without a replacement the list is LibTorch's: the CPU, then one entry per CUDA device.
    void realListStartsWithTheCpu()
    {
        const QStringList devices = nac::app::availableDevices();
        const std::vector<std::string> cuda = nac::engine::cudaDevices();
        QCOMPARE(devices.size(), qsizetype(cuda.size() + 1));
        QCOMPARE(devices.first(), QStringLiteral("cpu"));
        for (std::size_t i = 0; i < cuda.size(); ++i)
            QCOMPARE(nac::app::deviceIdOfLabel(devices[qsizetype(i + 1)]), QString::fromStdString(cuda[i]));
    }

    void fakeCudaDevicesAreListed()
    {
        nac::app::setCudaDeviceProvider([] { return kFakeCuda; });
        MainWindow window;
        window.show();
        QComboBox* combo = window.fitPanel()->deviceCombo();
        QTRY_COMPARE_WITH_TIMEOUT(combo->count(), 3, kWaitMs);
        QCOMPARE(combo->itemText(0), QStringLiteral("cpu"));
        QCOMPARE(combo->itemText(1), kFakeCuda[0]);
        QCOMPARE(combo->itemText(2), kFakeCuda[1]);
        QCOMPARE(combo->itemData(1).toString(), QStringLiteral("cuda:0"));
        QCOMPARE(combo->itemData(2).toString(), QStringLiteral("cuda:1"));
        QCOMPARE(window.fitPanel()->device(), QStringLiteral("cpu"));
    }

    void failingProviderLeavesTheCpu()
    {
        nac::app::setCudaDeviceProvider([]() -> QStringList { throw std::runtime_error("the driver is broken"); });
        MainWindow window;
        window.show();
        QTRY_VERIFY_WITH_TIMEOUT(window.messageBar()->text().contains(QStringLiteral("the driver is broken")), kWaitMs);
        QVERIFY(window.messageBar()->text().contains(QStringLiteral("Could not list CUDA devices")));
        QCOMPARE(window.fitPanel()->deviceCombo()->count(), 1);
        QCOMPARE(window.fitPanel()->device(), QStringLiteral("cpu"));
    }

    // Choosing a CUDA device reloads the model there. With no CUDA in this LibTorch or machine,
    // LibTorch refuses (the real error path): a message, the model stays on the CPU with its
    // profile, the choice goes back to the CPU, and the next fit runs.
    void unusableDeviceKeepsModelAndProfile_data()
    {
        QTest::addColumn<int>("comboIndex");
        QTest::addColumn<QString>("device");
        QTest::newRow("cuda:0") << 1 << "cuda:0";
        QTest::newRow("cuda:1") << 2 << "cuda:1";
    }

    void unusableDeviceKeepsModelAndProfile()
    {
        QFETCH(int, comboIndex);
        QFETCH(QString, device);
        if (!nac::engine::cudaDevices().empty())
            QSKIP("this machine has CUDA: a fake cuda:N may exist here, so the failure cannot be provoked");
        nac::app::setCudaDeviceProvider([] { return kFakeCuda; });
        auto window = fittedWindow();
        QVERIFY(window);
        QComboBox* combo = window->fitPanel()->deviceCombo();
        QTRY_COMPARE_WITH_TIMEOUT(combo->count(), 3, kWaitMs);
        const auto profile = window->snapshot();
        QVERIFY(profile && profile->complete);
        const auto model = window->model();
        QCOMPARE(model->device, QStringLiteral("cpu"));

        QSignalSpy jobs(window.get(), &MainWindow::jobFinished);
        combo->setCurrentIndex(comboIndex);
        QTRY_VERIFY_WITH_TIMEOUT(resultOf(jobs, JobKind::LoadModel).has_value(), kWaitMs);
        const JobResult load = *resultOf(jobs, JobKind::LoadModel);
        QVERIFY(load.outcome == JobOutcome::Failed);
        QVERIFY2(load.message.contains(QStringLiteral("no CUDA device")), qPrintable(load.message));

        const QString text = window->messageBar()->text();
        QVERIFY2(text.contains(QStringLiteral("Could not move the model to %1").arg(device)), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("stays on cpu")), qPrintable(text));
        QVERIFY(window->messageBar()->level() == nac::app::MessageBar::Level::Error);
        QCOMPARE(window->fitPanel()->device(), QStringLiteral("cpu"));
        QCOMPARE(combo->currentIndex(), 0);
        QCOMPARE(nac::app::AppSettings().device(), QStringLiteral("cpu"));
        QVERIFY(window->model() == model);
        QVERIFY(window->snapshot() == profile);

        // The app carries on: a fit runs, on the CPU.
        QSignalSpy fitDone(window.get(), &MainWindow::fitFinished);
        QTest::mouseClick(window->fitPanel()->fitButton(), Qt::LeftButton);
        QVERIFY(fitDone.wait(kWaitMs));
        const auto fit = fitDone.first().first().value<JobResult>();
        QVERIFY(fit.outcome == JobOutcome::Completed);
        QVERIFY2(fit.message.contains(QStringLiteral("on cpu")), qPrintable(fit.message));
        QVERIFY(window->snapshot() && window->snapshot()->complete);
    }

    // On a machine with CUDA: the same fit on cuda:0, on the engine thread like a CPU fit.
    void realCudaFit()
    {
        if (nac::engine::cudaDevices().empty())
            QSKIP("no CUDA device here (GPU-only case)");
        auto window = fittedWindow();
        QVERIFY(window);
        QComboBox* combo = window->fitPanel()->deviceCombo();
        QTRY_VERIFY_WITH_TIMEOUT(combo->count() >= 2, kWaitMs);
        QSignalSpy jobs(window.get(), &MainWindow::jobFinished);
        combo->setCurrentIndex(1);
        QTRY_VERIFY_WITH_TIMEOUT(resultOf(jobs, JobKind::LoadModel).has_value(), kWaitMs);
        QVERIFY(resultOf(jobs, JobKind::LoadModel)->outcome == JobOutcome::Completed);
        QCOMPARE(window->model()->device, QStringLiteral("cuda:0"));
        QSignalSpy fitDone(window.get(), &MainWindow::fitFinished);
        QTest::mouseClick(window->fitPanel()->fitButton(), Qt::LeftButton);
        QVERIFY(fitDone.wait(kWaitMs));
        const auto fit = fitDone.first().first().value<JobResult>();
        QVERIFY(fit.outcome == JobOutcome::Completed);
        QVERIFY2(fit.message.contains(QStringLiteral("on cuda:0")), qPrintable(fit.message));
    }
};

QTEST_MAIN(TestDeviceChoice)
#include "tst_device_choice.moc"
