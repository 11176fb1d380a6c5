// Benchmark (not a test): the evaluation workbench in the real main window. After a fit of N demo
// images (default 1000, + 1000 held out), evaluates the bundled OOD sets (resources/demo/ood,
// 9000 images) and prints the evaluation's speed, its progress updates and the longest
// event-loop stall meanwhile; then how long the metrics table takes to follow a change of O, M
// and alpha (edit to updated table, from the cached raw products of every set). Prints medians and maxima.
//   QT_QPA_PLATFORM=offscreen bench_gui_workbench [FIT_IMAGES] [REPEATS]
#include "app_test_support.h"
#include "app/gui/main_window.h"
#include "app/gui/stall_monitor.h"
#include "app/gui/workbench_panel.h"

#include "widgets/parameter_panel.h"

#include <QApplication>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFile>
#include <QProgressBar>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

#include <algorithm>
#include <cstdio>
#include <functional>

using nac::app::MainWindow;
using nac::app::WorkbenchPanel;

namespace {

constexpr int kWaitMs = 30 * 60 * 1000;

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

// The machine's load: on a shared machine, wall-clock figures stretch with it.
QString loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    return file.open(QIODevice::ReadOnly) ? QString::fromLatin1(file.readLine()) : QStringLiteral("unknown\n");
}

}  // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    const int fitImages = argc > 1 ? std::max(1, atoi(argv[1])) : 1000;
    const int repeats = argc > 2 ? std::max(1, atoi(argv[2])) : 5;
    MainWindow window;
    window.resize(1600, 1000);
    window.show();
    QSignalSpy fitDone(&window, &MainWindow::fitFinished);
    nac::app::StartupOptions options;
    options.model = nac::app::test::demoModel();
    options.data = nac::app::test::fashionTrain();
    options.samples = fitImages;
    options.heldout = 1000;
    window.start(options);
    if (!fitDone.wait(kWaitMs)) {
        std::fprintf(stderr, "bench_gui_workbench: the fit did not finish\n");
        return 1;
    }
    std::printf("fit: %d + 1000 held-out images of the demo; load average (2 cores): %s", fitImages, qPrintable(loadAverage()));

    WorkbenchPanel* panel = window.workbenchPanel();
    const QStringList bundled = WorkbenchPanel::bundledOodSets();
    if (bundled.isEmpty()) {
        std::fprintf(stderr, "bench_gui_workbench: the bundled OOD sets (resources/demo/ood) are missing\n");
        return 1;
    }
    nac::app::StallMonitor stalls;
    stalls.start();
    int progressUpdates = 0;
    QObject::connect(panel->progressBar(), &QProgressBar::valueChanged, [&progressUpdates] { ++progressUpdates; });
    QElapsedTimer clock;
    clock.start();
    QSignalSpy jobs(&window, &MainWindow::jobFinished);
    for (const QString& spec : bundled)
        panel->addSet(spec, nac::app::SetRole::Ood);
    while (panel->isRunning() && clock.elapsed() < kWaitMs)
        QTest::qWait(20);
    const double seconds = double(clock.elapsed()) / 1000.0;
    const auto results = panel->results();
    if (!results || results->sets.size() != std::size_t(bundled.size())) {
        std::fprintf(stderr, "bench_gui_workbench: not every bundled set was evaluated: %s\n", qPrintable(panel->statusText()));
        return 1;
    }
    std::int64_t images = 0;
    for (const auto& set : results->sets)
        images += std::int64_t(set.imageCount());
    std::printf("evaluating %d bundled OOD sets (%lld images) in the app: %.1f s (%.0f images/s), %d progress updates, "
                "longest event-loop stall %.1f ms (%lld ticks of 10 ms)\n",
                int(bundled.size()), (long long)images, seconds, double(images) / seconds, progressUpdates, stalls.maxStallMs(),
                stalls.ticks());
    std::printf("last evaluation into the Explain gallery (then holding all %lld images): %.1f ms (GUI thread)\n",
                (long long)images, window.figures().lastGalleryMs);
    for (const auto& set : results->sets)
        std::printf("  %-22s %6zu images  NAC-UE AUROC %.2f%%  MSP %.2f%%\n", qPrintable(set.name), set.imageCount(),
                    100 * set.metrics[0].auroc, 100 * set.metrics[1].auroc);

    auto* parameters = window.parameterPanel();
    parameters->setSelectedLayer(nac::widgets::ParameterPanel::kAllLayers);
    auto* oSpin = parameters->findChild<QDoubleSpinBox*>(QStringLiteral("minActivatedSpin"));
    auto* mSpin = parameters->findChild<QSpinBox*>(QStringLiteral("binEdgeCountSpin"));
    auto* alphaSpin = parameters->findChild<QDoubleSpinBox*>(QStringLiteral("alphaSpin"));
    if (!oSpin || !mSpin || !alphaSpin) {
        std::fprintf(stderr, "bench_gui_workbench: parameter spin boxes not found\n");
        return 1;
    }
    QSignalSpy shown(&window, &MainWindow::evaluationShown);
    stalls.reset();
    auto measure = [&](const char* name, const std::function<void(int)>& edit) {
        std::vector<double> latency;
        std::vector<double> worker;
        std::vector<double> cpu;
        std::vector<double> redraw;
        std::vector<double> gallery;
        for (int i = 0; i < repeats; ++i) {
            shown.clear();
            edit(i);
            QElapsedTimer wait;
            wait.start();
            while (wait.elapsed() < 120000 && (shown.isEmpty() || shown.last().at(1).toDouble() < 0.0))
                shown.wait(1000);
            if (shown.isEmpty()) {
                std::fprintf(stderr, "bench_gui_workbench: no update after a change of %s\n", name);
                return false;
            }
            latency.push_back(shown.last().at(1).toDouble());
            redraw.push_back(shown.last().at(2).toDouble());
            gallery.push_back(window.figures().lastGalleryMs);
            const auto shownResults = shown.last().at(0).value<std::shared_ptr<const nac::app::EvaluationResults>>();
            worker.push_back(shownResults->workerMs);
            cpu.push_back(shownResults->workerCpuMs);
        }
        std::printf("%-6s change: edit to updated metrics table %.1f ms median (max %.1f); worker re-scoring + metrics %.1f ms "
                    "median (%.1f ms CPU); table %.1f ms median; Explain gallery re-sorted %.1f ms median; %d changes, "
                    "all layers, %lld images\n",
                    name, median(latency), *std::max_element(latency.begin(), latency.end()), median(worker), median(cpu),
                    median(redraw), median(gallery), repeats, (long long)images);
        return true;
    };
    const double o0 = oSpin->value();
    const int m0 = mSpin->value();
    const double a0 = alphaSpin->value();
    bool ok = measure("O", [&](int i) { oSpin->setValue(i % 2 ? o0 : o0 * 2.0); });
    ok = ok && measure("M", [&](int i) { mSpin->setValue(i % 2 ? m0 : m0 + 20); });
    ok = ok && measure("alpha", [&](int i) { alphaSpin->setValue(i % 2 ? a0 : a0 * 2.0); });
    std::printf("longest event-loop stall during the parameter changes: %.1f ms\n", stalls.maxStallMs());
    std::printf("load average at the end (2 cores): %s", qPrintable(loadAverage()));
    return ok ? 0 : 1;
}
