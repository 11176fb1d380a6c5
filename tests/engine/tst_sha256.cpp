// Tests for engine/sha256: FIPS 180-4 / NIST example vectors, file digests and unreadable files.
#include "engine/error.h"
#include "engine/sha256.h"

#include <QtTest/QtTest>

#include <QFile>
#include <QTemporaryDir>

#include <algorithm>
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
    void streamInPiecesMatchesWhole();
    void missingFile();
    void extensionsMatchPortable();
    void cleanup() { nac::engine::setSha256PortableOnly(false); }
};

namespace {

// Digest computed by both implementations (the CPU's SHA extensions where it has them, and the
// portable code); they must agree.
std::string digestBothWays(const QByteArray& message) {
    nac::engine::setSha256PortableOnly(true);
    const std::string portable = nac::engine::sha256Hex(message.constData(), static_cast<std::size_t>(message.size()));
    nac::engine::setSha256PortableOnly(false);
    const std::string fast = nac::engine::sha256Hex(message.constData(), static_cast<std::size_t>(message.size()));
    if (portable != fast) {
        return "portable " + portable + " != SHA extensions " + fast;
    }
    return fast;
}

}  // namespace

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
    QCOMPARE(QString::fromStdString(digestBothWays(message)), digest);
}

void TestSha256::millionA() {
    const QByteArray message(1000000, 'a');
    QCOMPARE(QString::fromStdString(digestBothWays(message)),
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

// Every length around the block and padding boundaries, at odd offsets in memory.
void TestSha256::extensionsMatchPortable() {
    qInfo("SHA extensions %s", nac::engine::sha256UsesShaExtensions() ? "used" : "not available (portable code only)");
    QByteArray buffer(4096 + 3, '\0');
    for (int i = 0; i < buffer.size(); ++i) {
        buffer[i] = static_cast<char>((i * 7919 + 13) & 0xff);
    }
    for (int length : {0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096}) {
        for (int offset : {0, 1, 3}) {
            const QByteArray message = buffer.mid(offset, length);
            const std::string digest = digestBothWays(message);
            QVERIFY2(digest.size() == 64, qPrintable(QString("length %1 offset %2: %3").arg(length).arg(offset).arg(QString::fromStdString(digest))));
        }
    }
}

// Profiles are hashed while they are streamed: any split into pieces (empty ones, pieces that
// end inside a 64-byte block, pieces spanning many blocks) gives the digest of the whole.
void TestSha256::streamInPiecesMatchesWhole() {
    QByteArray message(300000, '\0');
    for (int i = 0; i < message.size(); ++i)
        message[i] = char((i * 131 + i / 7) & 0xFF);
    const std::string whole = nac::engine::sha256Hex(message.constData(), static_cast<std::size_t>(message.size()));
    for (int piece : {1, 7, 63, 64, 65, 1000, 65536, 300000}) {
        nac::engine::Sha256Stream stream;
        stream.update(message.constData(), 0);
        for (int at = 0; at < message.size(); at += piece)
            stream.update(message.constData() + at, static_cast<std::size_t>(std::min(piece, int(message.size()) - at)));
        QCOMPARE(stream.hexDigest(), whole);
    }
    nac::engine::Sha256Stream empty;
    QCOMPARE(empty.hexDigest(), std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

QTEST_APPLESS_MAIN(TestSha256)
#include "tst_sha256.moc"
