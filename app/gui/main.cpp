// nac-studio: the NAC Studio desktop app. Parses the command line and shows the main window.
#include "app/gui/app_settings.h"
#include "app/gui/app_types.h"
#include "app/gui/main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>

#include <cstdio>

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(nac::app::AppSettings::organisationName());
    QApplication::setApplicationName(nac::app::AppSettings::applicationName());
    QApplication::setApplicationVersion(QStringLiteral(NAC_VERSION));
    nac::app::registerMetaTypes();

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "NAC Studio: Neuron Activation Coverage (NAC-UE) for image classifiers. Without options it opens the demo "
        "model with its Fashion-MNIST training images and starts fitting."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption modelOption(QStringList{QStringLiteral("m"), QStringLiteral("model")},
                                         QStringLiteral("TorchScript model to open (default: the demo)."), QStringLiteral("M.pt"));
    const QCommandLineOption dataOption(QStringList{QStringLiteral("d"), QStringLiteral("data")},
                                        QStringLiteral("Training images: an IDX file (.gz), a folder, with an optional @FIRST-LAST range."),
                                        QStringLiteral("D"));
    const QCommandLineOption profileOption(QStringList{QStringLiteral("p"), QStringLiteral("profile")},
                                           QStringLiteral("Load this .nacprofile instead of fitting."), QStringLiteral("P"));
    const QCommandLineOption noFitOption(QStringLiteral("no-fit"), QStringLiteral("Do not start a fit at start-up."));
    const QCommandLineOption samplesOption(QStringLiteral("samples"), QStringLiteral("Fit images (default 1000, as the reference)."),
                                           QStringLiteral("N"));
    const QCommandLineOption heldoutOption(QStringLiteral("holdout"),
                                           QStringLiteral("Held-out InD images for the 95% threshold (default 1000; 0: none)."),
                                           QStringLiteral("N"));
    const QCommandLineOption deviceOption(QStringLiteral("device"), QStringLiteral("cpu, cuda or cuda:N (default: the last one used)."),
                                          QStringLiteral("DEV"));
    const QCommandLineOption scoreOption(QStringLiteral("score"),
                                         QStringLiteral("Image file or folder to score as if dropped (repeat, or list files after the options)."),
                                         QStringLiteral("FILE"));
    const QCommandLineOption screenshotOption(QStringLiteral("screenshot"),
                                              QStringLiteral("When the fit and scoring are done, save a grab of the window to PATH and quit."),
                                              QStringLiteral("PATH"));
    const QCommandLineOption figuresOption(QStringLiteral("print-figures"),
                                           QStringLiteral("Print fit speed, drop-to-score latency and event-loop stalls (with --screenshot)."));
    const QCommandLineOption plotOption(QStringLiteral("plot"),
                                        QStringLiteral("The scoring plot shown first: distribution (default) or roc."),
                                        QStringLiteral("PLOT"));
    parser.addOptions({modelOption, dataOption, profileOption, noFitOption, samplesOption, heldoutOption, deviceOption, scoreOption,
                       screenshotOption, figuresOption, plotOption});
    parser.addPositionalArgument(QStringLiteral("files"), QStringLiteral("More images to score (with --score)."), QStringLiteral("[FILES...]"));
    parser.process(app);

    nac::app::StartupOptions options;
    options.model = parser.value(modelOption);
    options.data = parser.value(dataOption);
    options.profile = parser.value(profileOption);
    options.device = parser.value(deviceOption);
    options.fit = !parser.isSet(noFitOption);
    options.screenshotPath = parser.value(screenshotOption);
    options.printFigures = parser.isSet(figuresOption);
    const QString plot = parser.value(plotOption);
    if (!plot.isEmpty() && plot != QStringLiteral("distribution") && plot != QStringLiteral("roc")) {
        std::fprintf(stderr, "nac-studio: --plot must be distribution or roc, not '%s'\n", qPrintable(plot));
        return 64;  // EX_USAGE
    }
    options.showRoc = plot == QStringLiteral("roc");
    auto positiveNumber = [&](const QCommandLineOption& option, int minimum, int* out) {
        if (!parser.isSet(option))
            return true;
        bool ok = false;
        const int value = parser.value(option).toInt(&ok);
        if (!ok || value < minimum) {
            std::fprintf(stderr, "nac-studio: --%s must be a whole number of at least %d, not '%s'\n",
                         qPrintable(option.names().last()), minimum, qPrintable(parser.value(option)));
            return false;
        }
        *out = value;
        return true;
    };
    if (!positiveNumber(samplesOption, 1, &options.samples) || !positiveNumber(heldoutOption, 0, &options.heldout))
        return 64;  // EX_USAGE
    options.scoreFiles = parser.values(scoreOption);
    if (!options.scoreFiles.isEmpty())
        options.scoreFiles.append(parser.positionalArguments());
    else if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "nac-studio: unexpected argument '%s' (images to score go after --score)\n",
                     qPrintable(parser.positionalArguments().front()));
        return 64;
    }
    for (const QString& path : {options.model, options.profile}) {
        if (!path.isEmpty() && !QFileInfo::exists(path)) {
            std::fprintf(stderr, "nac-studio: %s does not exist\n", qPrintable(path));
            return 66;  // EX_NOINPUT
        }
    }

    nac::app::MainWindow window;
    window.show();
    window.start(options);
    return app.exec();
}
