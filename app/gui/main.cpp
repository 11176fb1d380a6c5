// nac-studio: the NAC Studio desktop app. Parses the command line and shows the main window.
#include "app/gui/app_settings.h"
#include "app/gui/app_types.h"
#include "app/gui/input_spec_dialog.h"
#include "app/gui/main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>
#include <QIcon>

#include <cstdio>
#include <cstring>
#include <memory>

namespace {

// --help and --version need no display: they run on a QCoreApplication, so that they work over
// ssh and at build time (the man page is made from --help).
bool onlyPrintsInformation(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i) {
        for (const char* option : {"-h", "--help", "-?", "--help-all", "-v", "--version"}) {
            if (std::strcmp(argv[i], option) == 0)
                return true;
        }
    }
    return false;
}

// The profile magic of engine/profile_io.cpp, for files opened by type rather than by name.
bool hasProfileMagic(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) && file.read(8) == QByteArray("NACPROF\x1a", 8);
}

QIcon applicationIcon()
{
    QIcon icon;
    for (int sizePx : {16, 24, 32, 48, 64, 128, 256})
        icon.addFile(QStringLiteral(":/icons/hicolor/%1x%1/apps/" NAC_APP_ID ".png").arg(sizePx), QSize(sizePx, sizePx));
    return QIcon::fromTheme(QStringLiteral(NAC_APP_ID), icon);
}

}  // namespace

int main(int argc, char** argv)
{
    std::unique_ptr<QCoreApplication> app;
    if (onlyPrintsInformation(argc, argv))
        app = std::make_unique<QCoreApplication>(argc, argv);
    else
        app = std::make_unique<QApplication>(argc, argv);
    QCoreApplication::setOrganizationName(nac::app::AppSettings::organisationName());
    QCoreApplication::setApplicationName(nac::app::AppSettings::applicationName());
    QCoreApplication::setApplicationVersion(QStringLiteral(NAC_VERSION));
    nac::app::registerMetaTypes();

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "NAC Studio: Neuron Activation Coverage (NAC-UE) for image classifiers. Without options it restores the last "
        "session (its profile, data and scored images), or the first time opens the demo model with its "
        "Fashion-MNIST training images and starts fitting."));
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
    const QCommandLineOption evaluateOption(QStringLiteral("evaluate"),
                                            QStringLiteral("After the fit, evaluate SPEC as an OOD set in the Evaluation dock (repeat; "
                                                           "'bundled' for the demo's OOD sets; any data spec nac reads)."),
                                            QStringLiteral("SPEC"));
    const QCommandLineOption inputOption(QStringLiteral("input"),
                                         QStringLiteral("For a model without nac.json: its input as CxHxW, or CxHxW;MEAN;STD "
                                                        "(one value or one per channel; default mean 0, std 1), "
                                                        "e.g. '3x32x32;0.5;0.5'."),
                                         QStringLiteral("SPEC"));
    const QCommandLineOption screenshotOption(QStringLiteral("screenshot"),
                                              QStringLiteral("When the fit and scoring are done, save a grab of the window to PATH and quit."),
                                              QStringLiteral("PATH"));
    const QCommandLineOption newSessionOption(QStringLiteral("new-session"),
                                              QStringLiteral("Do not restore the last session (without options: open the demo and fit)."));
    const QCommandLineOption figuresOption(QStringLiteral("print-figures"),
                                           QStringLiteral("Print fit speed, drop-to-score latency and event-loop stalls (with --screenshot)."));
    const QCommandLineOption plotOption(QStringLiteral("plot"),
                                        QStringLiteral("The scoring plot shown first: distribution (default) or roc."),
                                        QStringLiteral("PLOT"));
    parser.addOptions({modelOption, dataOption, profileOption, noFitOption, samplesOption, heldoutOption, deviceOption, scoreOption,
                       screenshotOption, figuresOption, plotOption, newSessionOption, evaluateOption, inputOption});
    parser.addPositionalArgument(QStringLiteral("files"),
                                 QStringLiteral("A profile (.nacprofile) to open, a TorchScript model (.pt) to open, or, with "
                                                "--score, more images to score."),
                                 QStringLiteral("[FILES...]"));
    parser.process(*app);
    if (qobject_cast<QApplication*>(app.get()) == nullptr) {
        std::fprintf(stderr, "nac-studio: -h, -v, --help and --version take no value; give them on their own\n");
        return 64;  // EX_USAGE
    }
    QGuiApplication::setDesktopFileName(QStringLiteral(NAC_APP_ID));
    QApplication::setWindowIcon(applicationIcon());

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
    if (parser.isSet(inputOption)) {
        QString spec = parser.value(inputOption).trimmed();
        if (!spec.contains(QLatin1Char(';')))
            spec += QStringLiteral(";0;1");
        if (const QString problem = nac::app::InputSpecDialog::problemWith(spec); !problem.isEmpty()) {
            std::fprintf(stderr, "nac-studio: --input '%s': %s\n", qPrintable(parser.value(inputOption)), qPrintable(problem));
            return 64;  // EX_USAGE
        }
        options.inputSpec = spec;
    }
    options.scoreFiles = parser.values(scoreOption);
    options.evaluateSets = parser.values(evaluateOption);
    // Positional files: what a file manager passes (Exec=nac-studio %f): profiles and models open,
    // anything else is an image to score, which needs --score.
    for (const QString& path : parser.positionalArguments()) {
        QString* target = nullptr;
        if (path.endsWith(QStringLiteral(".nacprofile"), Qt::CaseInsensitive) || hasProfileMagic(path))
            target = &options.profile;
        else if (path.endsWith(QStringLiteral(".pt"), Qt::CaseInsensitive))
            target = &options.model;
        if (target != nullptr && target->isEmpty()) {
            *target = path;
        } else if (target != nullptr) {
            std::fprintf(stderr, "nac-studio: '%s' would be the second %s; give one\n", qPrintable(path),
                         target == &options.profile ? "profile" : "model");
            return 64;
        } else if (parser.isSet(scoreOption)) {
            options.scoreFiles.append(path);
        } else {
            std::fprintf(stderr, "nac-studio: unexpected argument '%s' (images to score go after --score)\n", qPrintable(path));
            return 64;
        }
    }
    for (const QString& path : {options.model, options.profile}) {
        if (!path.isEmpty() && !QFileInfo::exists(path)) {
            std::fprintf(stderr, "nac-studio: %s does not exist\n", qPrintable(path));
            return 66;  // EX_NOINPUT
        }
    }

    // Only a plain start restores the last session; any option or file says what to open.
    options.restoreSession = !parser.isSet(newSessionOption) && app->arguments().size() == 1;

    nac::app::MainWindow window;
    window.show();
    window.start(options);
    return QApplication::exec();
}
