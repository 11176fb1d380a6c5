// Tests for engine/sha256: FIPS 180-4 / NIST example vectors, file digests and unreadable files.
#include "engine/error.h"
#include "engine/sha256.h"

#include <QtTest/QtTest>

#include <QFile>
#include <QTemporaryDir>

#include <string>

using nac::engine::Error;
using nac::engine::ErrorKind;

namespace {

// Larger than the 1 MiB read chunk and not a multiple of the 64-byte block, so the file path
// crosses a chunk boundary and ends with a partial block.
constexpr int kFileSizeBytes = 1024 * 1024 + 1000;

}  // namespace

class TestSha256 : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void vectors_data();
    void vectors();
    void millionA();
    void fileMatchesMemory();
    void missingFile();
};

void TestSha256::vectors_data() {
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QString>("digest");

    // NIST "SHA-256 example" vectors (FIPS 180-4 examples, CSRC).
    QTest::newRow("empty") << QByteArray() << QStringLiteral(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    QTest::newRow("abc") << QByteArray("abc") << QStringLiteral(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    QTest::newRow("448 bits") << QByteArray("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                              << QStringLiteral("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    QTest::newRow("896 bits") << QByteArray("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                                            "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")
                              << QStringLiteral("cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

void TestSha256::vectors() {
    QFETCH(QByteArray, message);
    QFETCH(QString, digest);
    const std::string found = nac::engine::sha256Hex(message.constData(), static_cast<std::size_t>(message.size()));
    QCOMPARE(QString::fromStdString(found), digest);
}

void TestSha256::millionA() {
    const QByteArray message(1000000, 'a');
    const std::string found = nac::engine::sha256Hex(message.constData(), static_cast<std::size_t>(message.size()));
    QCOMPARE(QString::fromStdString(found),
             QStringLiteral("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
}

void TestSha256::fileMatchesMemory() {
    QByteArray bytes(kFileSizeBytes, '\0');
    for (int i = 0; i < bytes.size(); ++i) {
        bytes[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
    }
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("model.pt"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(bytes), static_cast<qint64>(bytes.size()));
    file.close();

    const std::string fromFile = nac::engine::sha256OfFile(path.toStdString());
    const std::string fromMemory = nac::engine::sha256Hex(bytes.constData(), static_cast<std::size_t>(bytes.size()));
    QCOMPARE(QString::fromStdString(fromFile), QString::fromStdString(fromMemory));
    QCOMPARE(fromFile.size(), std::size_t{64});
}

void TestSha256::missingFile() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath(QStringLiteral("no-such-model.pt")).toStdString();
    try {
        nac::engine::sha256OfFile(path);
        QFAIL("a missing file must throw");
    } catch (const Error& error) {
        QCOMPARE(error.kind(), ErrorKind::BadInput);
        QVERIFY2(std::string(error.what()).find(path) != std::string::npos, error.what());
    }
}

QTEST_APPLESS_MAIN(TestSha256)
#include "tst_sha256.moc"
