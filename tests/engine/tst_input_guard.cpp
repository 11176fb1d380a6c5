// Tests for engine/input_guard: only regular files are read, sizes are checked before reading,
// and JSON nesting is bounded (strings with brackets do not count).
#include "engine/error.h"
#include "engine/input_guard.h"

#include <QtTest/QtTest>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <sys/stat.h>

using namespace nac::engine;

class TestInputGuard : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void regularFilesOnly_data();
    void regularFilesOnly();
    void jsonNesting_data();
    void jsonNesting();
};

void TestInputGuard::regularFilesOnly_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("mentions");  // empty: the read succeeds
    QTest::newRow("small file") << "small" << "";
    QTest::newRow("too large") << "large" << "more than the 16";
    QTest::newRow("/dev/zero") << "/dev/zero" << "not a regular file";
    QTest::newRow("FIFO") << "fifo" << "not a regular file";
    QTest::newRow("folder") << "folder" << "is a folder";
    QTest::newRow("missing") << "missing" << "does not exist";
}

void TestInputGuard::regularFilesOnly()
{
    QFETCH(QString, kind);
    QFETCH(QString, mentions);
    QTemporaryDir dir;
    QString path = dir.filePath("f");
    if (kind == "small" || kind == "large") {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(kind == "small" ? "0123456789" : "01234567890123456789");
    } else if (kind == "fifo") {
        QVERIFY(::mkfifo(qPrintable(path), 0600) == 0);
    } else if (kind == "folder") {
        QVERIFY(QDir(dir.path()).mkdir("f"));
    } else if (kind == "/dev/zero") {
        path = kind;
    }
    try {
        const std::string data = readRegularFile(path.toStdString(), 16, "test file");
        QVERIFY2(mentions.isEmpty(), "the read should have failed");
        QCOMPARE(data, std::string("0123456789"));
    } catch (const Error& e) {
        QVERIFY2(!mentions.isEmpty(), e.what());
        QVERIFY(e.kind() == ErrorKind::BadInput);
        QVERIFY2(QString(e.what()).contains("test file " + path), e.what());
        QVERIFY2(QString(e.what()).contains(mentions), e.what());
    }
}

void TestInputGuard::jsonNesting_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("flat") << QByteArray(R"({"a": [1, 2, {"b": 3}]})") << true;
    QTest::newRow("64 levels") << QByteArray(64, '[') + QByteArray(64, ']') << true;
    QTest::newRow("65 levels") << QByteArray(65, '[') + QByteArray(65, ']') << false;
    QTest::newRow("100000 levels") << QByteArray(100000, '[') + QByteArray(100000, ']') << false;
    QTest::newRow("brackets inside a string") << "{\"a\": \"" + QByteArray(1000, '[') + "\\\"\"}" << true;
    QTest::newRow("unclosed, deep") << "{\"a\": " + QByteArray(100, '{') << false;
}

void TestInputGuard::jsonNesting()
{
    QFETCH(QByteArray, json);
    QFETCH(bool, accepted);
    try {
        checkJsonNesting(json.toStdString(), kMaxJsonNesting, "x.json");
        QVERIFY2(accepted, "deep JSON was accepted");
    } catch (const Error& e) {
        QVERIFY2(!accepted, e.what());
        QVERIFY2(QString(e.what()).contains("x.json"), e.what());
    }
}

QTEST_APPLESS_MAIN(TestInputGuard)
#include "tst_input_guard.moc"
