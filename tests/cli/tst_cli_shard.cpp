// End-to-end test of `nac fit --shard K/N` + `nac merge` and `nac score --shard K/N`: the real
// `nac` on the demo model and real images, compared byte for byte with the unsharded runs.
#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>

using namespace Qt::StringLiterals;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;
// A run here fits or scores a few hundred 28x28 images; a hung process must not hang CTest.
constexpr int kProcessTimeoutMs = 300000;
// The .nacprofile layout (engine/profile_io.cpp): magic, format version, header length, the
// JSON header, the data blocks, and a SHA-256 of everything before it.
constexpr int kProfileMagicBytes = 8;
constexpr int kProfileHeaderStart = kProfileMagicBytes + 4 + 8;
constexpr int kProfileDigestBytes = 32;

struct NacRun {
    int exitCode = -1;
    QString err;
    QString describe() const { return u"exit %1\n--- stderr:\n%2"_s.arg(exitCode).arg(err.left(4000)); }
};

QByteArray readAll(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return QByteArray();
    return file.readAll();
}

struct ProfileParts {
    bool valid = false;
    QByteArray header;  // the JSON header text
    QByteArray body;    // raw products, counts, logits, held-out blocks (no digest)
};

ProfileParts splitProfile(const QByteArray& bytes)
{
    ProfileParts parts;
    if (bytes.size() < kProfileHeaderStart + kProfileDigestBytes)
        return parts;
    quint64 headerBytes = 0;
    std::memcpy(&headerBytes, bytes.constData() + kProfileMagicBytes + 4, sizeof(headerBytes));  // little-endian
    if (headerBytes > quint64(bytes.size() - kProfileHeaderStart - kProfileDigestBytes))
        return parts;
    parts.header = bytes.mid(kProfileHeaderStart, qsizetype(headerBytes));
    parts.body = bytes.mid(kProfileHeaderStart + qsizetype(headerBytes),
                           bytes.size() - kProfileHeaderStart - qsizetype(headerBytes) - kProfileDigestBytes);
    parts.valid = true;
    return parts;
}

}  // namespace

class TestCliShard : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void shardedRunsEqualUnsharded_data();
    void shardedRunsEqualUnsharded();
    void invalidShards_data();
    void invalidShards();

private:
    NacRun runNac(const QStringList& arguments) const;
    QString expand(QString text) const;

    QTemporaryDir m_tmp;
    QString m_demoModel;
    QString m_fashion;  // Debian's dataset-fashion-mnist, or empty
    QString m_smallProfile;  // the demo model fitted on 20 MNIST digits
    int m_rows = 0;
};

NacRun TestCliShard::runNac(const QStringList& arguments) const
{
    QProcess process;
    process.setProcessChannelMode(QProcess::SeparateChannels);
    process.start(QStringLiteral(NAC_CLI_PATH), arguments);
    NacRun run;
    if (!process.waitForStarted()) {
        run.err = u"could not start "_s + QStringLiteral(NAC_CLI_PATH);
        return run;
    }
    if (!process.waitForFinished(kProcessTimeoutMs)) {
        process.kill();
        process.waitForFinished();
        run.err = u"timed out: "_s;
    }
    if (process.exitStatus() == QProcess::NormalExit)
        run.exitCode = process.exitCode();
    run.err += QString::fromUtf8(process.readAllStandardError());
    return run;
}

// {demo} the demo's folder, {fashion} the Fashion-MNIST folder.
QString TestCliShard::expand(QString text) const
{
    text.replace(u"{demo}"_s, QFileInfo(m_demoModel).absolutePath());
    text.replace(u"{fashion}"_s, m_fashion);
    return text;
}

void TestCliShard::initTestCase()
{
    QVERIFY2(QFileInfo(QStringLiteral(NAC_CLI_PATH)).isExecutable(), NAC_CLI_PATH " is not built");
    QVERIFY(m_tmp.isValid());
    m_demoModel = QStringLiteral(NAC_SOURCE_DIR "/resources/demo/fashion_resnet18.pt");
    QVERIFY2(QFileInfo::exists(m_demoModel), qPrintable(m_demoModel + u" is missing"_s));
    const QString fashion = u"/usr/share/datasets/fashion-mnist"_s;
    if (QFileInfo::exists(fashion + u"/train-images-idx3-ubyte.gz"_s))
        m_fashion = fashion;
    m_smallProfile = m_tmp.filePath(u"small.nacprofile"_s);
    const NacRun run = runNac({u"fit"_s, u"--quiet"_s, u"--model"_s, m_demoModel, u"--data"_s,
                               expand(u"{demo}/ood/mnist-images-idx3-ubyte.gz@0-19"_s), u"--samples"_s, u"all"_s, u"-o"_s, m_smallProfile});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
}

void TestCliShard::shardedRunsEqualUnsharded_data()
{
    QTest::addColumn<int>("shards");
    QTest::addColumn<QStringList>("fitArguments");
    QTest::addColumn<QString>("scoreData");
    QTest::addColumn<bool>("needsFashion");

    // The demo model's nac.json reserves training images 55000-59999 (never trained on): on the
    // whole training set the fit leaves them out and the held-out images come from them.
    QTest::newRow("class-balanced subset, held-out from the model's reserved range, 4 shards")
        << 4
        << QStringList{u"--data"_s, u"{fashion}/train-images-idx3-ubyte.gz"_s, u"--samples"_s, u"120"_s, u"--holdout"_s, u"30"_s}
        << u"{fashion}/t10k-images-idx3-ubyte.gz@0-99"_s << true;
    // Held-out images drawn from what the fit leaves over; an uneven split (103 images in 3).
    QTest::newRow("held-out from the fit set, seed 7, 3 shards")
        << 3
        << QStringList{u"--data"_s, u"{demo}/ood/mnist-images-idx3-ubyte.gz"_s, u"--samples"_s, u"103"_s, u"--seed"_s, u"7"_s,
                       u"--holdout"_s, u"20"_s}
        << u"{demo}/ood/textures-test-images-idx3-ubyte.gz@0-70"_s << false;
    // Every image, with held-out images from their own data set (all of it), layer options given.
    QTest::newRow("--samples all, --holdout-data, --layer, 4 shards")
        << 4
        << QStringList{u"--data"_s, u"{demo}/ood/mnist-images-idx3-ubyte.gz@0-89"_s, u"--samples"_s, u"all"_s,
                       u"--holdout-data"_s, u"{demo}/ood/mnist-images-idx3-ubyte.gz@100-122"_s,
                       u"--layer"_s, u"layer3:M=30,O=20,alpha=50"_s, u"--layer"_s, u"avgpool"_s}
        << u"{demo}/ood/mnist-images-idx3-ubyte.gz@200-262"_s << false;
}

void TestCliShard::shardedRunsEqualUnsharded()
{
    QFETCH(int, shards);
    QFETCH(QStringList, fitArguments);
    QFETCH(QString, scoreData);
    QFETCH(bool, needsFashion);
    if (needsFashion && m_fashion.isEmpty())
        QSKIP("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist, packaging/setup.sh installs it)");
    for (QString& argument : fitArguments)
        argument = expand(argument);
    scoreData = expand(scoreData);
    const QString dir = m_tmp.filePath(u"row%1"_s.arg(++m_rows));
    QVERIFY(QDir().mkpath(dir));
    const QStringList model{u"--model"_s, m_demoModel, u"--quiet"_s};

    const QString whole = dir + u"/whole.nacprofile"_s;
    NacRun run = runNac(QStringList{u"fit"_s} + model + fitArguments + QStringList{u"-o"_s, whole});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));

    QStringList shardProfiles;
    for (int k = 0; k < shards; ++k) {
        const QString shardSpec = u"%1/%2"_s.arg(k).arg(shards);
        shardProfiles << dir + u"/shard%1.nacprofile"_s.arg(k);
        run = runNac(QStringList{u"fit"_s} + model + fitArguments + QStringList{u"--shard"_s, shardSpec, u"-o"_s, shardProfiles.last()});
        QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
        QVERIFY2(run.err.contains(u"note: shard "_s + shardSpec + u": fit images "_s), qPrintable(run.err));
    }
    const QString merged = dir + u"/merged.nacprofile"_s;
    run = runNac(QStringList{u"merge"_s, u"--quiet"_s, u"-o"_s, merged} + shardProfiles);
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));

    // The profiles: the same header but for who made them, and the same data blocks byte for
    // byte (fit and held-out raw products and logits in the same order, counts).
    const ProfileParts wholeParts = splitProfile(readAll(whole));
    const ProfileParts mergedParts = splitProfile(readAll(merged));
    QVERIFY(wholeParts.valid && mergedParts.valid);
    QByteArray mergedHeader = mergedParts.header;
    QVERIFY2(mergedHeader.contains("\"created_by\":\"nac merge\""), mergedHeader.left(200).constData());
    mergedHeader.replace("\"created_by\":\"nac merge\"", "\"created_by\":\"nac fit\"");
    QCOMPARE(mergedHeader, wholeParts.header);
    QVERIFY(wholeParts.body == mergedParts.body);

    // Scores against the merged profile equal scores against the unsharded one.
    const QString wholeCsv = dir + u"/whole.csv"_s;
    const QString mergedCsv = dir + u"/merged.csv"_s;
    run = runNac({u"score"_s, u"--quiet"_s, u"--profile"_s, whole, u"--data"_s, scoreData, u"-o"_s, wholeCsv});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    run = runNac({u"score"_s, u"--quiet"_s, u"--profile"_s, merged, u"--data"_s, scoreData, u"-o"_s, mergedCsv});
    QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
    const QByteArray wholeScores = readAll(wholeCsv);
    QVERIFY(wholeScores.startsWith("index,source,label,predicted,score"));
    QVERIFY(wholeScores.count('\n') > 50);
    QCOMPARE(readAll(mergedCsv), wholeScores);

    // Sharded scoring: shard 0 writes the header, and the shards concatenated in order are the
    // unsharded CSV.
    QByteArray concatenated;
    for (int k = 0; k < shards; ++k) {
        const QString csv = dir + u"/scores%1.csv"_s.arg(k);
        run = runNac({u"score"_s, u"--quiet"_s, u"--profile"_s, merged, u"--data"_s, scoreData, u"--shard"_s,
                      u"%1/%2"_s.arg(k).arg(shards), u"-o"_s, csv});
        QVERIFY2(run.exitCode == kExitOk, qPrintable(run.describe()));
        const QByteArray part = readAll(csv);
        QVERIFY(!part.isEmpty());
        QCOMPARE(part.startsWith("index,"), k == 0);
        concatenated += part;
    }
    QCOMPARE(concatenated, wholeScores);
}

void TestCliShard::invalidShards_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");

    const QString mnist = u"{demo}/ood/mnist-images-idx3-ubyte.gz"_s;
    const QStringList fit{u"fit"_s, u"--model"_s, u"{demo}/fashion_resnet18.pt"_s, u"--data"_s, mnist, u"-o"_s, u"{tmp}/x.nacprofile"_s};
    QTest::newRow("K equals N") << fit + QStringList{u"--shard"_s, u"4/4"_s} << u"--shard '4/4': the shard index K must be below N"_s;
    QTest::newRow("no slash") << fit + QStringList{u"--shard"_s, u"3"_s} << u"--shard '3' is not K/N"_s;
    QTest::newRow("letters") << fit + QStringList{u"--shard=a/4"_s} << u"--shard 'a/4': K and N must be whole numbers"_s;
    QTest::newRow("negative") << fit + QStringList{u"--shard"_s, u"-1/4"_s} << u"K and N must be whole numbers"_s;
    QTest::newRow("no shards") << fit + QStringList{u"--shard"_s, u"0/0"_s} << u"N must be at least 1"_s;
    QTest::newRow("no value") << fit + QStringList{u"--shard"_s} << u"--shard needs a value"_s;
    QTest::newRow("given twice") << fit + QStringList{u"--shard"_s, u"0/2"_s, u"--shard"_s, u"1/2"_s}
                                 << u"--shard is given more than once"_s;
    QTest::newRow("more shards than fit images")
        << QStringList{u"fit"_s, u"--model"_s, u"{demo}/fashion_resnet18.pt"_s, u"--data"_s, mnist + u"@0-2"_s, u"--samples"_s,
                       u"all"_s, u"--shard"_s, u"1/4"_s, u"-o"_s, u"{tmp}/x.nacprofile"_s}
        << u"--shard 1/4: there are only 3 fit images, fewer than the 4 shards; use at most 3 shards"_s;
    QTest::newRow("score: letters")
        << QStringList{u"score"_s, u"--profile"_s, u"{small}"_s, u"--data"_s, mnist, u"--shard"_s, u"0/x"_s, u"-o"_s, u"{tmp}/x.csv"_s}
        << u"--shard '0/x': K and N must be whole numbers"_s;
    QTest::newRow("score: more shards than images")
        << QStringList{u"score"_s, u"--profile"_s, u"{small}"_s, u"--data"_s, mnist + u"@0-2"_s, u"--shard"_s, u"3/5"_s, u"-o"_s,
                       u"{tmp}/x.csv"_s}
        << u"--shard 3/5: there are only 3 images in "_s;
}

void TestCliShard::invalidShards()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    for (QString& argument : arguments) {
        argument = expand(argument);
        argument.replace(u"{tmp}"_s, m_tmp.path());
        argument.replace(u"{small}"_s, m_smallProfile);
    }
    const NacRun run = runNac(arguments);
    QVERIFY2(run.exitCode == kExitUsage, qPrintable(run.describe()));
    QVERIFY2(run.err.contains(message), qPrintable(run.describe()));
    QVERIFY(!QFileInfo::exists(m_tmp.filePath(u"x.nacprofile"_s)));
    QVERIFY(!QFileInfo::exists(m_tmp.filePath(u"x.csv"_s)));
}

QTEST_GUILESS_MAIN(TestCliShard)
#include "tst_cli_shard.moc"
