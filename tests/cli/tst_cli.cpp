// End-to-end tests of the `nac` command line tool: runs the real executable and checks exit codes, messages and outputs.
#include <QByteArray>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include <signal.h>
#include <sys/resource.h>

using namespace Qt::StringLiterals;

namespace {

// Exit codes documented in `nac --help`.
constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;
constexpr int kExitBadInput = 3;

// One `nac` run on these tiny models takes a second or two; a hung process must not hang CTest.
constexpr int kProcessTimeoutMs = 120000;

// Scores are printed with 9 significant digits; the same profile content must agree far below that.
constexpr double kScoreTolerance = 1e-6;

// Every fixture image is MNIST-sized, like the 1x28x28 models used here.
constexpr int kImageSide = 28;

// Placeholders in the data tables, replaced in runNac() (fixtures only exist after initTestCase).
const QString kModels = u"{models}"_s;
const QString kTmp = u"{tmp}"_s;
const QString kProfile = u"{profile}"_s;

struct NacRun {
    bool finished = false;
    bool crashed = false;
    int exitCode = -1;
    QString out;
    QString err;

    // For failure messages: everything a reader needs to see why a case failed.
    QString describe() const
    {
        return u"exit %1%2\n--- stdout:\n%3\n--- stderr:\n%4"_s
            .arg(exitCode)
            .arg(crashed ? u" (crashed)"_s : finished ? QString() : u" (timed out)"_s)
            .arg(out.left(4000), err.left(4000));
    }
};

QByteArray bigEndian32(quint32 value)
{
    QByteArray bytes(4, '\0');
    for (int i = 0; i < 4; ++i)
        bytes[i] = char((value >> (24 - 8 * i)) & 0xff);
    return bytes;
}

// An idx3 gray file of count images; pixel bytes come from a generator seeded by seed.
QByteArray idxImages(quint32 magic, int count, quint32 seed)
{
    QByteArray bytes = bigEndian32(magic) + bigEndian32(quint32(count)) + bigEndian32(kImageSide) + bigEndian32(kImageSide);
    QRandomGenerator generator(seed);
    for (int i = 0; i < count * kImageSide * kImageSide; ++i)
        bytes += char(generator.bounded(256));
    return bytes;
}

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

QByteArray readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeGrayPng(const QString& path, quint32 seed)
{
    QImage image(kImageSide, kImageSide, QImage::Format_Grayscale8);
    QRandomGenerator generator(seed);
    for (int y = 0; y < kImageSide; ++y)
        for (int x = 0; x < kImageSide; ++x)
            image.scanLine(y)[x] = uchar(generator.bounded(256));
    return image.save(path, "PNG");
}

// The rows of a CSV file written by `nac score` (no quoted fields in the fixtures used here).
QList<QStringList> readCsv(const QString& path)
{
    QList<QStringList> rows;
    const QList<QByteArray> lines = readFile(path).split('\n');
    for (const QByteArray& line : lines) {
        if (!line.isEmpty())
            rows.append(QString::fromUtf8(line).split(QLatin1Char(',')));
    }
    return rows;
}

}  // namespace

class TestCli : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void exitCodes_data();
    void exitCodes();
    void help();
    void commandHelp_data();
    void commandHelp();
    void version();
    void layersText_data();
    void layersText();
    void layersJson();
    void fitWritesProfile();
    void fitIsDeterministic_data();
    void fitIsDeterministic();
    void graphModesAgree_data();
    void graphModesAgree();
    void scoreCsv();
    void eval();
    void mergeCountsSamples();
    void mergeEqualsUnionFit_data();
    void mergeEqualsUnionFit();
    void nacMe();
    void corruptImageSkipped();
    void profileCarriesPreprocessing();
    void mergeRefusesSharedImages();
    void trainingModeRefused();
    void classFoldersFollowModelClasses();
    void notesForConversions();
    void nacMeJsonAndOptions();
    void profileFindsItsModelFromElsewhere();
    void interruptEndsStuckModel();
    void commaDecimalLocale();
    void staleTemporariesRemoved();
    void outOfMemoryIsBadInput();

private:
    NacRun runNac(const QStringList& arguments, const QProcessEnvironment& environment = QProcessEnvironment(),
                  const QString& workingDirectory = QString()) const;
    QString model(const QString& file) const { return m_modelsDir + QLatin1Char('/') + file; }
    QString tmp(const QString& file) const { return m_tmp.filePath(file); }
    // Fits helper_method.pt on every image of data (--batch 16 unless extra says otherwise) and
    // writes output; fails the test when nac does.
    void fitHelper(const QString& data, const QString& output, const QStringList& extra = {});

    QString m_modelsDir;
    QTemporaryDir m_tmp;
    QString m_profileA;  // helper_method.pt, noise:uniform:40 seed 1, default layers
    QString m_profileB;  // the same on seed 2 (disjoint data)
};

NacRun TestCli::runNac(const QStringList& arguments, const QProcessEnvironment& environment,
                       const QString& workingDirectory) const
{
    QStringList expanded;
    for (QString argument : arguments) {
        argument.replace(kModels, m_modelsDir);
        argument.replace(kTmp, m_tmp.path());
        argument.replace(kProfile, m_profileA);
        expanded << argument;
    }
    QProcess process;
    if (!workingDirectory.isEmpty())
        process.setWorkingDirectory(workingDirectory);
    if (!environment.isEmpty())
        process.setProcessEnvironment(environment);
    process.start(QStringLiteral(NAC_CLI_PATH), expanded);
    NacRun run;
    if (!process.waitForStarted()) {
        run.err = u"could not start %1: %2"_s.arg(QStringLiteral(NAC_CLI_PATH), process.errorString());
        return run;
    }
    process.closeWriteChannel();
    run.finished = process.waitForFinished(kProcessTimeoutMs);
    if (!run.finished) {
        process.kill();
        process.waitForFinished();
    }
    run.crashed = process.exitStatus() == QProcess::CrashExit;
    run.exitCode = run.finished && !run.crashed ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

void TestCli::fitHelper(const QString& data, const QString& output, const QStringList& extra)
{
    QStringList arguments{u"fit"_s, u"--model"_s, model(u"helper_method.pt"_s),
                          u"--data"_s, data, u"--samples"_s, u"all"_s, u"-o"_s, output};
    if (!extra.contains(u"--batch"_s))
        arguments << u"--batch"_s << u"16"_s;
    const NacRun run = runNac(arguments + extra);
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    QVERIFY2(QFileInfo(output).size() > 0, qPrintable(output + " was not written"));
}

void TestCli::initTestCase()
{
    QVERIFY2(QFileInfo(QStringLiteral(NAC_CLI_PATH)).isExecutable(), NAC_CLI_PATH " is not built");
    m_modelsDir = QStringLiteral(NAC_TEST_MODELS_DIR);
    QVERIFY2(QFileInfo::exists(model(u"models.json"_s)),
             "the test models are missing; run `ctest -R make_test_models` first");
    QVERIFY(m_tmp.isValid());

    m_profileA = tmp(u"a.nacprofile"_s);
    m_profileB = tmp(u"b.nacprofile"_s);
    fitHelper(u"noise:uniform:40:seed=1"_s, m_profileA);
    if (QTest::currentTestFailed())
        return;
    fitHelper(u"noise:uniform:40:seed=2"_s, m_profileB);
    if (QTest::currentTestFailed())
        return;
    // The same model and data with other layers and parameters: `merge` must refuse it beside profile A.
    fitHelper(u"noise:uniform:8"_s, tmp(u"pool_m4.nacprofile"_s), {u"--layer"_s, u"pool:M=4"_s});
    if (QTest::currentTestFailed())
        return;

    // Damaged profiles: the first half of a good one, and random bytes.
    const QByteArray profileBytes = readFile(m_profileA);
    QVERIFY(writeFile(tmp(u"truncated.nacprofile"_s), profileBytes.left(profileBytes.size() / 2)));
    QByteArray noise;
    QRandomGenerator generator(7);
    for (int i = 0; i < 4096; ++i)
        noise += char(generator.bounded(256));
    QVERIFY(writeFile(tmp(u"random.nacprofile"_s), noise));

    // IDX files: a good one, one whose magic names a labels file, one with no known magic, one truncated.
    constexpr quint32 kGrayImagesMagic = 0x00000803;
    constexpr quint32 kLabelsMagic = 0x00000801;
    QVERIFY(writeFile(tmp(u"good-images-idx3-ubyte"_s), idxImages(kGrayImagesMagic, 8, 11)));
    QVERIFY(writeFile(tmp(u"labelsmagic-images-idx3-ubyte"_s), idxImages(kLabelsMagic, 8, 11)));
    QVERIFY(writeFile(tmp(u"badmagic-images-idx3-ubyte"_s), idxImages(0x12345678, 8, 11)));
    const QByteArray whole = idxImages(kGrayImagesMagic, 8, 11);
    QVERIFY(writeFile(tmp(u"truncated-images-idx3-ubyte"_s), whole.left(whole.size() - 100)));

    QVERIFY(QDir(m_tmp.path()).mkpath(u"empty_folder"_s));

    // Image folders: all good; one corrupt among good ones; only corrupt ones.
    QDir dir(m_tmp.path());
    QVERIFY(dir.mkpath(u"good_images"_s));
    QVERIFY(dir.mkpath(u"mixed_images"_s));
    QVERIFY(dir.mkpath(u"corrupt_images"_s));
    for (int i = 0; i < 3; ++i)
        QVERIFY(writeGrayPng(tmp(u"good_images/img%1.png"_s.arg(i)), quint32(100 + i)));
    QVERIFY(writeGrayPng(tmp(u"mixed_images/a.png"_s), 200));
    QVERIFY(writeFile(tmp(u"mixed_images/b_corrupt.png"_s), "this is not a PNG image\n"));
    QVERIFY(writeGrayPng(tmp(u"mixed_images/c.png"_s), 201));
    QVERIFY(writeGrayPng(tmp(u"mixed_images/d.png"_s), 202));
    const QByteArray png = readFile(tmp(u"mixed_images/a.png"_s));
    QVERIFY(writeFile(tmp(u"corrupt_images/text.png"_s), "not an image either\n"));
    QVERIFY(writeFile(tmp(u"corrupt_images/half.png"_s), png.left(png.size() / 2)));
}

// Every exit code path: each row is a command line, its exit code and what stderr must name.
void TestCli::exitCodes_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QStringList>("messageParts");

    const QString helper = kModels + u"/helper_method.pt"_s;
    const QString out = kTmp + u"/exit_codes_out.nacprofile"_s;
    const QString csv = kTmp + u"/exit_codes_out.csv"_s;
    const QStringList fitBase{u"fit"_s, u"--model"_s, helper, u"--data"_s,
                              u"noise:uniform:8"_s, u"--samples"_s, u"all"_s};
    const QStringList fitHelper = fitBase + QStringList{u"--batch"_s, u"16"_s};
    const QStringList noiseOut{u"--data"_s, u"noise:uniform:8"_s, u"--batch"_s,
                               u"16"_s, u"-o"_s, out};
    auto layers = [](const QString& file) {
        return QStringList{u"layers"_s, u"--model"_s, kModels + QLatin1Char('/') + file};
    };
    auto fitLayer = [&](const QString& layer) { return fitHelper + QStringList{u"--layer"_s, layer, u"-o"_s, out}; };
    auto dataAt = [&](const QString& data) {
        return QStringList{u"fit"_s, u"--model"_s, helper, u"--data"_s, data,
                           u"--samples"_s, u"all"_s, u"-o"_s, out};
    };
    auto scoreWith = [&](const QString& profile, const QString& modelFile) {
        QStringList args{u"score"_s, u"--profile"_s, profile, u"--data"_s,
                         u"noise:uniform:4"_s, u"-o"_s, csv};
        if (!modelFile.isEmpty())
            args << u"--model"_s << kModels + QLatin1Char('/') + modelFile;
        return args;
    };
    auto evalOod = [&](const QString& ood) {
        return QStringList{u"eval"_s, u"--profile"_s, kProfile, u"--id"_s,
                           u"noise:uniform:4"_s, u"--ood"_s, ood};
    };

    // --- valid rows, beside the invalid ones they mirror
    QTest::newRow("ok: layers helper_method") << layers(u"helper_method.pt"_s) << kExitOk << QStringList();
    QTest::newRow("ok: fit with -o") << fitHelper + QStringList{u"-o"_s, out} << kExitOk
                                     << QStringList{u"wrote"_s, out};
    QTest::newRow("ok: fit with --output=") << fitHelper + QStringList{u"--output="_s + out} << kExitOk << QStringList();
    QTest::newRow("ok: --layer pool") << fitLayer(u"pool"_s) << kExitOk << QStringList();
    QTest::newRow("ok: M=52") << fitLayer(u"pool:M=52"_s) << kExitOk << QStringList{u"M=52"_s};
    QTest::newRow("ok: M=4, O=1, alpha=0.5") << fitLayer(u"pool:M=4,O=1,alpha=0.5"_s) << kExitOk << QStringList();
    QTest::newRow("ok: IDX file") << dataAt(kTmp + u"/good-images-idx3-ubyte"_s) << kExitOk << QStringList();
    QTest::newRow("ok: image folder") << dataAt(kTmp + u"/good_images"_s) << kExitOk << QStringList();
    QTest::newRow("ok: no_metadata with --input")
        << layers(u"no_metadata.pt"_s) + QStringList{u"--input"_s, u"1x28x28"_s} << kExitOk
        << QStringList();
    QTest::newRow("ok: fit no_metadata with --input and --layer")
        << QStringList{u"fit"_s, u"--model"_s, kModels + u"/no_metadata.pt"_s,
                       u"--input"_s, u"1x28x28"_s, u"--layer"_s, u"avgpool"_s}
               + noiseOut
        << kExitOk << QStringList();
    QTest::newRow("ok: layers backbone_head (side-file metadata)") << layers(u"backbone_head.pt"_s) << kExitOk
                                                                   << QStringList();
    QTest::newRow("ok: score with its own model") << scoreWith(kProfile, u"helper_method.pt"_s) << kExitOk
                                                  << QStringList{csv};
    QTest::newRow("ok: score with the profile's model path") << scoreWith(kProfile, QString()) << kExitOk << QStringList();
    QTest::newRow("ok: eval --ood NAME=DATA") << evalOod(u"g=noise:gaussian:4"_s) << kExitOk << QStringList();

    // --- usage errors (exit 2)
    QTest::newRow("usage: no arguments") << QStringList() << kExitUsage << QStringList();
    QTest::newRow("usage: unknown command") << QStringList{u"frobnicate"_s} << kExitUsage
                                            << QStringList{u"unknown command"_s, u"frobnicate"_s};
    QTest::newRow("usage: unknown option")
        << layers(u"helper_method.pt"_s) + QStringList{u"--bogus"_s} << kExitUsage
        << QStringList{u"unknown option"_s, u"--bogus"_s};
    QTest::newRow("usage: option without value") << QStringList{u"layers"_s, u"--model"_s} << kExitUsage
                                                 << QStringList{u"--model"_s, u"needs a value"_s};
    QTest::newRow("usage: missing --model") << QStringList{u"layers"_s} << kExitUsage
                                            << QStringList{u"missing --model"_s};
    QTest::newRow("usage: fit missing -o") << fitHelper << kExitUsage << QStringList{u"missing"_s, u"--output"_s};
    QTest::newRow("usage: --batch abc") << fitBase + QStringList{u"--batch"_s, u"abc"_s, u"-o"_s, out}
                                        << kExitUsage << QStringList{u"--batch"_s, u"abc"_s};
    QTest::newRow("usage: --memory-format nhwc")
        << fitBase + QStringList{u"--memory-format"_s, u"nhwc"_s, u"-o"_s, out} << kExitUsage
        << QStringList{u"--memory-format"_s, u"channels-last"_s};
    QTest::newRow("usage: --batch 0") << fitBase + QStringList{u"--batch=0"_s, u"-o"_s, out} << kExitUsage
                                      << QStringList{u"--batch"_s, u"out of range"_s};
    QTest::newRow("usage: --samples zero") << fitHelper + QStringList{u"--samples"_s, u"0"_s, u"-o"_s, out}
                                           << kExitUsage << QStringList{u"--samples"_s};
    QTest::newRow("usage: --ood without NAME=") << evalOod(u"noise:gaussian:4"_s) << kExitUsage
                                                << QStringList{u"--ood"_s, u"noise:gaussian:4"_s, u"NAME="_s};
    QTest::newRow("usage: --ood with empty NAME") << evalOod(u"=noise:gaussian:4"_s) << kExitUsage
                                                  << QStringList{u"--ood"_s, u"NAME="_s};
    QTest::newRow("usage: --ood with empty DATA") << evalOod(u"g="_s) << kExitUsage
                                                  << QStringList{u"--ood"_s, u"NAME="_s};
    QTest::newRow("usage: eval without --ood")
        << QStringList{u"eval"_s, u"--profile"_s, kProfile, u"--id"_s, u"noise:uniform:4"_s}
        << kExitUsage << QStringList{u"--ood"_s};
    QTest::newRow("usage: merge of one profile") << QStringList{u"merge"_s, u"-o"_s, out, kProfile} << kExitUsage
                                                 << QStringList{u"two profiles"_s};
    QTest::newRow("usage: me without checkpoints")
        << QStringList{u"me"_s, u"--data"_s, u"noise:uniform:4"_s, u"--layer"_s, u"pool"_s}
        << kExitUsage << QStringList{u"checkpoint"_s};
    // --- what CLI11 reads (issue 11): wrong types, missing values, unknown or repeated options, on
    // every sub-command; all refused before any model or data is opened
    QTest::newRow("usage: --threads abc (wrong type)") << layers(u"helper_method.pt"_s) + QStringList{u"--threads"_s, u"abc"_s}
                                                       << kExitUsage << QStringList{u"--threads"_s, u"'abc'"_s, u"whole number"_s};
    QTest::newRow("usage: --workers 65 (out of range)") << fitHelper + QStringList{u"--workers"_s, u"65"_s, u"-o"_s, out}
                                                        << kExitUsage << QStringList{u"--workers"_s, u"out of range"_s};
    QTest::newRow("usage: --seed 1e3 (not a whole number)") << fitHelper + QStringList{u"--seed=1e3"_s, u"-o"_s, out}
                                                            << kExitUsage << QStringList{u"--seed"_s, u"1e3"_s};
    QTest::newRow("usage: --graph sideways") << fitHelper + QStringList{u"--graph"_s, u"sideways"_s, u"-o"_s, out}
                                             << kExitUsage << QStringList{u"--graph"_s, u"plain or frozen"_s};
    QTest::newRow("usage: --rounds 0 (bench)")
        << QStringList{u"bench"_s, u"--model"_s, helper, u"--rounds"_s, u"0"_s} << kExitUsage
        << QStringList{u"--rounds"_s, u"out of range"_s};
    QTest::newRow("usage: --rebin-sizes 10,,20 (bench)")
        << QStringList{u"bench"_s, u"--model"_s, helper, u"--rebin-sizes"_s, u"10,,20"_s} << kExitUsage
        << QStringList{u"--rebin-sizes"_s, u"10,,20"_s};
    QTest::newRow("usage: value errors before a missing model")
        << QStringList{u"fit"_s, u"--model"_s, kTmp + u"/no-such-model.pt"_s, u"--data"_s, u"noise:uniform:8"_s,
                       u"--batch"_s, u"many"_s, u"-o"_s, out}
        << kExitUsage << QStringList{u"--batch"_s, u"many"_s};
    QTest::newRow("usage: fit --data without value") << fitHelper + QStringList{u"-o"_s, out, u"--data"_s} << kExitUsage
                                                     << QStringList{u"--data"_s, u"needs a value"_s};
    QTest::newRow("usage: merge -o without value") << QStringList{u"merge"_s, kProfile, kProfile, u"-o"_s} << kExitUsage
                                                   << QStringList{u"-o"_s, u"needs a value"_s};
    QTest::newRow("usage: unknown option on score") << scoreWith(kProfile, QString()) + QStringList{u"--json"_s, u"x"_s}
                                                       << kExitUsage << QStringList{u"unknown option --json"_s};
    QTest::newRow("usage: unknown option on eval") << evalOod(u"g=noise:gaussian:4"_s) + QStringList{u"--bogus=1"_s}
                                                   << kExitUsage << QStringList{u"unknown option --bogus"_s};
    QTest::newRow("usage: unknown option on merge")
        << QStringList{u"merge"_s, u"-o"_s, out, u"--frobnicate"_s, kProfile, kProfile} << kExitUsage
        << QStringList{u"unknown option --frobnicate"_s};
    QTest::newRow("usage: unknown option on me")
        << QStringList{u"me"_s, u"--data"_s, u"noise:uniform:4"_s, u"--layer"_s, u"pool"_s, u"--model"_s, helper, helper}
        << kExitUsage << QStringList{u"unknown option --model"_s};
    QTest::newRow("usage: unknown option on tune")
        << QStringList{u"tune"_s, u"--profile"_s, kProfile, u"--id"_s, u"noise:uniform:4"_s} << kExitUsage
        << QStringList{u"unknown option --id"_s};
    QTest::newRow("usage: unknown option on bench") << QStringList{u"bench"_s, u"--model"_s, helper, u"-x"_s} << kExitUsage
                                                    << QStringList{u"unknown option -x"_s};
    QTest::newRow("usage: unknown option before the command") << QStringList{u"--bogus"_s, u"layers"_s} << kExitUsage
                                                              << QStringList{u"unknown option --bogus"_s};
    QTest::newRow("usage: option given twice") << fitHelper + QStringList{u"--batch"_s, u"8"_s, u"-o"_s, out}
                                               << kExitUsage << QStringList{u"--batch"_s, u"more than once"_s};
    QTest::newRow("usage: -o and --output both") << fitHelper + QStringList{u"-o"_s, out, u"--output"_s, out}
                                                 << kExitUsage << QStringList{u"--output"_s, u"more than once"_s};
    QTest::newRow("usage: flag with a value") << layers(u"helper_method.pt"_s) + QStringList{u"--json=yes"_s}
                                              << kExitUsage << QStringList{u"--json"_s, u"takes no value"_s};
    QTest::newRow("usage: stray argument") << fitHelper + QStringList{u"stray.pt"_s, u"-o"_s, out} << kExitUsage
                                           << QStringList{u"unexpected argument 'stray.pt'"_s};
    QTest::newRow("usage: help of an unknown command") << QStringList{u"help"_s, u"frobnicate"_s} << kExitUsage
                                                       << QStringList{u"unknown command 'frobnicate'"_s};

    // --- bad model files (exit 3): the message names the file and the problem
    QTest::newRow("bad: empty model") << layers(u"empty.pt"_s) << kExitBadInput
                                      << QStringList{u"empty.pt"_s, u"empty"_s};
    QTest::newRow("bad: truncated model") << layers(u"truncated.pt"_s) << kExitBadInput
                                          << QStringList{u"truncated.pt"_s, u"TorchScript"_s};
    QTest::newRow("bad: text file as model") << layers(u"not_a_model.pt"_s) << kExitBadInput
                                             << QStringList{u"not_a_model.pt"_s, u"TorchScript"_s};
    QTest::newRow("bad: nonexistent model") << layers(u"no_such_model.pt"_s) << kExitBadInput
                                            << QStringList{u"no_such_model.pt"_s, u"does not exist"_s};
    QTest::newRow("bad: folder as model") << QStringList{u"layers"_s, u"--model"_s, kTmp} << kExitBadInput
                                          << QStringList{u"folder"_s};
    QTest::newRow("bad: tuple output") << layers(u"tuple_output.pt"_s) << kExitBadInput
                                       << QStringList{u"tuple_output.pt"_s, u"[batch, classes]"_s};
    QTest::newRow("bad: spatial output") << layers(u"spatial_output.pt"_s) << kExitBadInput
                                         << QStringList{u"spatial_output.pt"_s, u"[batch, classes]"_s};
    QTest::newRow("bad: --input 3x28x28 for a 1-channel model")
        << layers(u"helper_method.pt"_s) + QStringList{u"--input"_s, u"3x28x28"_s} << kExitBadInput
        << QStringList{u"helper_method.pt"_s, u"3x28x28"_s};
    QTest::newRow("bad: --input not CxHxW")
        << layers(u"helper_method.pt"_s) + QStringList{u"--input"_s, u"28x28"_s} << kExitBadInput
        << QStringList{u"--input"_s, u"28x28"_s};
    QTest::newRow("bad: no metadata, no --input") << layers(u"no_metadata.pt"_s) << kExitBadInput
                                                  << QStringList{u"no_metadata.pt"_s, u"--input"_s};
    QTest::newRow("bad: fit no_metadata without --layer")
        << QStringList{u"fit"_s, u"--model"_s, kModels + u"/no_metadata.pt"_s,
                       u"--input"_s, u"1x28x28"_s}
               + noiseOut
        << kExitBadInput << QStringList{u"--layer"_s};
    QTest::newRow("bad: unknown device") << layers(u"helper_method.pt"_s) + QStringList{u"--device"_s, u"tpu"_s}
                                         << kExitBadInput << QStringList{u"tpu"_s};

    // --- layers and their parameters (exit 3)
    QTest::newRow("bad: layer does not exist") << fitLayer(u"nosuch"_s) << kExitBadInput
                                               << QStringList{u"'nosuch'"_s, u"does not exist"_s, u"body"_s};
    QTest::newRow("bad: shared module called twice")
        << QStringList{u"fit"_s, u"--model"_s, kModels + u"/resnet18_traced.pt"_s,
                       u"--layer"_s, u"layer1.0.relu"_s}
               + noiseOut
        << kExitBadInput << QStringList{u"layer1.0.relu"_s, u"2 times"_s};
    QTest::newRow("bad: M odd") << fitLayer(u"pool:M=51"_s) << kExitBadInput
                                << QStringList{u"M=51"_s, u"odd"_s};
    QTest::newRow("bad: M=2") << fitLayer(u"pool:M=2"_s) << kExitBadInput
                              << QStringList{u"M=2"_s, u"out of range"_s};
    QTest::newRow("bad: M not a number") << fitLayer(u"pool:M=x"_s) << kExitBadInput << QStringList{u"M=x"_s};
    QTest::newRow("bad: O=0") << fitLayer(u"pool:O=0"_s) << kExitBadInput
                              << QStringList{u"pool"_s, u"O=0"_s};
    QTest::newRow("bad: alpha=-1") << fitLayer(u"pool:alpha=-1"_s) << kExitBadInput
                                   << QStringList{u"pool"_s, u"alpha=-1"_s};
    QTest::newRow("bad: unknown parameter") << fitLayer(u"pool:Q=3"_s) << kExitBadInput << QStringList{u"Q"_s};
    QTest::newRow("bad: NaN activations")
        << QStringList{u"fit"_s, u"--model"_s, kModels + u"/nan_output.pt"_s} + noiseOut
        << kExitBadInput << QStringList{u"NaN"_s, u"avgpool"_s, u"noise:uniform#0"_s};

    // --- data sets (exit 3)
    QTest::newRow("bad: IDX labels magic") << dataAt(kTmp + u"/labelsmagic-images-idx3-ubyte"_s) << kExitBadInput
                                           << QStringList{u"labelsmagic-images-idx3-ubyte"_s, u"0x00000801"_s};
    QTest::newRow("bad: IDX unknown magic") << dataAt(kTmp + u"/badmagic-images-idx3-ubyte"_s) << kExitBadInput
                                            << QStringList{u"badmagic-images-idx3-ubyte"_s, u"0x12345678"_s};
    QTest::newRow("bad: IDX truncated") << dataAt(kTmp + u"/truncated-images-idx3-ubyte"_s) << kExitBadInput
                                        << QStringList{u"truncated-images-idx3-ubyte"_s, u"truncated"_s};
    QTest::newRow("bad: empty folder") << dataAt(kTmp + u"/empty_folder"_s) << kExitBadInput
                                       << QStringList{u"empty_folder"_s, u"no images"_s};
    QTest::newRow("bad: nonexistent data") << dataAt(kTmp + u"/no_such_data"_s) << kExitBadInput
                                           << QStringList{u"no_such_data"_s, u"does not exist"_s};
    QTest::newRow("bad: noise spec") << dataAt(u"noise:pink:4"_s) << kExitBadInput << QStringList{u"pink"_s};
    QTest::newRow("bad: every image corrupt") << dataAt(kTmp + u"/corrupt_images"_s) << kExitBadInput
                                              << QStringList{u"corrupt_images"_s, u"text.png"_s,
                                                             u"half.png"_s};

    // --- profiles (exit 3)
    QTest::newRow("bad: profile of another model") << scoreWith(kProfile, u"backbone_head.pt"_s) << kExitBadInput
                                                   << QStringList{u"another model"_s, u"backbone_head.pt"_s};
    QTest::newRow("bad: truncated profile") << scoreWith(kTmp + u"/truncated.nacprofile"_s, QString()) << kExitBadInput
                                            << QStringList{u"truncated.nacprofile"_s, u"truncated"_s};
    QTest::newRow("bad: random-bytes profile") << scoreWith(kTmp + u"/random.nacprofile"_s, QString()) << kExitBadInput
                                               << QStringList{u"random.nacprofile"_s, u"not a NAC Studio profile"_s};
    QTest::newRow("bad: nonexistent profile") << scoreWith(kTmp + u"/none.nacprofile"_s, QString()) << kExitBadInput
                                              << QStringList{u"none.nacprofile"_s, u"does not exist"_s};
    QTest::newRow("bad: model file as profile") << scoreWith(helper, QString()) << kExitBadInput
                                                << QStringList{u"helper_method.pt"_s, u"not a NAC Studio profile"_s};
    QTest::newRow("bad: score layer not in profile")
        << scoreWith(kProfile, QString()) + QStringList{u"--layer"_s, u"head"_s} << kExitBadInput
        << QStringList{u"'head'"_s, u"pool"_s};
    QTest::newRow("bad: merge of different layer parameters")
        << QStringList{u"merge"_s, u"-o"_s, out, kProfile, kTmp + u"/pool_m4.nacprofile"_s}
        << kExitBadInput << QStringList{u"pool_m4.nacprofile"_s};
    // --- hostile inputs (issue 9, exit 3)
    QTest::newRow("bad: logits width changes on real data")
        << QStringList{u"fit"_s, u"--model"_s, kModels + u"/width_changes.pt"_s} + noiseOut << kExitBadInput
        << QStringList{u"width_changes.pt"_s, u"logits of shape"_s, u", 5]"_s};
    QTest::newRow("bad: deflate-bomb nac.json in the archive") << layers(u"metadata_bomb.pt"_s) << kExitBadInput
                                                               << QStringList{u"metadata_bomb.pt"_s, u"embedded nac.json"_s};
    QTest::newRow("bad: /dev/zero as data") << dataAt(u"/dev/zero"_s) << kExitBadInput
                                            << QStringList{u"/dev/zero"_s, u"not a regular file"_s};
    QTest::newRow("bad: /dev/zero as profile") << scoreWith(u"/dev/zero"_s, QString()) << kExitBadInput
                                               << QStringList{u"/dev/zero"_s, u"not a regular file"_s};
    QTest::newRow("bad: profile of another model, not run")
        << scoreWith(kProfile, u"never_returns.pt"_s) << kExitBadInput
        << QStringList{u"another model"_s, u"never_returns.pt"_s, u"not loaded"_s};
    QTest::newRow("usage: --samples 1.5") << QStringList{u"fit"_s, u"--model"_s, helper, u"--data"_s, u"noise:uniform:8"_s,
                                                         u"--samples"_s, u"1.5"_s, u"-o"_s, out}
                                          << kExitUsage << QStringList{u"--samples"_s, u"1.5"_s};
    QTest::newRow("bad: write into a missing folder")
        << QStringList{u"score"_s, u"--profile"_s, kProfile, u"--data"_s, u"noise:uniform:4"_s, u"-o"_s, kTmp + u"/no/such/dir/x.csv"_s}
        << kExitBadInput << QStringList{u"no/such/dir/x.csv"_s};
}

void TestCli::exitCodes()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QStringList, messageParts);

    const QString outputs[] = {tmp(u"exit_codes_out.nacprofile"_s), tmp(u"exit_codes_out.csv"_s)};
    for (const QString& output : outputs)
        QFile::remove(output);

    const NacRun run = runNac(arguments);
    QVERIFY2(run.finished && !run.crashed, qPrintable(run.describe()));
    QVERIFY2(run.exitCode == exitCode, qPrintable(run.describe()));
    for (QString part : messageParts) {
        part.replace(kTmp, m_tmp.path());
        QVERIFY2(run.err.contains(part), qPrintable(u"stderr lacks '%1'\n"_s.arg(part) + run.describe()));
    }
    if (exitCode == kExitUsage)
        QVERIFY2(run.err.contains(u"nac --help"_s) || run.out.contains(u"usage:"_s), qPrintable(run.describe()));
    if (exitCode == kExitBadInput) {
        QVERIFY2(run.err.startsWith(u"nac: "_s) || run.err.contains(u"\nnac: "_s), qPrintable(run.describe()));
        QVERIFY2(!run.err.contains(u"internal error"_s), qPrintable(run.describe()));
    }
    if (exitCode != kExitOk) {
        // A failed command writes nothing, not even a partial file.
        for (const QString& output : outputs) {
            QVERIFY2(!QFileInfo::exists(output), qPrintable(output + u" was written\n"_s + run.describe()));
            const QStringList temporaries = QDir(m_tmp.path()).entryList({QFileInfo(output).fileName() + u".tmp*"_s});
            QVERIFY2(temporaries.isEmpty(), qPrintable(temporaries.join(u' ') + u" was left\n"_s + run.describe()));
        }
    }
}

void TestCli::help()
{
    const NacRun run = runNac({u"--help"_s});
    QCOMPARE(run.exitCode, kExitOk);
    for (const char* command : {"layers", "fit", "score", "eval", "merge", "me", "exit codes"})
        QVERIFY2(run.out.contains(QLatin1String(command)), command);
    QVERIFY(run.err.isEmpty());
}

// `nac CMD --help` (and -h, and `nac help CMD`) for every command: exit 0, the summary, the usage
// lines, and one described line per option that the command accepts.
void TestCli::commandHelp_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QStringList>("options");
    const QStringList model{u"--model"_s, u"--device"_s, u"--input"_s, u"--mean"_s, u"--std"_s, u"--threads"_s,
                            u"--batch"_s, u"--workers"_s, u"--graph"_s, u"--memory-format"_s, u"--quiet"_s};
    QTest::newRow("layers") << u"layers"_s << model + QStringList{u"--json"_s};
    QTest::newRow("fit") << u"fit"_s
                         << model + QStringList{u"--data"_s, u"--layer"_s, u"--samples"_s, u"--seed"_s, u"--holdout"_s,
                                                u"--holdout-data"_s, u"--cache"_s, u"--shard"_s, u"-o, --output"_s};
    QTest::newRow("score") << u"score"_s << model + QStringList{u"--profile"_s, u"--data"_s, u"--layer"_s, u"--shard"_s,
                                                                u"-o, --output"_s};
    QTest::newRow("eval") << u"eval"_s
                          << model + QStringList{u"--profile"_s, u"--id"_s, u"--ood"_s, u"--layer"_s, u"--layers"_s, u"--json"_s};
    QTest::newRow("merge") << u"merge"_s << QStringList{u"-o, --output"_s, u"--quiet"_s, u"PROFILES"_s};
    QTest::newRow("me") << u"me"_s
                        << QStringList{u"--device"_s, u"--data"_s, u"--layer"_s, u"--samples"_s, u"--seed"_s,
                                       u"--all-samples"_s, u"--json"_s, u"CHECKPOINTS"_s};
    QTest::newRow("tune") << u"tune"_s
                          << model + QStringList{u"--profile"_s, u"--id-val"_s, u"--ood-val"_s, u"--grid"_s, u"-o, --output"_s,
                                                 u"--write-model"_s, u"--json"_s};
    QTest::newRow("bench") << u"bench"_s
                           << model + QStringList{u"--data"_s, u"--layer"_s, u"--samples"_s, u"--image"_s, u"--rounds"_s,
                                                  u"--rebin-sizes"_s, u"--find-max-batch"_s, u"--json"_s};
}

void TestCli::commandHelp()
{
    QFETCH(QString, command);
    QFETCH(QStringList, options);
    const NacRun run = runNac({command, u"--help"_s});
    QVERIFY2(run.exitCode == kExitOk && run.err.isEmpty(), qPrintable(run.describe()));
    QVERIFY2(run.out.startsWith(u"nac %1: "_s.arg(command)), qPrintable(run.describe()));
    QVERIFY2(run.out.contains(u"\nusage:\n  nac %1 "_s.arg(command)), qPrintable(run.describe()));
    QVERIFY2(run.out.contains(u"\noptions:\n"_s), qPrintable(run.describe()));
    QVERIFY2(run.out.contains(u"exit codes:"_s), qPrintable(run.describe()));
    const QString optionsBlock = run.out.section(u"\noptions:\n"_s, 1).section(u"\n\n"_s, 0, 0);
    for (const QString& option : options) {
        // "  --data D      the in-distribution training images": the option, then words describing it.
        const QRegularExpression described(u"^  %1(\\.\\.\\.)?( \\S+)?\\s+\\w.{8,}"_s.arg(QRegularExpression::escape(option)),
                                           QRegularExpression::MultilineOption);
        QVERIFY2(described.match(optionsBlock).hasMatch(), qPrintable(u"no described line for "_s + option + u"\n"_s + run.out));
    }
    // me takes its checkpoints as arguments, not --model.
    if (command == u"me"_s)
        QVERIFY2(!optionsBlock.contains(u"--model"_s), qPrintable(run.out));

    // The same text from -h anywhere on the line and from `nac help CMD`.
    const NacRun shortFlag = runNac({command, u"--quiet"_s, u"-h"_s});
    QCOMPARE(shortFlag.exitCode, kExitOk);
    QCOMPARE(shortFlag.out, run.out);
    const NacRun helpCommand = runNac({u"help"_s, command});
    QCOMPARE(helpCommand.exitCode, kExitOk);
    QCOMPARE(helpCommand.out, run.out);
}

void TestCli::version()
{
    for (const QString& flag : {u"--version"_s, u"-V"_s}) {
        const NacRun run = runNac({flag});
        QVERIFY2(run.exitCode == kExitOk && run.err.isEmpty(), qPrintable(run.describe()));
        QVERIFY2(QRegularExpression(u"^nac \\d+\\.\\d+\\.\\d+\\n$"_s).match(run.out).hasMatch(), qPrintable(run.describe()));
    }
}

void TestCli::layersText_data()
{
    QTest::addColumn<QString>("modelFile");
    QTest::addColumn<QString>("header");
    QTest::addColumn<QStringList>("paths");

    QTest::newRow("helper_method") << u"helper_method.pt"_s << u"10 classes, input 1x28x28"_s
                                   << QStringList{u"body"_s, u"body.0"_s, u"body.3"_s,
                                                  u"pool"_s, u"head"_s};
    QTest::newRow("backbone_head") << u"backbone_head.pt"_s << u"10 classes, input 1x28x28"_s
                                   << QStringList{u"backbone.stage1"_s, u"backbone.stage2.0"_s,
                                                  u"backbone.avgpool"_s, u"head"_s};
    QTest::newRow("tiny_fixed") << u"tiny_fixed.pt"_s << u"4 classes, input 1x4x4"_s
                                << QStringList{u"conv"_s, u"relu"_s, u"avgpool"_s, u"fc"_s};
    QTest::newRow("resnet18_scripted") << u"resnet18_scripted.pt"_s << u"10 classes, input 3x32x32"_s
                                       << QStringList{u"layer1.0.conv1"_s, u"layer4"_s, u"avgpool"_s,
                                                      u"fc"_s};
}

void TestCli::layersText()
{
    QFETCH(QString, modelFile);
    QFETCH(QString, header);
    QFETCH(QStringList, paths);

    const NacRun run = runNac({u"layers"_s, u"--model"_s, model(modelFile)});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    const QStringList lines = run.out.split(QLatin1Char('\n'));
    QVERIFY2(lines.value(0).contains(header), qPrintable(run.describe()));
    for (const QString& path : paths) {
        // Each module on its own line, indented by depth, its path first.
        const QRegularExpression line(u"^\\s*%1\\s"_s.arg(QRegularExpression::escape(path)),
                                      QRegularExpression::MultilineOption);
        QVERIFY2(line.match(run.out).hasMatch(), qPrintable(u"no line for %1\n"_s.arg(path) + run.describe()));
    }
}

void TestCli::layersJson()
{
    const NacRun run = runNac({u"layers"_s, u"--model"_s, model(u"helper_method.pt"_s),
                               u"--json"_s});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(run.out.toUtf8(), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString() + QLatin1Char('\n') + run.out));
    const QJsonObject root = doc.object();
    QCOMPARE(root.value(u"classes"_s).toInt(), 10);
    QCOMPARE(root.value(u"input"_s).toArray(), (QJsonArray{1, 28, 28}));
    QCOMPARE(root.value(u"sha256"_s).toString().size(), 64);

    QMap<QString, QJsonObject> modules;
    for (const QJsonValue& value : root.value(u"modules"_s).toArray())
        modules.insert(value.toObject().value(u"path"_s).toString(), value.toObject());
    for (const char* path : {"body", "body.0", "body.3", "pool", "head"})
        QVERIFY2(modules.contains(QLatin1String(path)), path);
    // pool outputs [B, 32, 1, 1]: 32 neurons; head's [B, 10] outputs are 10 neurons.
    QCOMPARE(modules.value(u"pool"_s).value(u"neurons"_s).toInt(), 32);
    QVERIFY(modules.value(u"pool"_s).value(u"tappable"_s).toBool());
    QCOMPARE(modules.value(u"body.0"_s).value(u"depth"_s).toInt(), 2);
    QCOMPARE(modules.value(u"body.0"_s).value(u"type"_s).toString().isEmpty(), false);
}

void TestCli::fitWritesProfile()
{
    // initTestCase fitted profile A; its report names the data, layers and output.
    const QString output = tmp(u"fit_report.nacprofile"_s);
    const NacRun run = runNac({u"fit"_s, u"--model"_s, model(u"helper_method.pt"_s),
                               u"--data"_s, u"noise:uniform:40"_s, u"--samples"_s,
                               u"all"_s, u"--batch"_s, u"16"_s, u"-o"_s, output});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    QVERIFY(run.err.contains(u"fitted 40 images"_s));
    for (const char* layer : {" pool(", " body.3(", " body("})
        QVERIFY2(run.err.contains(QLatin1String(layer)), qPrintable(run.describe()));
    QVERIFY(run.err.contains(u"wrote "_s + output));
    QVERIFY(QFileInfo(output).size() > 0);
    QVERIFY2(QDir(m_tmp.path()).entryList({QFileInfo(output).fileName() + u".tmp*"_s}).isEmpty(),
             "a temporary file was left behind");
}

// The same model, data and seed give the same profile file, however many workers compute it.
void TestCli::fitIsDeterministic_data()
{
    QTest::addColumn<QString>("graph");
    QTest::addColumn<QString>("workers");
    QTest::newRow("plain graph, 2 workers") << u"plain"_s << u"2"_s;
    QTest::newRow("frozen graph, 2 workers") << u"frozen"_s << u"2"_s;
}

void TestCli::fitIsDeterministic()
{
    QFETCH(QString, graph);
    QFETCH(QString, workers);
    // Small batches, so batches run concurrently from the first one on; a race shows in some runs only.
    constexpr int kRuns = 3;
    const QStringList options{u"--batch"_s, u"4"_s, u"--graph"_s, graph};
    const QString reference = tmp(u"deterministic_%1_reference.nacprofile"_s.arg(graph));
    fitHelper(u"noise:uniform:40"_s, reference, options + QStringList{u"--workers"_s, u"1"_s});
    if (QTest::currentTestFailed())
        return;
    int differing = 0;
    for (int run = 0; run < kRuns; ++run) {
        const QString output = tmp(u"deterministic_%1_%2.nacprofile"_s.arg(graph).arg(run));
        fitHelper(u"noise:uniform:40"_s, output, options + QStringList{u"--workers"_s, workers});
        if (QTest::currentTestFailed())
            return;
        differing += readFile(output) == readFile(reference) ? 0 : 1;
    }
    QVERIFY2(differing == 0, qPrintable(QStringLiteral("%1 of %2 runs with --graph %3 --workers %4 wrote a profile that differs "
                                                       "from the --workers 1 one")
                                            .arg(differing).arg(kRuns).arg(graph, workers)));
}

// Frozen graphs (BatchNorm folded; helper_method has none), channels-last memory and the
// automatic batch size are the same computation: no layer's scores may change.
void TestCli::graphModesAgree_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::newRow("frozen graph") << QStringList{u"--graph"_s, u"frozen"_s};
    QTest::newRow("channels-last") << QStringList{u"--memory-format"_s, u"channels-last"_s};
    QTest::newRow("automatic batch, 2 workers") << QStringList{u"--batch"_s, u"auto"_s, u"--workers"_s, u"2"_s};
}

void TestCli::graphModesAgree()
{
    QFETCH(QStringList, options);
    const QStringList variants[2] = {{u"--graph"_s, u"plain"_s, u"--memory-format"_s, u"contiguous"_s}, options};
    QList<QStringList> tables[2];
    for (int m = 0; m < 2; ++m) {
        // Several batches: a difference that starts after the first call of a graph shows too.
        const QString name = variants[m].join(u'_').remove(u'-');
        const QString profile = tmp(u"graph_%1.nacprofile"_s.arg(name));
        const bool ownBatch = variants[m].contains(u"--batch"_s);
        fitHelper(u"noise:uniform:24"_s, profile,
                  (ownBatch ? QStringList{} : QStringList{u"--batch"_s, u"8"_s, u"--workers"_s, u"1"_s}) + variants[m]);
        if (QTest::currentTestFailed())
            return;
        const QString csv = tmp(u"graph_%1.csv"_s.arg(name));
        const NacRun run = runNac(QStringList{u"score"_s, u"--profile"_s, profile, u"--data"_s, u"noise:gaussian:16:seed=5"_s,
                                              u"-o"_s, csv}
                                  + (ownBatch ? QStringList{} : QStringList{u"--batch"_s, u"4"_s, u"--workers"_s, u"1"_s})
                                  + variants[m]);
        QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
        tables[m] = readCsv(csv);
    }
    QCOMPARE(tables[0].size(), 17);
    QCOMPARE(tables[1].size(), tables[0].size());
    const QStringList& header = tables[0][0];
    // Layer columns first (score_<layer>, msp, ...), then the total, so a failure names the layer.
    QList<int> columns;
    for (int column = 5; column < header.size(); ++column)
        columns << column;
    columns << 4;
    for (int row = 1; row < tables[0].size(); ++row) {
        for (int column : columns) {
            const double plain = tables[0][row][column].toDouble();
            const double other = tables[1][row][column].toDouble();
            QVERIFY2(std::abs(plain - other) <= kScoreTolerance,
                     qPrintable(u"%1 of image %2: plain contiguous %3, %4 %5"_s
                                    .arg(header[column]).arg(row - 1).arg(plain).arg(options.join(u' ')).arg(other)));
        }
    }
}

void TestCli::scoreCsv()
{
    constexpr int kImages = 12;
    const QString output = tmp(u"scores.csv"_s);
    const NacRun run = runNac({u"score"_s, u"--profile"_s, m_profileA, u"--data"_s,
                               u"noise:gaussian:%1"_s.arg(kImages), u"--batch"_s, u"5"_s,
                               u"-o"_s, output});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    QVERIFY2(run.err.contains(u"scored %1 images"_s.arg(kImages)), qPrintable(run.describe()));

    const QList<QStringList> rows = readCsv(output);
    QCOMPARE(rows.size(), kImages + 1);
    const QStringList header{u"index"_s,      u"source"_s,       u"label"_s,
                             u"predicted"_s,  u"score"_s,        u"score_pool"_s,
                             u"score_body.3"_s, u"score_body"_s, u"msp"_s,
                             u"maxlogit"_s,   u"energy"_s};
    QCOMPARE(rows[0], header);
    for (int i = 0; i < kImages; ++i) {
        const QStringList& row = rows[i + 1];
        QCOMPARE(row.size(), header.size());
        QCOMPARE(row[0], QString::number(i));  // data-set order
        QCOMPARE(row[1], u"noise:gaussian#%1"_s.arg(i));
        QCOMPARE(row[2], QString());  // noise has no labels
        bool ok = false;
        const int predicted = row[3].toInt(&ok);
        QVERIFY(ok && predicted >= 0 && predicted < 10);
        double layerSum = 0.0;
        for (int column = 4; column < row.size(); ++column) {
            const double value = row[column].toDouble(&ok);
            QVERIFY2(ok && std::isfinite(value), qPrintable(row.join(QLatin1Char(','))));
            if (column >= 5 && column <= 7) {
                QVERIFY(value >= 0.0 && value <= 1.0);  // mean of Phi in [0, 1]
                layerSum += value;
            }
        }
        // The total is the equal-weight mean of the layer scores.
        QVERIFY(std::abs(row[4].toDouble() - layerSum / 3.0) < kScoreTolerance);
        const double msp = row[8].toDouble();
        QVERIFY(msp >= 0.1 - kScoreTolerance && msp <= 1.0);  // max softmax of 10 classes
    }
}

void TestCli::eval()
{
    const QString jsonPath = tmp(u"eval.json"_s);
    const NacRun run = runNac({u"eval"_s, u"--profile"_s, m_profileA, u"--id"_s,
                               u"noise:uniform:40"_s, u"--ood"_s, u"gauss=noise:gaussian:40"_s,
                               u"--batch"_s, u"16"_s, u"--json"_s, jsonPath});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    QVERIFY2(run.out.contains(u"AUROC"_s) && run.out.contains(u"FPR@95"_s), qPrintable(run.describe()));
    for (const char* method : {"NAC-UE", "MSP", "MaxLogit", "Energy"}) {
        const QRegularExpression row(u"^gauss\\s+%1\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+$"_s.arg(QLatin1String(method)),
                                     QRegularExpression::MultilineOption);
        QVERIFY2(row.match(run.out).hasMatch(), qPrintable(u"no row for %1\n"_s.arg(QLatin1String(method)) + run.describe()));
    }
    QVERIFY(run.out.contains(u"InD: noise:uniform:40"_s));
    QVERIFY(run.out.contains(u"(40 images)"_s));

    QJsonParseError error;
    const QJsonObject report = QJsonDocument::fromJson(readFile(jsonPath), &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    const QJsonArray sets = report.value(u"ood"_s).toArray();
    QCOMPARE(sets.size(), 1);
    const QJsonObject gauss = sets[0].toObject();
    QCOMPARE(gauss.value(u"name"_s).toString(), u"gauss"_s);
    QCOMPARE(gauss.value(u"count"_s).toInt(), 40);
    const QJsonObject nacUe = gauss.value(u"NAC-UE"_s).toObject();
    for (const char* key : {"auroc", "fpr95", "aupr_in", "aupr_out"}) {
        const double value = nacUe.value(QLatin1String(key)).toDouble(-1.0);
        QVERIFY2(value >= 0.0 && value <= 1.0, key);
    }
    // The InD data are the fit data, so NAC-UE separates them from gaussian noise well.
    QVERIFY2(nacUe.value(u"auroc"_s).toDouble() > 0.5, qPrintable(run.out));
    QVERIFY(report.value(u"average"_s).toObject().contains(u"NAC-UE"_s));
}

void TestCli::mergeCountsSamples()
{
    const QString merged = tmp(u"merged_ab.nacprofile"_s);
    const NacRun run = runNac({u"merge"_s, u"-o"_s, merged, m_profileA, m_profileB});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    QVERIFY2(run.err.contains(u"merged 2 profiles (80 fit images)"_s), qPrintable(run.describe()));

    const QString csv = tmp(u"merged_ab.csv"_s);
    const NacRun score = runNac({u"score"_s, u"--profile"_s, merged, u"--data"_s,
                                 u"noise:uniform:4"_s, u"-o"_s, csv});
    QVERIFY2(score.exitCode == kExitOk, qPrintable(score.describe()));
    QCOMPARE(readCsv(csv).size(), 5);

    // Merging refuses a profile of another model, naming the offending file.
    const QString other = tmp(u"tiny.nacprofile"_s);
    const NacRun fitOther = runNac({u"fit"_s, u"--model"_s, model(u"tiny_fixed.pt"_s),
                                    u"--data"_s, u"noise:uniform:8"_s, u"-o"_s, other});
    QVERIFY2(fitOther.exitCode == kExitOk, qPrintable(fitOther.describe()));
    const NacRun refused = runNac({u"merge"_s, u"-o"_s, tmp(u"refused.nacprofile"_s), m_profileA, other});
    QVERIFY2(refused.exitCode == kExitBadInput, qPrintable(refused.describe()));
    QVERIFY2(refused.err.contains(other) && refused.err.contains(u"different models"_s), qPrintable(refused.describe()));
    QVERIFY(!QFileInfo::exists(tmp(u"refused.nacprofile"_s)));
}

// A profile merged from shards equals one fitted on their union (same batches: 4 divides both shards).
void TestCli::mergeEqualsUnionFit_data()
{
    QTest::addColumn<QString>("graph");
    QTest::newRow("plain graph") << u"plain"_s;
    QTest::newRow("frozen graph (default)") << u"frozen"_s;
}

void TestCli::mergeEqualsUnionFit()
{
    QFETCH(QString, graph);
    constexpr quint32 kGrayImagesMagic = 0x00000803;
    constexpr int kShard = 20;
    const QByteArray all = idxImages(kGrayImagesMagic, 2 * kShard, 42);
    constexpr int kHeaderBytes = 16;
    constexpr int kImageBytes = kImageSide * kImageSide;
    const QByteArray pixels = all.mid(kHeaderBytes);
    const QByteArray shardHeader = bigEndian32(kGrayImagesMagic) + bigEndian32(kShard) + bigEndian32(kImageSide) + bigEndian32(kImageSide);
    QVERIFY(writeFile(tmp(u"union-images-idx3-ubyte"_s), all));
    QVERIFY(writeFile(tmp(u"shard1-images-idx3-ubyte"_s), shardHeader + pixels.left(kShard * kImageBytes)));
    QVERIFY(writeFile(tmp(u"shard2-images-idx3-ubyte"_s), shardHeader + pixels.mid(kShard * kImageBytes)));

    // One worker: the race between concurrent batches has its own test (fitIsDeterministic).
    const QStringList batch{u"--batch"_s, u"4"_s, u"--workers"_s, u"1"_s,
                            u"--graph"_s, graph};
    fitHelper(tmp(u"shard1-images-idx3-ubyte"_s), tmp(u"shard1.nacprofile"_s), batch);
    if (QTest::currentTestFailed())
        return;
    fitHelper(tmp(u"shard2-images-idx3-ubyte"_s), tmp(u"shard2.nacprofile"_s), batch);
    if (QTest::currentTestFailed())
        return;
    fitHelper(tmp(u"union-images-idx3-ubyte"_s), tmp(u"union.nacprofile"_s), batch);
    if (QTest::currentTestFailed())
        return;
    const NacRun merge = runNac({u"merge"_s, u"-o"_s, tmp(u"shards.nacprofile"_s),
                                 tmp(u"shard1.nacprofile"_s), tmp(u"shard2.nacprofile"_s)});
    QVERIFY2(merge.exitCode == kExitOk, qPrintable(merge.describe()));
    QVERIFY2(merge.err.contains(u"(40 fit images)"_s), qPrintable(merge.describe()));

    QList<QStringList> tables[2];
    const QString profiles[2] = {tmp(u"shards.nacprofile"_s), tmp(u"union.nacprofile"_s)};
    for (int p = 0; p < 2; ++p) {
        const QString csv = tmp(u"union_%1.csv"_s.arg(p));
        const NacRun run = runNac({u"score"_s, u"--profile"_s, profiles[p], u"--data"_s,
                                   u"noise:uniform:16:seed=9"_s, u"--workers"_s, u"1"_s,
                                   u"--graph"_s, graph, u"-o"_s, csv});
        QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
        tables[p] = readCsv(csv);
    }
    QCOMPARE(tables[0].size(), 17);
    QCOMPARE(tables[0][0], tables[1][0]);
    bool anyNonZero = false;
    for (int row = 1; row < tables[0].size(); ++row) {
        QCOMPARE(tables[0][row].size(), tables[1][row].size());
        for (int column = 4; column < tables[0][row].size(); ++column) {
            const double merged = tables[0][row][column].toDouble();
            const double unioned = tables[1][row][column].toDouble();
            QVERIFY2(std::abs(merged - unioned) <= kScoreTolerance,
                     qPrintable(u"row %1 column %2: merged %3, union %4"_s.arg(row).arg(column).arg(merged).arg(unioned)));
            anyNonZero = anyNonZero || (column == 4 && merged > 0.0);
        }
    }
    QVERIFY2(anyNonZero, "every NAC score is 0: the comparison would not notice a wrong merge");
}

void TestCli::nacMe()
{
    // Two checkpoints (copies of one model, so their G must be equal) under names of their own.
    const QString m1 = tmp(u"m1.pt"_s);
    const QString m2 = tmp(u"m2.pt"_s);
    QVERIFY(QFile::copy(model(u"helper_method.pt"_s), m1) || QFileInfo::exists(m1));
    QVERIFY(QFile::copy(model(u"helper_method.pt"_s), m2) || QFileInfo::exists(m2));
    const QStringList common{u"me"_s, u"--data"_s, u"noise:uniform:40"_s, u"--layer"_s,
                             u"pool"_s, u"--batch"_s, u"16"_s};

    const NacRun run = runNac(common + QStringList{u"--all-samples"_s, m1, m2});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    QVERIFY2(run.out.contains(u"checkpoint"_s) && run.out.contains(u"G"_s), qPrintable(run.describe()));
    double coverage[2] = {-1.0, -1.0};
    const QString paths[2] = {m1, m2};
    for (int i = 0; i < 2; ++i) {
        // "<path>   <G>   -   40": no labels, so no accuracy; every sample used.
        const QRegularExpression row(u"^%1\\s+([0-9.]+)\\s+-\\s+40\\s*$"_s.arg(QRegularExpression::escape(paths[i])),
                                     QRegularExpression::MultilineOption);
        const QRegularExpressionMatch match = row.match(run.out);
        QVERIFY2(match.hasMatch(), qPrintable(u"no row for %1\n"_s.arg(paths[i]) + run.describe()));
        coverage[i] = match.captured(1).toDouble();
        QVERIFY(coverage[i] > 0.0 && coverage[i] <= 1.0);
    }
    QCOMPARE(coverage[0], coverage[1]);
    QVERIFY2(!run.out.contains(u"Spearman"_s), "a rank correlation needs accuracies");

    // Without --all-samples NAC-ME uses correctly classified samples only; noise has no labels.
    const NacRun unlabelled = runNac(common + QStringList{m1});
    QVERIFY2(unlabelled.exitCode == kExitBadInput, qPrintable(unlabelled.describe()));
    QVERIFY2(unlabelled.err.contains(u"label"_s), qPrintable(unlabelled.describe()));
}

void TestCli::corruptImageSkipped()
{
    const QString csv = tmp(u"mixed.csv"_s);
    const NacRun run = runNac({u"score"_s, u"--profile"_s, m_profileA, u"--data"_s,
                               tmp(u"mixed_images"_s), u"-o"_s, csv});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    QVERIFY2(run.err.contains(u"warning:"_s) && run.err.contains(tmp(u"mixed_images/b_corrupt.png"_s)),
             qPrintable(run.describe()));
    QCOMPARE(run.err.count(u"warning:"_s), 1);

    // Rows keep their data-set indices (files sorted by name); the corrupt file's index 1 is absent.
    const QList<QStringList> rows = readCsv(csv);
    QCOMPARE(rows.size(), 4);
    const QStringList files{u"a.png"_s, u"c.png"_s, u"d.png"_s};
    const QStringList indices{u"0"_s, u"2"_s, u"3"_s};
    for (int i = 0; i < files.size(); ++i) {
        QCOMPARE(rows[i + 1][0], indices[i]);
        QCOMPARE(rows[i + 1][1], tmp(u"mixed_images/"_s + files[i]));
    }
}

// A profile remembers the preprocessing of its fit: scoring without repeating it gives the same
// numbers as repeating it, and options that say otherwise are refused.
void TestCli::profileCarriesPreprocessing()
{
    const QString data = tmp(u"good-images-idx3-ubyte"_s);
    const QString profile = tmp(u"mean05.nacprofile"_s);
    fitHelper(data, profile, {u"--mean"_s, u"0.5"_s, u"--std"_s, u"0.5"_s});
    const QString plain = tmp(u"mean05_plain.csv"_s);
    const QString repeated = tmp(u"mean05_repeated.csv"_s);
    const NacRun scorePlain = runNac({u"score"_s, u"--profile"_s, profile, u"--data"_s, data, u"-o"_s, plain});
    QVERIFY2(scorePlain.exitCode == kExitOk, qPrintable(scorePlain.describe()));
    const NacRun scoreRepeated = runNac({u"score"_s, u"--profile"_s, profile, u"--data"_s, data, u"--mean"_s, u"0.5"_s,
                                         u"--std"_s, u"0.5"_s, u"-o"_s, repeated});
    QVERIFY2(scoreRepeated.exitCode == kExitOk, qPrintable(scoreRepeated.describe()));
    QCOMPARE(readFile(plain), readFile(repeated));
    // The metadata's own normalisation would give other scores: the profile's was used.
    const QString metadataFit = tmp(u"metadata_norm.nacprofile"_s);
    fitHelper(data, metadataFit);
    const QString metadataCsv = tmp(u"metadata_norm.csv"_s);
    QCOMPARE(runNac({u"score"_s, u"--profile"_s, metadataFit, u"--data"_s, data, u"-o"_s, metadataCsv}).exitCode, kExitOk);
    QVERIFY(readFile(metadataCsv) != readFile(plain));

    const NacRun conflict = runNac({u"score"_s, u"--profile"_s, profile, u"--data"_s, data, u"--mean"_s, u"0.3"_s,
                                    u"-o"_s, tmp(u"conflict.csv"_s)});
    QVERIFY2(conflict.exitCode == kExitBadInput, qPrintable(conflict.describe()));
    QVERIFY2(conflict.err.contains(u"conflict"_s) && conflict.err.contains(u"mean 0.5"_s) && conflict.err.contains(u"mean 0.3"_s),
             qPrintable(conflict.describe()));
    QVERIFY(!QFileInfo::exists(tmp(u"conflict.csv"_s)));
    for (const QString& command : {u"eval"_s, u"tune"_s}) {
        QStringList arguments{command, u"--profile"_s, profile, u"--std"_s, u"0.9"_s};
        arguments += command == u"eval"_s
            ? QStringList{u"--id"_s, data, u"--ood"_s, u"n=noise:uniform:4"_s}
            : QStringList{u"--id-val"_s, data, u"--ood-val"_s, u"noise:uniform:4"_s, u"--grid"_s, u"pool:O=1/2"_s};
        const NacRun refused = runNac(arguments);
        QVERIFY2(refused.exitCode == kExitBadInput && refused.err.contains(u"conflict"_s), qPrintable(refused.describe()));
    }

    // A model without metadata: the input given at fit time is enough to score later.
    const QString noMeta = tmp(u"no_metadata.nacprofile"_s);
    const NacRun fit = runNac({u"fit"_s, u"--model"_s, model(u"no_metadata.pt"_s), u"--input"_s, u"1x28x28"_s, u"--mean"_s,
                               u"0.2"_s, u"--layer"_s, u"avgpool"_s, u"--data"_s, data, u"--samples"_s, u"all"_s, u"-o"_s, noMeta});
    QVERIFY2(fit.exitCode == kExitOk, qPrintable(fit.describe()));
    const NacRun score = runNac({u"score"_s, u"--profile"_s, noMeta, u"--data"_s, data, u"-o"_s, tmp(u"no_metadata.csv"_s)});
    QVERIFY2(score.exitCode == kExitOk, qPrintable(score.describe()));
    QCOMPARE(readCsv(tmp(u"no_metadata.csv"_s)).size(), 9);

    // tune --write-model writes the fitted preprocessing into the model's nac.json.
    const QString tunedModel = tmp(u"tuned_mean05.pt"_s);
    const NacRun tune = runNac({u"tune"_s, u"--profile"_s, profile, u"--id-val"_s, data, u"--ood-val"_s, u"noise:uniform:8"_s,
                                u"--grid"_s, u"pool:O=1/2"_s, u"--write-model"_s, tunedModel});
    QVERIFY2(tune.exitCode == kExitOk, qPrintable(tune.describe()));
    const NacRun layers = runNac({u"layers"_s, u"--model"_s, tunedModel, u"--json"_s});
    QVERIFY2(layers.exitCode == kExitOk, qPrintable(layers.describe()));
    const QString refit = tmp(u"tuned_refit.nacprofile"_s);
    const NacRun fitTuned = runNac({u"fit"_s, u"--model"_s, tunedModel, u"--data"_s, data, u"--samples"_s, u"all"_s,
                                    u"--batch"_s, u"16"_s, u"-o"_s, refit});
    QVERIFY2(fitTuned.exitCode == kExitOk, qPrintable(fitTuned.describe()));
    // Its metadata now says mean 0.5: scoring the refit with --mean 0.5 agrees, 0.2860 conflicts.
    QCOMPARE(runNac({u"score"_s, u"--profile"_s, refit, u"--data"_s, data, u"--mean"_s, u"0.5"_s, u"-o"_s,
                     tmp(u"tuned.csv"_s)}).exitCode, kExitOk);
    QCOMPARE(runNac({u"score"_s, u"--profile"_s, refit, u"--data"_s, data, u"--mean"_s, u"0.286"_s, u"-o"_s,
                     tmp(u"tuned.csv"_s)}).exitCode, kExitBadInput);
}

void TestCli::mergeRefusesSharedImages()
{
    const NacRun self = runNac({u"merge"_s, u"-o"_s, tmp(u"self.nacprofile"_s), m_profileA, m_profileA});
    QVERIFY2(self.exitCode == kExitBadInput, qPrintable(self.describe()));
    QVERIFY2(self.err.contains(u"share images"_s) && self.err.contains(u"40 images"_s), qPrintable(self.describe()));
    QVERIFY(!QFileInfo::exists(tmp(u"self.nacprofile"_s)));

    // Overlapping ranges of one file (named two ways) are refused; disjoint ones merge.
    const QString data = tmp(u"good-images-idx3-ubyte"_s);
    const QString viaDot = m_tmp.path() + u"/./good-images-idx3-ubyte"_s;
    fitHelper(data + u"@0-4"_s, tmp(u"r0-4.nacprofile"_s));
    fitHelper(viaDot + u"@3-7"_s, tmp(u"r3-7.nacprofile"_s));
    fitHelper(viaDot + u"@5-7"_s, tmp(u"r5-7.nacprofile"_s));
    const NacRun overlap = runNac({u"merge"_s, u"-o"_s, tmp(u"overlap.nacprofile"_s), tmp(u"r0-4.nacprofile"_s),
                                   tmp(u"r3-7.nacprofile"_s)});
    QVERIFY2(overlap.exitCode == kExitBadInput, qPrintable(overlap.describe()));
    QVERIFY2(overlap.err.contains(u"2 images"_s) && overlap.err.contains(u"good-images-idx3-ubyte#3"_s), qPrintable(overlap.describe()));
    const NacRun disjoint = runNac({u"merge"_s, u"-o"_s, tmp(u"disjoint.nacprofile"_s), tmp(u"r0-4.nacprofile"_s),
                                    tmp(u"r5-7.nacprofile"_s)});
    QVERIFY2(disjoint.exitCode == kExitOk && disjoint.err.contains(u"8 fit images"_s), qPrintable(disjoint.describe()));
}

void TestCli::trainingModeRefused()
{
    for (const QString& file : {u"train_dropout_traced.pt"_s, u"train_batchnorm_traced.pt"_s}) {
        const NacRun run = runNac({u"layers"_s, u"--model"_s, model(file)});
        QVERIFY2(run.exitCode == kExitBadInput, qPrintable(run.describe()));
        QVERIFY2(run.err.contains(u"training mode"_s) && run.err.contains(u"model.eval()"_s), qPrintable(run.describe()));
    }
    const NacRun fit = runNac({u"fit"_s, u"--model"_s, model(u"batch_statistics.pt"_s), u"--data"_s, u"noise:uniform:8"_s,
                               u"-o"_s, tmp(u"batch_statistics.nacprofile"_s)});
    QVERIFY2(fit.exitCode == kExitBadInput && fit.err.contains(u"training mode"_s), qPrintable(fit.describe()));
    QVERIFY(!QFileInfo::exists(tmp(u"batch_statistics.nacprofile"_s)));
}

// Image-folder labels follow the model's class names, not the sorted folder names.
void TestCli::classFoldersFollowModelClasses()
{
    QDir dir(m_tmp.path());
    // helper_method.pt names its classes "0".."9": folders "3" and "7" are classes 3 and 7 (not 0, 1).
    for (const QString& folder : {u"digits/3"_s, u"digits/7"_s, u"animals/cat"_s, u"animals/dog"_s})
        QVERIFY(dir.mkpath(folder));
    for (int i = 0; i < 2; ++i) {
        QVERIFY(writeGrayPng(tmp(u"digits/3/a%1.png"_s.arg(i)), quint32(300 + i)));
        QVERIFY(writeGrayPng(tmp(u"digits/7/b%1.png"_s.arg(i)), quint32(310 + i)));
        QVERIFY(writeGrayPng(tmp(u"animals/cat/c%1.png"_s.arg(i)), quint32(320 + i)));
        QVERIFY(writeGrayPng(tmp(u"animals/dog/d%1.png"_s.arg(i)), quint32(330 + i)));
    }
    const QString csv = tmp(u"digits.csv"_s);
    const NacRun run = runNac({u"score"_s, u"--profile"_s, m_profileA, u"--data"_s, tmp(u"digits"_s), u"-o"_s, csv});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    QVERIFY2(run.err.contains(u"note:"_s) && run.err.contains(u"class names"_s), qPrintable(run.describe()));
    const QList<QStringList> rows = readCsv(csv);
    QCOMPARE(rows.size(), 5);
    QCOMPARE(rows[1][2], u"3"_s);
    QCOMPARE(rows[4][2], u"7"_s);

    const NacRun unmatched = runNac({u"score"_s, u"--profile"_s, m_profileA, u"--data"_s, tmp(u"animals"_s), u"-o"_s,
                                     tmp(u"animals.csv"_s)});
    QVERIFY2(unmatched.exitCode == kExitOk, qPrintable(unmatched.describe()));
    QVERIFY2(unmatched.err.contains(u"do not all match"_s) && unmatched.err.contains(u"cat"_s), qPrintable(unmatched.describe()));
}

// Conversions and choices the user did not spell out are printed as notes.
void TestCli::notesForConversions()
{
    // 28x28 gray images for a 3x32x32 model: resized and repeated over three channels.
    const NacRun resized = runNac({u"fit"_s, u"--model"_s, model(u"resnet18_scripted.pt"_s), u"--layer"_s, u"avgpool"_s,
                                   u"--data"_s, tmp(u"good-images-idx3-ubyte"_s), u"-o"_s, tmp(u"resized.nacprofile"_s)});
    QVERIFY2(resized.exitCode == kExitOk, qPrintable(resized.describe()));
    QVERIFY2(resized.err.contains(u"note:"_s) && resized.err.contains(u"8 images resized from 28x28 to 32x32"_s)
                 && resized.err.contains(u"repeated over 3 channels"_s),
             qPrintable(resized.describe()));
    // More samples than the data holds.
    QVERIFY2(resized.err.contains(u"1000 images asked for"_s) && resized.err.contains(u"using all 8"_s),
             qPrintable(resized.describe()));

    // Files of types that are not read, and the per-class rounding of --samples.
    QDir dir(m_tmp.path());
    for (const QString& folder : {u"classes3/0"_s, u"classes3/1"_s, u"classes3/2"_s})
        QVERIFY(dir.mkpath(folder));
    for (int c = 0; c < 3; ++c)
        for (int i = 0; i < 3; ++i)
            QVERIFY(writeGrayPng(tmp(u"classes3/%1/i%2.png"_s.arg(c).arg(i)), quint32(400 + 10 * c + i)));
    QVERIFY(writeFile(tmp(u"classes3/0/scan.tif"_s), "II*\0"));
    QVERIFY(writeFile(tmp(u"classes3/1/anim.gif"_s), "GIF89a"));
    const NacRun rounded = runNac({u"fit"_s, u"--model"_s, model(u"helper_method.pt"_s), u"--data"_s, tmp(u"classes3"_s),
                                   u"--samples"_s, u"7"_s, u"-o"_s, tmp(u"rounded.nacprofile"_s)});
    QVERIFY2(rounded.exitCode == kExitOk, qPrintable(rounded.describe()));
    QVERIFY2(rounded.err.contains(u"2 files"_s) && rounded.err.contains(u".gif (1)"_s) && rounded.err.contains(u".tif (1)"_s),
             qPrintable(rounded.describe()));
    QVERIFY2(rounded.err.contains(u"floor(7 / 3) = 2 per class"_s) && rounded.err.contains(u"6 images"_s),
             qPrintable(rounded.describe()));
    QVERIFY2(rounded.err.contains(u"fitted 6 images"_s), qPrintable(rounded.describe()));
}

void TestCli::nacMeJsonAndOptions()
{
    const QString m1 = tmp(u"me1.pt"_s);
    const QString m2 = tmp(u"me2.pt"_s);
    QVERIFY(QFile::copy(model(u"helper_method.pt"_s), m1) || QFileInfo::exists(m1));
    QVERIFY(QFile::copy(model(u"helper_method.pt"_s), m2) || QFileInfo::exists(m2));
    const QString json = tmp(u"me.json"_s);
    const NacRun run = runNac({u"me"_s, u"--data"_s, u"noise:uniform:20"_s, u"--layer"_s, u"pool"_s, u"--all-samples"_s,
                               u"--workers"_s, u"1"_s, u"--graph"_s, u"plain"_s, u"--memory-format"_s, u"contiguous"_s,
                               u"--json"_s, json, m1, m2});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    const QJsonObject report = QJsonDocument::fromJson(readFile(json)).object();
    const QJsonArray rows = report[u"checkpoints"_s].toArray();
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows[0].toObject()[u"checkpoint"_s].toString(), m1);
    QCOMPARE(rows[0].toObject()[u"G"_s].toDouble(), rows[1].toObject()[u"G"_s].toDouble());
    QCOMPARE(rows[0].toObject()[u"samples_used"_s].toInt(), 20);
    QVERIFY(rows[0].toObject()[u"accuracy"_s].isNull());  // noise has no labels
    QVERIFY(report[u"spearman"_s].isNull());
    QCOMPARE(report[u"layer"_s].toString(), u"pool"_s);
}

// A profile fitted with a relative model path is scored from another folder without --model.
void TestCli::profileFindsItsModelFromElsewhere()
{
    QDir dir(m_tmp.path());
    QVERIFY(dir.mkpath(u"project/models"_s) && dir.mkpath(u"elsewhere"_s));
    QVERIFY(QFile::copy(model(u"helper_method.pt"_s), tmp(u"project/models/m.pt"_s)));
    const NacRun fit = runNac({u"fit"_s, u"--model"_s, u"models/m.pt"_s, u"--data"_s, u"noise:uniform:8"_s, u"--batch"_s,
                               u"4"_s, u"-o"_s, u"p.nacprofile"_s},
                              QProcessEnvironment(), tmp(u"project"_s));
    QVERIFY2(fit.exitCode == kExitOk, qPrintable(fit.describe()));
    const NacRun score = runNac({u"score"_s, u"--profile"_s, u"../project/p.nacprofile"_s, u"--data"_s, u"noise:uniform:4"_s,
                                 u"-o"_s, u"s.csv"_s},
                                QProcessEnvironment(), tmp(u"elsewhere"_s));
    QVERIFY2(score.exitCode == kExitOk, qPrintable(score.describe()));
    QCOMPARE(readCsv(tmp(u"elsewhere/s.csv"_s)).size(), 5);
    // Moved together with its model, the profile still finds it.
    QVERIFY(dir.rename(u"project"_s, u"moved"_s));
    const NacRun moved = runNac({u"score"_s, u"--profile"_s, tmp(u"moved/p.nacprofile"_s), u"--data"_s, u"noise:uniform:4"_s,
                                 u"-o"_s, tmp(u"moved.csv"_s)});
    QVERIFY2(moved.exitCode == kExitOk, qPrintable(moved.describe()));
    QCOMPARE(readFile(tmp(u"moved.csv"_s)), readFile(tmp(u"elsewhere/s.csv"_s)));
}

// Issue 9: a model whose forward never returns (never_returns.pt loops forever on real images)
// cannot see the cancel token; Ctrl+C must still end `nac` with 130 within about a second and
// leave no temporary file.
void TestCli::interruptEndsStuckModel()
{
    const QString folder = tmp(u"interrupt"_s);
    QVERIFY(QDir().mkpath(folder));
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"NAC_TIMINGS"_s, u"1"_s);  // "data opened" on stderr: the job is about to run
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral(NAC_CLI_PATH),
                  {u"fit"_s, u"--model"_s, model(u"never_returns.pt"_s), u"--data"_s, u"noise:uniform:8"_s,
                   u"--batch"_s, u"4"_s, u"--quiet"_s, u"-o"_s, folder + u"/p.nacprofile"_s});
    QVERIFY(process.waitForStarted());
    QByteArray err;
    QElapsedTimer waiting;
    waiting.start();
    while (!err.contains("data opened") && waiting.elapsed() < kProcessTimeoutMs && process.state() == QProcess::Running) {
        process.waitForReadyRead(200);
        err += process.readAllStandardError();
    }
    QVERIFY2(err.contains("data opened"), err.constData());
    QTest::qWait(500);  // into the first batch's forward
    QVERIFY2(process.state() == QProcess::Running, "nac ended before it was interrupted");
    QElapsedTimer sinceInterrupt;
    sinceInterrupt.start();
    QCOMPARE(::kill(pid_t(process.processId()), SIGINT), 0);
    QVERIFY2(process.waitForFinished(10000), "nac did not end after Ctrl+C");
    const qint64 elapsedMs = sinceInterrupt.elapsed();
    err += process.readAllStandardError();
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QVERIFY2(process.exitCode() == 130, err.constData());
    QVERIFY2(elapsedMs < 2500, qPrintable(u"nac took %1 ms to end after Ctrl+C"_s.arg(elapsedMs)));
    QVERIFY2(err.contains("canceled"), err.constData());
    QCOMPARE(QDir(folder).entryList(QDir::Files), QStringList());
    qInfo("nac ended %lld ms after SIGINT", elapsedMs);
}

// Issue 9: numbers are read and written with '.' under a comma-decimal locale (LC_ALL=de_DE).
void TestCli::commaDecimalLocale()
{
    const QString localeDir = QStringLiteral(NAC_TEST_LOCALE_DIR);
    if (!QDir(localeDir + u"/de_DE.UTF-8"_s).exists())
        QSKIP("de_DE.UTF-8 was not compiled (the make_test_locale fixture needs localedef and the locales package)");
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"LOCPATH"_s, localeDir);
    environment.insert(u"LC_ALL"_s, u"de_DE.UTF-8"_s);
    const QString profile = tmp(u"locale.nacprofile"_s);
    const NacRun fit = runNac({u"fit"_s, u"--model"_s, model(u"helper_method.pt"_s), u"--data"_s, u"noise:uniform:8"_s,
                               u"--samples"_s, u"all"_s, u"--layer"_s, u"pool:M=4,O=1.5,alpha=0.5"_s, u"-o"_s, profile},
                              environment);
    QVERIFY2(fit.exitCode == kExitOk, qPrintable(fit.describe()));
    QVERIFY2(fit.err.contains(u"pool(M=4,O=1.5,alpha=0.5,bins=reference"_s), qPrintable(fit.describe()));
    const QString csv = tmp(u"locale.csv"_s);
    const NacRun score = runNac({u"score"_s, u"--profile"_s, profile, u"--data"_s, u"noise:uniform:4"_s, u"-o"_s, csv},
                                environment);
    QVERIFY2(score.exitCode == kExitOk, qPrintable(score.describe()));
    const QList<QStringList> rows = readCsv(csv);
    QCOMPARE(rows.size(), 5);
    const int columns = int(rows[0].size());
    for (const QStringList& row : rows.mid(1)) {
        QCOMPARE(int(row.size()), columns);  // a ',' decimal would split fields
        bool ok = false;
        row[4].toDouble(&ok);
        QVERIFY2(ok, qPrintable(row.join(u',')));
    }
    const NacRun comma = runNac({u"fit"_s, u"--model"_s, model(u"helper_method.pt"_s), u"--data"_s, u"noise:uniform:8"_s,
                                 u"--layer"_s, u"pool:alpha=0,5"_s, u"-o"_s, profile},
                                environment);
    QVERIFY2(comma.exitCode == kExitBadInput, qPrintable(comma.describe()));
}

// Issue 6: a temporary file left by a killed save is removed by the next save of that file,
// and a save leaves none of its own.
void TestCli::staleTemporariesRemoved()
{
    const QString folder = tmp(u"stale"_s);
    QVERIFY(QDir().mkpath(folder));
    const QString stale = folder + u"/s.csv.tmp-2147483000-0123456789abcdef"_s;
    QVERIFY(writeFile(stale, "half a file"));
    const NacRun run = runNac({u"score"_s, u"--profile"_s, kProfile, u"--data"_s, u"noise:uniform:4"_s, u"-o"_s,
                               folder + u"/s.csv"_s});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    QCOMPARE(QDir(folder).entryList(QDir::Files), QStringList{u"s.csv"_s});
}

// Issue 9: running out of memory is bad input (exit 3), not an internal error. A sparse IDX file
// whose header and size agree on 6.3 GB, read under a 4 GiB address-space limit.
void TestCli::outOfMemoryIsBadInput()
{
    const QString path = tmp(u"huge-images-idx3-ubyte"_s);
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(bigEndian32(0x00000803) + bigEndian32(8000000) + bigEndian32(kImageSide) + bigEndian32(kImageSide));
        QVERIFY(file.resize(16 + qint64(8000000) * kImageSide * kImageSide));  // sparse: no disk used
    }
    QProcess process;
    process.setChildProcessModifier([] {
        constexpr rlim_t kAddressSpaceBytes = rlim_t(4) << 30;
        const rlimit limit{kAddressSpaceBytes, kAddressSpaceBytes};
        ::setrlimit(RLIMIT_AS, &limit);
    });
    process.start(QStringLiteral(NAC_CLI_PATH), {u"fit"_s, u"--model"_s, model(u"helper_method.pt"_s), u"--data"_s, path,
                                                 u"-o"_s, tmp(u"huge.nacprofile"_s)});
    QVERIFY(process.waitForFinished(kProcessTimeoutMs));
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QFile::remove(path);
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QVERIFY2(process.exitCode() == kExitBadInput, qPrintable(err));
    QVERIFY2(err.contains(path) && err.contains(u"out of memory"_s), qPrintable(err));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
