// Benchmark (not a test): how long the real main window takes, after a fit of N images of the
// demo (default 10,000), from an edit of O, M or alpha in the parameter panel to updated views
// (worker re-bin + snapshot + redraw), and to render the visible heatmap. Prints medians and maxima.
//   QT_QPA_PLATFORM=offscreen bench_gui_params [FIT_IMAGES] [REPEATS]
#include "app_test_support.h"
#include "app/gui/coverage_panel.h"
#include "app/gui/main_window.h"

#include "widgets/coverage_heatmap_view.h"
#include "widgets/parameter_panel.h"

#include <QApplication>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSpinBox>

#include <algorithm>
#include <cstdio>
#include <functional>

using nac::app::MainWindow;

namespace {

constexpr int kWaitMs = 120000;

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    const int fitImages = argc > 1 ? std::max(1, atoi(argv[1])) : 10000;
    const int repeats = argc > 2 ? std::max(1, atoi(argv[2])) : 5;
    MainWindow window;
    window.resize(1600, 1000);
    window.show();
    QSignalSpy fitDone(&window, &MainWindow::fitFinished);
    nac::app::StartupOptions options;
    options.model = nac::app::test::demoModel();
    options.data = nac::app::test::fashionTrain() + QStringLiteral("@0-54999");
    options.samples = fitImages;
    options.heldout = 1000;
    QElapsedTimer fitClock;
    fitClock.start();
    window.start(options);
    if (!fitDone.wait(30 * 60 * 1000)) {
        std::fprintf(stderr, "bench_gui_params: the fit did not finish\n");
        return 1;
    }
    std::printf("fit: %d + 1000 held-out images of the demo in %.1f s\n", fitImages, double(fitClock.elapsed()) / 1000.0);

    auto* panel = window.parameterPanel();
    panel->setSelectedLayer(nac::widgets::ParameterPanel::kAllLayers);
    auto* oSpin = panel->findChild<QDoubleSpinBox*>(QStringLiteral("minActivatedSpin"));
    auto* mSpin = panel->findChild<QSpinBox*>(QStringLiteral("binEdgeCountSpin"));
    auto* alphaSpin = panel->findChild<QDoubleSpinBox*>(QStringLiteral("alphaSpin"));
    if (!oSpin || !mSpin || !alphaSpin) {
        std::fprintf(stderr, "bench_gui_params: parameter spin boxes not found\n");
        return 1;
    }
    QSignalSpy shown(&window, &MainWindow::paramsShown);
    auto measure = [&](const char* name, const std::function<void(int)>& edit) {
        std::vector<double> latency;
        std::vector<double> render;
        for (int i = 0; i < repeats; ++i) {
            shown.clear();
            edit(i);
            if (!shown.wait(kWaitMs)) {
                std::fprintf(stderr, "bench_gui_params: no update after a change of %s\n", name);
                return false;
            }
            latency.push_back(shown.last().at(0).toDouble());
            QElapsedTimer clock;
            clock.start();
            QCoreApplication::processEvents();
            auto* view = window.coveragePanel()->heatmap(window.coveragePanel()->currentLayer());
            if (view)
                view->grab();
            render.push_back(double(clock.nsecsElapsed()) / 1e6);
        }
        std::printf("%-6s change: edit to updated views %.1f ms median (max %.1f), then rendering the visible heatmap "
                    "%.1f ms median (max %.1f), %d changes, all layers\n",
                    name, median(latency), *std::max_element(latency.begin(), latency.end()), median(render),
                    *std::max_element(render.begin(), render.end()), repeats);
        return true;
    };
    const double o0 = oSpin->value();
    const int m0 = mSpin->value();
    const double a0 = alphaSpin->value();
    bool ok = measure("O", [&](int i) { oSpin->setValue(i % 2 ? o0 : o0 * 2.0); });
    ok = ok && measure("M", [&](int i) { mSpin->setValue(i % 2 ? m0 : m0 + 20); });
    ok = ok && measure("alpha", [&](int i) { alphaSpin->setValue(i % 2 ? a0 : a0 * 2.0); });
    return ok ? 0 : 1;
}
