// End-to-end tests of the `nac` command line tool: runs the real executable and checks exit codes, messages and outputs.
#include <QByteArray>
#include <QDir>
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
const QString kModels = QStringLiteral("{models}");
const QString kTmp = QStringLiteral("{tmp}");
const QString kProfile = QStringLiteral("{profile}");

struct NacRun {
    bool finished = false;
    bool crashed = false;
    int exitCode = -1;
    QString out;
    QString err;

    // For failure messages: everything a reader needs to see why a case failed.
    QString describe() const
    {
        return QStringLiteral("exit %1%2\n--- stdout:\n%3\n--- stderr:\n%4")
            .arg(exitCode)
            .arg(crashed ? QStringLiteral(" (crashed)") : finished ? QString() : QStringLiteral(" (timed out)"))
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
    void layersText_data();
    void layersText();
    void layersJson();
    void fitWritesProfile();
    void fitIsDeterministic_data();
    void fitIsDeterministic();
    void graphModesAgree();
    void scoreCsv();
    void eval();
    void mergeCountsSamples();
    void mergeEqualsUnionFit_data();
    void mergeEqualsUnionFit();
    void nacMe();
    void corruptImageSkipped();

private:
    NacRun runNac(const QStringList& arguments) const;
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

NacRun TestCli::runNac(const QStringList& arguments) const
{
    QStringList expanded;
    for (QString argument : arguments) {
        argument.replace(kModels, m_modelsDir);
        argument.replace(kTmp, m_tmp.path());
        argument.replace(kProfile, m_profileA);
        expanded << argument;
    }
    QProcess process;
    process.start(QStringLiteral(NAC_CLI_PATH), expanded);
    NacRun run;
    if (!process.waitForStarted()) {
        run.err = QStringLiteral("could not start %1: %2").arg(QStringLiteral(NAC_CLI_PATH), process.errorString());
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
    QStringList arguments{QStringLiteral("fit"), QStringLiteral("--model"), model(QStringLiteral("helper_method.pt")),
                          QStringLiteral("--data"), data, QStringLiteral("--samples"), QStringLiteral("all"), QStringLiteral("-o"), output};
    if (!extra.contains(QStringLiteral("--batch")))
        arguments << QStringLiteral("--batch") << QStringLiteral("16");
    const NacRun run = runNac(arguments + extra);
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    QVERIFY2(QFileInfo(output).size() > 0, qPrintable(output + " was not written"));
}

void TestCli::initTestCase()
{
    QVERIFY2(QFileInfo(QStringLiteral(NAC_CLI_PATH)).isExecutable(), NAC_CLI_PATH " is not built");
    m_modelsDir = QStringLiteral(NAC_TEST_MODELS_DIR);
    QVERIFY2(QFileInfo::exists(model(QStringLiteral("models.json"))),
             "the test models are missing; run `ctest -R make_test_models` first");
    QVERIFY(m_tmp.isValid());

    m_profileA = tmp(QStringLiteral("a.nacprofile"));
    m_profileB = tmp(QStringLiteral("b.nacprofile"));
    fitHelper(QStringLiteral("noise:uniform:40:seed=1"), m_profileA);
    fitHelper(QStringLiteral("noise:uniform:40:seed=2"), m_profileB);

    // Damaged profiles: the first half of a good one, and random bytes.
    const QByteArray profileBytes = readFile(m_profileA);
    QVERIFY(writeFile(tmp(QStringLiteral("truncated.nacprofile")), profileBytes.left(profileBytes.size() / 2)));
    QByteArray noise;
    QRandomGenerator generator(7);
    for (int i = 0; i < 4096; ++i)
        noise += char(generator.bounded(256));
    QVERIFY(writeFile(tmp(QStringLiteral("random.nacprofile")), noise));

    // IDX files: a good one, one whose magic names a labels file, one with no known magic, one truncated.
    constexpr quint32 kGrayImagesMagic = 0x00000803;
    constexpr quint32 kLabelsMagic = 0x00000801;
    QVERIFY(writeFile(tmp(QStringLiteral("good-images-idx3-ubyte")), idxImages(kGrayImagesMagic, 8, 11)));
    QVERIFY(writeFile(tmp(QStringLiteral("labelsmagic-images-idx3-ubyte")), idxImages(kLabelsMagic, 8, 11)));
    QVERIFY(writeFile(tmp(QStringLiteral("badmagic-images-idx3-ubyte")), idxImages(0x12345678, 8, 11)));
    const QByteArray whole = idxImages(kGrayImagesMagic, 8, 11);
    QVERIFY(writeFile(tmp(QStringLiteral("truncated-images-idx3-ubyte")), whole.left(whole.size() - 100)));

    QVERIFY(QDir(m_tmp.path()).mkpath(QStringLiteral("empty_folder")));

    // Image folders: all good; one corrupt among good ones; only corrupt ones.
    QDir dir(m_tmp.path());
    QVERIFY(dir.mkpath(QStringLiteral("good_images")));
    QVERIFY(dir.mkpath(QStringLiteral("mixed_images")));
    QVERIFY(dir.mkpath(QStringLiteral("corrupt_images")));
    for (int i = 0; i < 3; ++i)
        QVERIFY(writeGrayPng(tmp(QStringLiteral("good_images/img%1.png").arg(i)), quint32(100 + i)));
    QVERIFY(writeGrayPng(tmp(QStringLiteral("mixed_images/a.png")), 200));
    QVERIFY(writeFile(tmp(QStringLiteral("mixed_images/b_corrupt.png")), "this is not a PNG image\n"));
    QVERIFY(writeGrayPng(tmp(QStringLiteral("mixed_images/c.png")), 201));
    QVERIFY(writeGrayPng(tmp(QStringLiteral("mixed_images/d.png")), 202));
    const QByteArray png = readFile(tmp(QStringLiteral("mixed_images/a.png")));
    QVERIFY(writeFile(tmp(QStringLiteral("corrupt_images/text.png")), "not an image either\n"));
    QVERIFY(writeFile(tmp(QStringLiteral("corrupt_images/half.png")), png.left(png.size() / 2)));
}

// Every exit code path: each row is a command line, its exit code and what stderr must name.
void TestCli::exitCodes_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QStringList>("messageParts");

    const QString helper = kModels + QStringLiteral("/helper_method.pt");
    const QString out = kTmp + QStringLiteral("/exit_codes_out.nacprofile");
    const QString csv = kTmp + QStringLiteral("/exit_codes_out.csv");
    const QStringList fitBase{QStringLiteral("fit"), QStringLiteral("--model"), helper, QStringLiteral("--data"),
                              QStringLiteral("noise:uniform:8"), QStringLiteral("--samples"), QStringLiteral("all")};
    const QStringList fitHelper = fitBase + QStringList{QStringLiteral("--batch"), QStringLiteral("16")};
    const QStringList noiseOut{QStringLiteral("--data"), QStringLiteral("noise:uniform:8"), QStringLiteral("--batch"),
                               QStringLiteral("16"), QStringLiteral("-o"), out};
    auto layers = [](const QString& file) {
        return QStringList{QStringLiteral("layers"), QStringLiteral("--model"), kModels + QLatin1Char('/') + file};
    };
    auto fitLayer = [&](const QString& layer) { return fitHelper + QStringList{QStringLiteral("--layer"), layer, QStringLiteral("-o"), out}; };
    auto dataAt = [&](const QString& data) {
        return QStringList{QStringLiteral("fit"), QStringLiteral("--model"), helper, QStringLiteral("--data"), data,
                           QStringLiteral("--samples"), QStringLiteral("all"), QStringLiteral("-o"), out};
    };
    auto scoreWith = [&](const QString& profile, const QString& modelFile) {
        QStringList args{QStringLiteral("score"), QStringLiteral("--profile"), profile, QStringLiteral("--data"),
                         QStringLiteral("noise:uniform:4"), QStringLiteral("-o"), csv};
        if (!modelFile.isEmpty())
            args << QStringLiteral("--model") << kModels + QLatin1Char('/') + modelFile;
        return args;
    };
    auto evalOod = [&](const QString& ood) {
        return QStringList{QStringLiteral("eval"), QStringLiteral("--profile"), kProfile, QStringLiteral("--id"),
                           QStringLiteral("noise:uniform:4"), QStringLiteral("--ood"), ood};
    };

    // --- valid rows, beside the invalid ones they mirror
    QTest::newRow("ok: layers helper_method") << layers(QStringLiteral("helper_method.pt")) << kExitOk << QStringList();
    QTest::newRow("ok: fit with -o") << fitHelper + QStringList{QStringLiteral("-o"), out} << kExitOk
                                     << QStringList{QStringLiteral("wrote"), out};
    QTest::newRow("ok: fit with --output=") << fitHelper + QStringList{QStringLiteral("--output=") + out} << kExitOk << QStringList();
    QTest::newRow("ok: --batch 16") << fitLayer(QStringLiteral("pool")) << kExitOk << QStringList();
    QTest::newRow("ok: M=52") << fitLayer(QStringLiteral("pool:M=52")) << kExitOk << QStringList{QStringLiteral("M=52")};
    QTest::newRow("ok: M=4, O=1, alpha=0.5") << fitLayer(QStringLiteral("pool:M=4,O=1,alpha=0.5")) << kExitOk << QStringList();
    QTest::newRow("ok: IDX file") << dataAt(kTmp + QStringLiteral("/good-images-idx3-ubyte")) << kExitOk << QStringList();
    QTest::newRow("ok: image folder") << dataAt(kTmp + QStringLiteral("/good_images")) << kExitOk << QStringList();
    QTest::newRow("ok: no_metadata with --input")
        << layers(QStringLiteral("no_metadata.pt")) + QStringList{QStringLiteral("--input"), QStringLiteral("1x28x28")} << kExitOk
        << QStringList();
    QTest::newRow("ok: fit no_metadata with --input and --layer")
        << QStringList{QStringLiteral("fit"), QStringLiteral("--model"), kModels + QStringLiteral("/no_metadata.pt"),
                       QStringLiteral("--input"), QStringLiteral("1x28x28"), QStringLiteral("--layer"), QStringLiteral("avgpool")}
               + noiseOut
        << kExitOk << QStringList();
    QTest::newRow("ok: layers backbone_head (side-file metadata)") << layers(QStringLiteral("backbone_head.pt")) << kExitOk
                                                                   << QStringList();
    QTest::newRow("ok: score with its own model") << scoreWith(kProfile, QStringLiteral("helper_method.pt")) << kExitOk
                                                  << QStringList{csv};
    QTest::newRow("ok: score with the profile's model path") << scoreWith(kProfile, QString()) << kExitOk << QStringList();
    QTest::newRow("ok: eval --ood NAME=DATA") << evalOod(QStringLiteral("g=noise:gaussian:4")) << kExitOk << QStringList();

    // --- usage errors (exit 2)
    QTest::newRow("usage: no arguments") << QStringList() << kExitUsage << QStringList();
    QTest::newRow("usage: unknown command") << QStringList{QStringLiteral("frobnicate")} << kExitUsage
                                            << QStringList{QStringLiteral("unknown command"), QStringLiteral("frobnicate")};
    QTest::newRow("usage: unknown option")
        << layers(QStringLiteral("helper_method.pt")) + QStringList{QStringLiteral("--bogus")} << kExitUsage
        << QStringList{QStringLiteral("unknown option"), QStringLiteral("--bogus")};
    QTest::newRow("usage: option without value") << QStringList{QStringLiteral("layers"), QStringLiteral("--model")} << kExitUsage
                                                 << QStringList{QStringLiteral("--model"), QStringLiteral("needs a value")};
    QTest::newRow("usage: missing --model") << QStringList{QStringLiteral("layers")} << kExitUsage
                                            << QStringList{QStringLiteral("missing --model")};
    QTest::newRow("usage: fit missing -o") << fitHelper << kExitUsage << QStringList{QStringLiteral("missing"), QStringLiteral("--output")};
    QTest::newRow("usage: --batch abc") << fitBase + QStringList{QStringLiteral("--batch"), QStringLiteral("abc"), QStringLiteral("-o"), out}
                                        << kExitUsage << QStringList{QStringLiteral("--batch"), QStringLiteral("abc")};
    QTest::newRow("usage: --batch 0") << fitBase + QStringList{QStringLiteral("--batch=0"), QStringLiteral("-o"), out} << kExitUsage
                                      << QStringList{QStringLiteral("--batch"), QStringLiteral("out of range")};
    QTest::newRow("usage: --samples zero") << fitHelper + QStringList{QStringLiteral("--samples"), QStringLiteral("0"), QStringLiteral("-o"), out}
                                           << kExitUsage << QStringList{QStringLiteral("--samples")};
    QTest::newRow("usage: --ood without NAME=") << evalOod(QStringLiteral("noise:gaussian:4")) << kExitUsage
                                                << QStringList{QStringLiteral("--ood"), QStringLiteral("noise:gaussian:4"), QStringLiteral("NAME=")};
    QTest::newRow("usage: --ood with empty NAME") << evalOod(QStringLiteral("=noise:gaussian:4")) << kExitUsage
                                                  << QStringList{QStringLiteral("--ood"), QStringLiteral("NAME=")};
    QTest::newRow("usage: --ood with empty DATA") << evalOod(QStringLiteral("g=")) << kExitUsage
                                                  << QStringList{QStringLiteral("--ood"), QStringLiteral("NAME=")};
    QTest::newRow("usage: eval without --ood")
        << QStringList{QStringLiteral("eval"), QStringLiteral("--profile"), kProfile, QStringLiteral("--id"), QStringLiteral("noise:uniform:4")}
        << kExitUsage << QStringList{QStringLiteral("--ood")};
    QTest::newRow("usage: merge of one profile") << QStringList{QStringLiteral("merge"), QStringLiteral("-o"), out, kProfile} << kExitUsage
                                                 << QStringList{QStringLiteral("two profiles")};
    QTest::newRow("usage: me without checkpoints")
        << QStringList{QStringLiteral("me"), QStringLiteral("--data"), QStringLiteral("noise:uniform:4"), QStringLiteral("--layer"), QStringLiteral("pool")}
        << kExitUsage << QStringList{QStringLiteral("checkpoint")};

    // --- bad model files (exit 3): the message names the file and the problem
    QTest::newRow("bad: empty model") << layers(QStringLiteral("empty.pt")) << kExitBadInput
                                      << QStringList{QStringLiteral("empty.pt"), QStringLiteral("empty")};
    QTest::newRow("bad: truncated model") << layers(QStringLiteral("truncated.pt")) << kExitBadInput
                                          << QStringList{QStringLiteral("truncated.pt"), QStringLiteral("TorchScript")};
    QTest::newRow("bad: text file as model") << layers(QStringLiteral("not_a_model.pt")) << kExitBadInput
                                             << QStringList{QStringLiteral("not_a_model.pt"), QStringLiteral("TorchScript")};
    QTest::newRow("bad: nonexistent model") << layers(QStringLiteral("no_such_model.pt")) << kExitBadInput
                                            << QStringList{QStringLiteral("no_such_model.pt"), QStringLiteral("does not exist")};
    QTest::newRow("bad: folder as model") << QStringList{QStringLiteral("layers"), QStringLiteral("--model"), kTmp} << kExitBadInput
                                          << QStringList{QStringLiteral("folder")};
    QTest::newRow("bad: tuple output") << layers(QStringLiteral("tuple_output.pt")) << kExitBadInput
                                       << QStringList{QStringLiteral("tuple_output.pt"), QStringLiteral("[batch, classes]")};
    QTest::newRow("bad: spatial output") << layers(QStringLiteral("spatial_output.pt")) << kExitBadInput
                                         << QStringList{QStringLiteral("spatial_output.pt"), QStringLiteral("[batch, classes]")};
    QTest::newRow("bad: --input 3x28x28 for a 1-channel model")
        << layers(QStringLiteral("helper_method.pt")) + QStringList{QStringLiteral("--input"), QStringLiteral("3x28x28")} << kExitBadInput
        << QStringList{QStringLiteral("helper_method.pt"), QStringLiteral("3x28x28")};
    QTest::newRow("bad: --input not CxHxW")
        << layers(QStringLiteral("helper_method.pt")) + QStringList{QStringLiteral("--input"), QStringLiteral("28x28")} << kExitBadInput
        << QStringList{QStringLiteral("--input"), QStringLiteral("28x28")};
    QTest::newRow("bad: no metadata, no --input") << layers(QStringLiteral("no_metadata.pt")) << kExitBadInput
                                                  << QStringList{QStringLiteral("no_metadata.pt"), QStringLiteral("--input")};
    QTest::newRow("bad: fit no_metadata without --layer")
        << QStringList{QStringLiteral("fit"), QStringLiteral("--model"), kModels + QStringLiteral("/no_metadata.pt"),
                       QStringLiteral("--input"), QStringLiteral("1x28x28")}
               + noiseOut
        << kExitBadInput << QStringList{QStringLiteral("--layer")};
    QTest::newRow("bad: unknown device") << layers(QStringLiteral("helper_method.pt")) + QStringList{QStringLiteral("--device"), QStringLiteral("tpu")}
                                         << kExitBadInput << QStringList{QStringLiteral("tpu")};

    // --- layers and their parameters (exit 3)
    QTest::newRow("bad: layer does not exist") << fitLayer(QStringLiteral("nosuch")) << kExitBadInput
                                               << QStringList{QStringLiteral("'nosuch'"), QStringLiteral("does not exist"), QStringLiteral("body")};
    QTest::newRow("bad: shared module called twice")
        << QStringList{QStringLiteral("fit"), QStringLiteral("--model"), kModels + QStringLiteral("/resnet18_traced.pt"),
                       QStringLiteral("--layer"), QStringLiteral("layer1.0.relu")}
               + noiseOut
        << kExitBadInput << QStringList{QStringLiteral("layer1.0.relu"), QStringLiteral("2 times")};
    QTest::newRow("bad: M odd") << fitLayer(QStringLiteral("pool:M=51")) << kExitBadInput
                                << QStringList{QStringLiteral("M=51"), QStringLiteral("odd")};
    QTest::newRow("bad: M=2") << fitLayer(QStringLiteral("pool:M=2")) << kExitBadInput
                              << QStringList{QStringLiteral("M=2"), QStringLiteral("out of range")};
    QTest::newRow("bad: M not a number") << fitLayer(QStringLiteral("pool:M=x")) << kExitBadInput << QStringList{QStringLiteral("M=x")};
    QTest::newRow("bad: O=0") << fitLayer(QStringLiteral("pool:O=0")) << kExitBadInput
                              << QStringList{QStringLiteral("pool"), QStringLiteral("O=0")};
    QTest::newRow("bad: alpha=-1") << fitLayer(QStringLiteral("pool:alpha=-1")) << kExitBadInput
                                   << QStringList{QStringLiteral("pool"), QStringLiteral("alpha=-1")};
    QTest::newRow("bad: unknown parameter") << fitLayer(QStringLiteral("pool:Q=3")) << kExitBadInput << QStringList{QStringLiteral("Q")};
    QTest::newRow("bad: NaN activations")
        << QStringList{QStringLiteral("fit"), QStringLiteral("--model"), kModels + QStringLiteral("/nan_output.pt")} + noiseOut
        << kExitBadInput << QStringList{QStringLiteral("NaN"), QStringLiteral("avgpool"), QStringLiteral("noise:uniform#0")};

    // --- data sets (exit 3)
    QTest::newRow("bad: IDX labels magic") << dataAt(kTmp + QStringLiteral("/labelsmagic-images-idx3-ubyte")) << kExitBadInput
                                           << QStringList{QStringLiteral("labelsmagic-images-idx3-ubyte"), QStringLiteral("0x00000801")};
    QTest::newRow("bad: IDX unknown magic") << dataAt(kTmp + QStringLiteral("/badmagic-images-idx3-ubyte")) << kExitBadInput
                                            << QStringList{QStringLiteral("badmagic-images-idx3-ubyte"), QStringLiteral("0x12345678")};
    QTest::newRow("bad: IDX truncated") << dataAt(kTmp + QStringLiteral("/truncated-images-idx3-ubyte")) << kExitBadInput
                                        << QStringList{QStringLiteral("truncated-images-idx3-ubyte"), QStringLiteral("truncated")};
    QTest::newRow("bad: empty folder") << dataAt(kTmp + QStringLiteral("/empty_folder")) << kExitBadInput
                                       << QStringList{QStringLiteral("empty_folder"), QStringLiteral("no images")};
    QTest::newRow("bad: nonexistent data") << dataAt(kTmp + QStringLiteral("/no_such_data")) << kExitBadInput
                                           << QStringList{QStringLiteral("no_such_data"), QStringLiteral("does not exist")};
    QTest::newRow("bad: noise spec") << dataAt(QStringLiteral("noise:pink:4")) << kExitBadInput << QStringList{QStringLiteral("pink")};
    QTest::newRow("bad: every image corrupt") << dataAt(kTmp + QStringLiteral("/corrupt_images")) << kExitBadInput
                                              << QStringList{QStringLiteral("corrupt_images"), QStringLiteral("text.png"),
                                                             QStringLiteral("half.png")};

    // --- profiles (exit 3)
    QTest::newRow("bad: profile of another model") << scoreWith(kProfile, QStringLiteral("backbone_head.pt")) << kExitBadInput
                                                   << QStringList{QStringLiteral("another model"), QStringLiteral("backbone_head.pt")};
    QTest::newRow("bad: truncated profile") << scoreWith(kTmp + QStringLiteral("/truncated.nacprofile"), QString()) << kExitBadInput
                                            << QStringList{QStringLiteral("truncated.nacprofile"), QStringLiteral("truncated")};
    QTest::newRow("bad: random-bytes profile") << scoreWith(kTmp + QStringLiteral("/random.nacprofile"), QString()) << kExitBadInput
                                               << QStringList{QStringLiteral("random.nacprofile"), QStringLiteral("not a NAC Studio profile")};
    QTest::newRow("bad: nonexistent profile") << scoreWith(kTmp + QStringLiteral("/none.nacprofile"), QString()) << kExitBadInput
                                              << QStringList{QStringLiteral("none.nacprofile"), QStringLiteral("does not exist")};
    QTest::newRow("bad: model file as profile") << scoreWith(helper, QString()) << kExitBadInput
                                                << QStringList{QStringLiteral("helper_method.pt"), QStringLiteral("not a NAC Studio profile")};
    QTest::newRow("bad: score layer not in profile")
        << scoreWith(kProfile, QString()) + QStringList{QStringLiteral("--layer"), QStringLiteral("head")} << kExitBadInput
        << QStringList{QStringLiteral("'head'"), QStringLiteral("pool")};
    QTest::newRow("bad: merge of different layer parameters")
        << QStringList{QStringLiteral("merge"), QStringLiteral("-o"), out, kProfile, kTmp + QStringLiteral("/pool_m4.nacprofile")}
        << kExitBadInput << QStringList{QStringLiteral("pool_m4.nacprofile")};
    QTest::newRow("bad: write into a missing folder") << scoreWith(kProfile, QString()).mid(0, 5) + QStringList{QStringLiteral("-o"), kTmp + QStringLiteral("/no/such/dir/x.csv")}
                                                      << kExitBadInput << QStringList{QStringLiteral("no/such/dir/x.csv")};
}

void TestCli::exitCodes()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QStringList, messageParts);

    if (QByteArray(QTest::currentDataTag()).contains("different layer parameters")) {
        // A profile of the same model and data but other parameters: `merge` must refuse it.
        const QString other = tmp(QStringLiteral("pool_m4.nacprofile"));
        if (!QFileInfo::exists(other))
            fitHelper(QStringLiteral("noise:uniform:8"), other, {QStringLiteral("--layer"), QStringLiteral("pool:M=4")});
    }

    const QString outputs[] = {tmp(QStringLiteral("exit_codes_out.nacprofile")), tmp(QStringLiteral("exit_codes_out.csv"))};
    for (const QString& output : outputs)
        QFile::remove(output);

    const NacRun run = runNac(arguments);
    QVERIFY2(run.finished && !run.crashed, qPrintable(run.describe()));
    QVERIFY2(run.exitCode == exitCode, qPrintable(run.describe()));
    for (QString part : messageParts) {
        part.replace(kTmp, m_tmp.path());
        QVERIFY2(run.err.contains(part), qPrintable(QStringLiteral("stderr lacks '%1'\n").arg(part) + run.describe()));
    }
    if (exitCode == kExitUsage)
        QVERIFY2(run.err.contains(QStringLiteral("nac --help")) || run.out.contains(QStringLiteral("usage:")), qPrintable(run.describe()));
    if (exitCode == kExitBadInput) {
        QVERIFY2(run.err.startsWith(QStringLiteral("nac: ")) || run.err.contains(QStringLiteral("\nnac: ")), qPrintable(run.describe()));
        QVERIFY2(!run.err.contains(QStringLiteral("internal error")), qPrintable(run.describe()));
    }
    if (exitCode != kExitOk) {
        // A failed command writes nothing, not even a partial file.
        for (const QString& output : outputs) {
            QVERIFY2(!QFileInfo::exists(output), qPrintable(output + QStringLiteral(" was written\n") + run.describe()));
            QVERIFY2(!QFileInfo::exists(output + QStringLiteral(".tmp")), qPrintable(output + QStringLiteral(".tmp was left\n") + run.describe()));
        }
    }
}

void TestCli::help()
{
    const NacRun run = runNac({QStringLiteral("--help")});
    QCOMPARE(run.exitCode, kExitOk);
    for (const char* command : {"layers", "fit", "score", "eval", "merge", "me", "exit codes"})
        QVERIFY2(run.out.contains(QLatin1String(command)), command);
    QVERIFY(run.err.isEmpty());
}

void TestCli::layersText_data()
{
    QTest::addColumn<QString>("modelFile");
    QTest::addColumn<QString>("header");
    QTest::addColumn<QStringList>("paths");

    QTest::newRow("helper_method") << QStringLiteral("helper_method.pt") << QStringLiteral("10 classes, input 1x28x28")
                                   << QStringList{QStringLiteral("body"), QStringLiteral("body.0"), QStringLiteral("body.3"),
                                                  QStringLiteral("pool"), QStringLiteral("head")};
    QTest::newRow("backbone_head") << QStringLiteral("backbone_head.pt") << QStringLiteral("10 classes, input 1x28x28")
                                   << QStringList{QStringLiteral("backbone.stage1"), QStringLiteral("backbone.stage2.0"),
                                                  QStringLiteral("backbone.avgpool"), QStringLiteral("head")};
    QTest::newRow("tiny_fixed") << QStringLiteral("tiny_fixed.pt") << QStringLiteral("4 classes, input 1x4x4")
                                << QStringList{QStringLiteral("conv"), QStringLiteral("relu"), QStringLiteral("avgpool"), QStringLiteral("fc")};
    QTest::newRow("resnet18_scripted") << QStringLiteral("resnet18_scripted.pt") << QStringLiteral("10 classes, input 3x32x32")
                                       << QStringList{QStringLiteral("layer1.0.conv1"), QStringLiteral("layer4"), QStringLiteral("avgpool"),
                                                      QStringLiteral("fc")};
}

void TestCli::layersText()
{
    QFETCH(QString, modelFile);
    QFETCH(QString, header);
    QFETCH(QStringList, paths);

    const NacRun run = runNac({QStringLiteral("layers"), QStringLiteral("--model"), model(modelFile)});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    const QStringList lines = run.out.split(QLatin1Char('\n'));
    QVERIFY2(lines.value(0).contains(header), qPrintable(run.describe()));
    for (const QString& path : paths) {
        // Each module on its own line, indented by depth, its path first.
        const QRegularExpression line(QStringLiteral("^\\s*%1\\s").arg(QRegularExpression::escape(path)),
                                      QRegularExpression::MultilineOption);
        QVERIFY2(line.match(run.out).hasMatch(), qPrintable(QStringLiteral("no line for %1\n").arg(path) + run.describe()));
    }
}

void TestCli::layersJson()
{
    const NacRun run = runNac({QStringLiteral("layers"), QStringLiteral("--model"), model(QStringLiteral("helper_method.pt")),
                               QStringLiteral("--json")});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(run.out.toUtf8(), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString() + QLatin1Char('\n') + run.out));
    const QJsonObject root = doc.object();
    QCOMPARE(root.value(QStringLiteral("classes")).toInt(), 10);
    QCOMPARE(root.value(QStringLiteral("input")).toArray(), (QJsonArray{1, 28, 28}));
    QCOMPARE(root.value(QStringLiteral("sha256")).toString().size(), 64);

    QMap<QString, QJsonObject> modules;
    for (const QJsonValue& value : root.value(QStringLiteral("modules")).toArray())
        modules.insert(value.toObject().value(QStringLiteral("path")).toString(), value.toObject());
    for (const char* path : {"body", "body.0", "body.3", "pool", "head"})
        QVERIFY2(modules.contains(QLatin1String(path)), path);
    // pool outputs [B, 32, 1, 1]: 32 neurons; head's [B, 10] outputs are 10 neurons.
    QCOMPARE(modules.value(QStringLiteral("pool")).value(QStringLiteral("neurons")).toInt(), 32);
    QVERIFY(modules.value(QStringLiteral("pool")).value(QStringLiteral("tappable")).toBool());
    QCOMPARE(modules.value(QStringLiteral("body.0")).value(QStringLiteral("depth")).toInt(), 2);
    QCOMPARE(modules.value(QStringLiteral("body.0")).value(QStringLiteral("type")).toString().isEmpty(), false);
}

void TestCli::fitWritesProfile()
{
    // initTestCase fitted profile A; its report names the data, layers and output.
    const QString output = tmp(QStringLiteral("fit_report.nacprofile"));
    const NacRun run = runNac({QStringLiteral("fit"), QStringLiteral("--model"), model(QStringLiteral("helper_method.pt")),
                               QStringLiteral("--data"), QStringLiteral("noise:uniform:40"), QStringLiteral("--samples"),
                               QStringLiteral("all"), QStringLiteral("--batch"), QStringLiteral("16"), QStringLiteral("-o"), output});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    QVERIFY(run.err.contains(QStringLiteral("fitted 40 images")));
    for (const char* layer : {" pool(", " body.3(", " body("})
        QVERIFY2(run.err.contains(QLatin1String(layer)), qPrintable(run.describe()));
    QVERIFY(run.err.contains(QStringLiteral("wrote ") + output));
    QVERIFY(QFileInfo(output).size() > 0);
    QVERIFY2(!QFileInfo::exists(output + QStringLiteral(".tmp")), "a temporary file was left behind");
}

// The same model, data and seed give the same profile file, however many workers compute it.
void TestCli::fitIsDeterministic_data()
{
    QTest::addColumn<QString>("graph");
    QTest::addColumn<QString>("workers");
    QTest::newRow("plain graph, 2 workers") << QStringLiteral("plain") << QStringLiteral("2");
    QTest::newRow("frozen graph (default), 2 workers") << QStringLiteral("frozen") << QStringLiteral("2");
}

void TestCli::fitIsDeterministic()
{
    QFETCH(QString, graph);
    QFETCH(QString, workers);
    // Small batches, so batches run concurrently from the first one on; a race shows in some runs only.
    constexpr int kRuns = 3;
    const QStringList options{QStringLiteral("--batch"), QStringLiteral("4"), QStringLiteral("--graph"), graph};
    const QString reference = tmp(QStringLiteral("deterministic_%1_reference.nacprofile").arg(graph));
    fitHelper(QStringLiteral("noise:uniform:40"), reference, options + QStringList{QStringLiteral("--workers"), QStringLiteral("1")});
    int differing = 0;
    for (int run = 0; run < kRuns; ++run) {
        const QString output = tmp(QStringLiteral("deterministic_%1_%2.nacprofile").arg(graph).arg(run));
        fitHelper(QStringLiteral("noise:uniform:40"), output, options + QStringList{QStringLiteral("--workers"), workers});
        differing += readFile(output) == readFile(reference) ? 0 : 1;
    }
    QVERIFY2(differing == 0, qPrintable(QStringLiteral("%1 of %2 runs with --graph %3 --workers %4 wrote a profile that differs "
                                                       "from the --workers 1 one")
                                            .arg(differing).arg(kRuns).arg(graph, workers)));
}

// helper_method has no BatchNorm, so freezing the graph must not change any layer's scores.
void TestCli::graphModesAgree()
{
    const QString modes[2] = {QStringLiteral("plain"), QStringLiteral("frozen")};
    QList<QStringList> tables[2];
    for (int m = 0; m < 2; ++m) {
        // Several batches: a difference that starts after the first call of a graph shows too.
        const QString profile = tmp(QStringLiteral("graph_%1.nacprofile").arg(modes[m]));
        fitHelper(QStringLiteral("noise:uniform:24"), profile,
                  {QStringLiteral("--batch"), QStringLiteral("8"), QStringLiteral("--workers"), QStringLiteral("1"), QStringLiteral("--graph"), modes[m]});
        const QString csv = tmp(QStringLiteral("graph_%1.csv").arg(modes[m]));
        const NacRun run = runNac({QStringLiteral("score"), QStringLiteral("--profile"), profile, QStringLiteral("--data"),
                                   QStringLiteral("noise:gaussian:16:seed=5"), QStringLiteral("--batch"), QStringLiteral("4"),
                                   QStringLiteral("--workers"), QStringLiteral("1"), QStringLiteral("--graph"), modes[m],
                                   QStringLiteral("-o"), csv});
        QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
        tables[m] = readCsv(csv);
    }
    QCOMPARE(tables[0].size(), 17);
    QCOMPARE(tables[1].size(), tables[0].size());
    const QStringList& header = tables[0][0];
    for (int row = 1; row < tables[0].size(); ++row) {
        for (int column = 4; column < header.size(); ++column) {
            const double plain = tables[0][row][column].toDouble();
            const double frozen = tables[1][row][column].toDouble();
            QVERIFY2(std::abs(plain - frozen) <= kScoreTolerance,
                     qPrintable(QStringLiteral("%1 of image %2: plain graph %3, frozen graph %4")
                                    .arg(header[column]).arg(row - 1).arg(plain).arg(frozen)));
        }
    }
}

void TestCli::scoreCsv()
{
    constexpr int kImages = 12;
    const QString output = tmp(QStringLiteral("scores.csv"));
    const NacRun run = runNac({QStringLiteral("score"), QStringLiteral("--profile"), m_profileA, QStringLiteral("--data"),
                               QStringLiteral("noise:gaussian:%1").arg(kImages), QStringLiteral("--batch"), QStringLiteral("5"),
                               QStringLiteral("-o"), output});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    QVERIFY2(run.err.contains(QStringLiteral("scored %1 images").arg(kImages)), qPrintable(run.describe()));

    const QList<QStringList> rows = readCsv(output);
    QCOMPARE(rows.size(), kImages + 1);
    const QStringList header{QStringLiteral("index"),      QStringLiteral("source"),       QStringLiteral("label"),
                             QStringLiteral("predicted"),  QStringLiteral("score"),        QStringLiteral("score_pool"),
                             QStringLiteral("score_body.3"), QStringLiteral("score_body"), QStringLiteral("msp"),
                             QStringLiteral("maxlogit"),   QStringLiteral("energy")};
    QCOMPARE(rows[0], header);
    for (int i = 0; i < kImages; ++i) {
        const QStringList& row = rows[i + 1];
        QCOMPARE(row.size(), header.size());
        QCOMPARE(row[0], QString::number(i));  // data-set order
        QCOMPARE(row[1], QStringLiteral("noise:gaussian#%1").arg(i));
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
    const QString jsonPath = tmp(QStringLiteral("eval.json"));
    const NacRun run = runNac({QStringLiteral("eval"), QStringLiteral("--profile"), m_profileA, QStringLiteral("--id"),
                               QStringLiteral("noise:uniform:40"), QStringLiteral("--ood"), QStringLiteral("gauss=noise:gaussian:40"),
                               QStringLiteral("--batch"), QStringLiteral("16"), QStringLiteral("--json"), jsonPath});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    QVERIFY2(run.out.contains(QStringLiteral("AUROC")) && run.out.contains(QStringLiteral("FPR@95")), qPrintable(run.describe()));
    for (const char* method : {"NAC-UE", "MSP", "MaxLogit", "Energy"}) {
        const QRegularExpression row(QStringLiteral("^gauss\\s+%1\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+$").arg(QLatin1String(method)),
                                     QRegularExpression::MultilineOption);
        QVERIFY2(row.match(run.out).hasMatch(), qPrintable(QStringLiteral("no row for %1\n").arg(QLatin1String(method)) + run.describe()));
    }
    QVERIFY(run.out.contains(QStringLiteral("InD: noise:uniform:40")));
    QVERIFY(run.out.contains(QStringLiteral("(40 images)")));

    QJsonParseError error;
    const QJsonObject report = QJsonDocument::fromJson(readFile(jsonPath), &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    const QJsonArray sets = report.value(QStringLiteral("ood")).toArray();
    QCOMPARE(sets.size(), 1);
    const QJsonObject gauss = sets[0].toObject();
    QCOMPARE(gauss.value(QStringLiteral("name")).toString(), QStringLiteral("gauss"));
    QCOMPARE(gauss.value(QStringLiteral("count")).toInt(), 40);
    const QJsonObject nacUe = gauss.value(QStringLiteral("NAC-UE")).toObject();
    for (const char* key : {"auroc", "fpr95", "aupr_in", "aupr_out"}) {
        const double value = nacUe.value(QLatin1String(key)).toDouble(-1.0);
        QVERIFY2(value >= 0.0 && value <= 1.0, key);
    }
    // The InD data are the fit data, so NAC-UE separates them from gaussian noise well.
    QVERIFY2(nacUe.value(QStringLiteral("auroc")).toDouble() > 0.5, qPrintable(run.out));
    QVERIFY(report.value(QStringLiteral("average")).toObject().contains(QStringLiteral("NAC-UE")));
}

void TestCli::mergeCountsSamples()
{
    const QString merged = tmp(QStringLiteral("merged_ab.nacprofile"));
    const NacRun run = runNac({QStringLiteral("merge"), QStringLiteral("-o"), merged, m_profileA, m_profileB});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    QVERIFY2(run.err.contains(QStringLiteral("merged 2 profiles (80 fit images)")), qPrintable(run.describe()));

    const QString csv = tmp(QStringLiteral("merged_ab.csv"));
    const NacRun score = runNac({QStringLiteral("score"), QStringLiteral("--profile"), merged, QStringLiteral("--data"),
                                 QStringLiteral("noise:uniform:4"), QStringLiteral("-o"), csv});
    QVERIFY2(score.exitCode == kExitOk, qPrintable(score.describe()));
    QCOMPARE(readCsv(csv).size(), 5);

    // Merging refuses a profile of another model, naming the offending file.
    const QString other = tmp(QStringLiteral("tiny.nacprofile"));
    const NacRun fitOther = runNac({QStringLiteral("fit"), QStringLiteral("--model"), model(QStringLiteral("tiny_fixed.pt")),
                                    QStringLiteral("--data"), QStringLiteral("noise:uniform:8"), QStringLiteral("-o"), other});
    QVERIFY2(fitOther.exitCode == kExitOk, qPrintable(fitOther.describe()));
    const NacRun refused = runNac({QStringLiteral("merge"), QStringLiteral("-o"), tmp(QStringLiteral("refused.nacprofile")), m_profileA, other});
    QVERIFY2(refused.exitCode == kExitBadInput, qPrintable(refused.describe()));
    QVERIFY2(refused.err.contains(other) && refused.err.contains(QStringLiteral("different models")), qPrintable(refused.describe()));
    QVERIFY(!QFileInfo::exists(tmp(QStringLiteral("refused.nacprofile"))));
}

// A profile merged from shards equals one fitted on their union (same batches: 4 divides both shards).
void TestCli::mergeEqualsUnionFit_data()
{
    QTest::addColumn<QString>("graph");
    QTest::newRow("plain graph") << QStringLiteral("plain");
    QTest::newRow("frozen graph (default)") << QStringLiteral("frozen");
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
    QVERIFY(writeFile(tmp(QStringLiteral("union-images-idx3-ubyte")), all));
    QVERIFY(writeFile(tmp(QStringLiteral("shard1-images-idx3-ubyte")), shardHeader + pixels.left(kShard * kImageBytes)));
    QVERIFY(writeFile(tmp(QStringLiteral("shard2-images-idx3-ubyte")), shardHeader + pixels.mid(kShard * kImageBytes)));

    // One worker: the race between concurrent batches has its own test (fitIsDeterministic).
    const QStringList batch{QStringLiteral("--batch"), QStringLiteral("4"), QStringLiteral("--workers"), QStringLiteral("1"),
                            QStringLiteral("--graph"), graph};
    fitHelper(tmp(QStringLiteral("shard1-images-idx3-ubyte")), tmp(QStringLiteral("shard1.nacprofile")), batch);
    fitHelper(tmp(QStringLiteral("shard2-images-idx3-ubyte")), tmp(QStringLiteral("shard2.nacprofile")), batch);
    fitHelper(tmp(QStringLiteral("union-images-idx3-ubyte")), tmp(QStringLiteral("union.nacprofile")), batch);
    const NacRun merge = runNac({QStringLiteral("merge"), QStringLiteral("-o"), tmp(QStringLiteral("shards.nacprofile")),
                                 tmp(QStringLiteral("shard1.nacprofile")), tmp(QStringLiteral("shard2.nacprofile"))});
    QVERIFY2(merge.exitCode == kExitOk, qPrintable(merge.describe()));
    QVERIFY2(merge.err.contains(QStringLiteral("(40 fit images)")), qPrintable(merge.describe()));

    QList<QStringList> tables[2];
    const QString profiles[2] = {tmp(QStringLiteral("shards.nacprofile")), tmp(QStringLiteral("union.nacprofile"))};
    for (int p = 0; p < 2; ++p) {
        const QString csv = tmp(QStringLiteral("union_%1.csv").arg(p));
        const NacRun run = runNac({QStringLiteral("score"), QStringLiteral("--profile"), profiles[p], QStringLiteral("--data"),
                                   QStringLiteral("noise:uniform:16:seed=9"), QStringLiteral("--workers"), QStringLiteral("1"),
                                   QStringLiteral("--graph"), graph, QStringLiteral("-o"), csv});
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
                     qPrintable(QStringLiteral("row %1 column %2: merged %3, union %4").arg(row).arg(column).arg(merged).arg(unioned)));
            anyNonZero = anyNonZero || (column == 4 && merged > 0.0);
        }
    }
    QVERIFY2(anyNonZero, "every NAC score is 0: the comparison would not notice a wrong merge");
}

void TestCli::nacMe()
{
    // Two checkpoints (copies of one model, so their G must be equal) under names of their own.
    const QString m1 = tmp(QStringLiteral("m1.pt"));
    const QString m2 = tmp(QStringLiteral("m2.pt"));
    QVERIFY(QFile::copy(model(QStringLiteral("helper_method.pt")), m1) || QFileInfo::exists(m1));
    QVERIFY(QFile::copy(model(QStringLiteral("helper_method.pt")), m2) || QFileInfo::exists(m2));
    const QStringList common{QStringLiteral("me"), QStringLiteral("--data"), QStringLiteral("noise:uniform:40"), QStringLiteral("--layer"),
                             QStringLiteral("pool"), QStringLiteral("--batch"), QStringLiteral("16")};

    const NacRun run = runNac(common + QStringList{QStringLiteral("--all-samples"), m1, m2});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    QVERIFY2(run.out.contains(QStringLiteral("checkpoint")) && run.out.contains(QStringLiteral("G")), qPrintable(run.describe()));
    double coverage[2] = {-1.0, -1.0};
    const QString paths[2] = {m1, m2};
    for (int i = 0; i < 2; ++i) {
        // "<path>   <G>   -   40": no labels, so no accuracy; every sample used.
        const QRegularExpression row(QStringLiteral("^%1\\s+([0-9.]+)\\s+-\\s+40\\s*$").arg(QRegularExpression::escape(paths[i])),
                                     QRegularExpression::MultilineOption);
        const QRegularExpressionMatch match = row.match(run.out);
        QVERIFY2(match.hasMatch(), qPrintable(QStringLiteral("no row for %1\n").arg(paths[i]) + run.describe()));
        coverage[i] = match.captured(1).toDouble();
        QVERIFY(coverage[i] > 0.0 && coverage[i] <= 1.0);
    }
    QCOMPARE(coverage[0], coverage[1]);
    QVERIFY2(!run.out.contains(QStringLiteral("Spearman")), "a rank correlation needs accuracies");

    // Without --all-samples NAC-ME uses correctly classified samples only; noise has no labels.
    const NacRun unlabelled = runNac(common + QStringList{m1});
    QVERIFY2(unlabelled.exitCode == kExitBadInput, qPrintable(unlabelled.describe()));
    QVERIFY2(unlabelled.err.contains(QStringLiteral("label")), qPrintable(unlabelled.describe()));
}

void TestCli::corruptImageSkipped()
{
    const QString csv = tmp(QStringLiteral("mixed.csv"));
    const NacRun run = runNac({QStringLiteral("score"), QStringLiteral("--profile"), m_profileA, QStringLiteral("--data"),
                               tmp(QStringLiteral("mixed_images")), QStringLiteral("-o"), csv});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    QVERIFY2(run.err.contains(QStringLiteral("warning:")) && run.err.contains(tmp(QStringLiteral("mixed_images/b_corrupt.png"))),
             qPrintable(run.describe()));
    QCOMPARE(run.err.count(QStringLiteral("warning:")), 1);

    // Rows keep their data-set indices (files sorted by name); the corrupt file's index 1 is absent.
    const QList<QStringList> rows = readCsv(csv);
    QCOMPARE(rows.size(), 4);
    const QStringList files{QStringLiteral("a.png"), QStringLiteral("c.png"), QStringLiteral("d.png")};
    const QStringList indices{QStringLiteral("0"), QStringLiteral("2"), QStringLiteral("3")};
    for (int i = 0; i < files.size(); ++i) {
        QCOMPARE(rows[i + 1][0], indices[i]);
        QCOMPARE(rows[i + 1][1], tmp(QStringLiteral("mixed_images/") + files[i]));
    }
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
