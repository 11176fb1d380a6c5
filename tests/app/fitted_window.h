// A shown MainWindow that has fitted what the options name: the set-up that many app tests share.
#pragma once

#include "app/gui/app_types.h"
#include "app/gui/main_window.h"

#include <QSignalSpy>

#include <memory>

namespace nac::app::test {

// Null when the fit did not complete within waitMs.
inline std::unique_ptr<MainWindow> fittedWindow(const StartupOptions& options, int waitMs)
{
    auto window = std::make_unique<MainWindow>();
    window->show();
    QSignalSpy fitDone(window.get(), &MainWindow::fitFinished);
    window->start(options);
    if (!fitDone.wait(waitMs) || fitDone.first().first().value<JobResult>().outcome != JobOutcome::Completed)
        return nullptr;
    return window;
}

// The fit most window tests use: the test model m on uniform noise images.
inline StartupOptions noiseFit(const QString& model, int images, int samples, int heldout)
{
    StartupOptions options;
    options.model = model;
    options.data = QStringLiteral("noise:uniform:%1:seed=3").arg(images);
    options.samples = samples;
    options.heldout = heldout;
    return options;
}

}  // namespace nac::app::test
