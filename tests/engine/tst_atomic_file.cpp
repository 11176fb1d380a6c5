// Tests for engine/atomic_file: a save replaces the target whole or not at all, leaves no
// temporary file behind, removes stale temporaries of dead processes, and the signal-time
// cleanup removes a save's temporary file while it is being written.
#include "engine/atomic_file.h"
#include "engine/error.h"

#include <QtTest/QtTest>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <unistd.h>

using namespace nac::engine;

namespace {

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QStringList temporaries(const QString& folder)
{
    return QDir(folder).entryList({QStringLiteral("*.tmp-*")}, QDir::Files);
}

}  // namespace

class TestAtomicFile : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void writesAndReplaces();
    void failuresKeepOldFile_data();
    void failuresKeepOldFile();
    void staleTemporariesRemoved();
    void signalCleanupRemovesTemporary();
};

void TestAtomicFile::writesAndReplaces()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("out.csv");
    writeFileAtomically(path.toStdString(), "first\n", "scores CSV");
    QCOMPARE(readAll(path), QByteArray("first\n"));
    writeFileAtomically(path.toStdString(), "second\n", "scores CSV");
    QCOMPARE(readAll(path), QByteArray("second\n"));
    saveFileAtomically(
        path.toStdString(),
        [](const std::string& temporary) {
            QFile file(QString::fromStdString(temporary));
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("third\n");
        },
        "model");
    QCOMPARE(readAll(path), QByteArray("third\n"));
    QVERIFY(temporaries(dir.path()).isEmpty());
}

void TestAtomicFile::failuresKeepOldFile_data()
{
    QTest::addColumn<QString>("failure");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("missing folder") << "missing" << "does not exist";
    QTest::newRow("target is a folder") << "folder" << "is a folder";
    QTest::newRow("writer throws") << "throws" << "writer failed";
}

void TestAtomicFile::failuresKeepOldFile()
{
    QFETCH(QString, failure);
    QFETCH(QString, mentions);
    QTemporaryDir dir;
    const QString old = dir.filePath("p.nacprofile");
    writeFileAtomically(old.toStdString(), "old", "profile");
    QString path = old;
    if (failure == "missing")
        path = dir.filePath("missing/p.nacprofile");
    else if (failure == "folder")
        QVERIFY(QDir(dir.path()).mkdir(path = dir.filePath("taken")));
    try {
        if (failure == "throws")
            saveFileAtomically(
                path.toStdString(),
                [](const std::string& temporary) {
                    QFile file(QString::fromStdString(temporary));
                    QVERIFY(file.open(QIODevice::WriteOnly));
                    file.write("half");
                    file.close();
                    throw badInput("writer failed");
                },
                "profile");
        else
            writeFileAtomically(path.toStdString(), "new", "profile");
        QFAIL("the save should have failed");
    } catch (const Error& e) {
        QVERIFY(e.kind() == ErrorKind::BadInput);
        QVERIFY2(QString(e.what()).contains(mentions), e.what());
        if (failure != "throws")
            QVERIFY2(QString(e.what()).contains(path), e.what());
    }
    QCOMPARE(readAll(old), QByteArray("old"));
    QVERIFY(temporaries(dir.path()).isEmpty());
}

void TestAtomicFile::staleTemporariesRemoved()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("p.nacprofile");
    // A PID above Linux's limit (2^22) is never running; this process's own temporaries stay;
    // other files that only look alike stay.
    const QString dead = path + ".tmp-2147483000-0123456789abcdef";
    const QString mine = path + QStringLiteral(".tmp-%1-0123456789abcdef").arg(::getpid());
    const QString other = dir.filePath("q.nacprofile.tmp-2147483000-1");
    for (const QString& file : {dead, mine, other}) {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
    }
    writeFileAtomically(path.toStdString(), "new", "profile");
    QVERIFY(!QFile::exists(dead));
    QVERIFY(QFile::exists(mine));
    QVERIFY(QFile::exists(other));
}

void TestAtomicFile::signalCleanupRemovesTemporary()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("scores.csv");
    QString seen;
    try {
        saveFileAtomically(
            path.toStdString(),
            [&](const std::string& temporary) {
                seen = QString::fromStdString(temporary);
                QFile file(seen);
                QVERIFY(file.open(QIODevice::WriteOnly));
                file.close();
                QVERIFY(QFile::exists(seen));
                removeTemporaryFilesInProgress();  // what the SIGINT watchdog calls before _exit
                QVERIFY(!QFile::exists(seen));
                throw badInput("interrupted");
            },
            "scores CSV");
    } catch (const Error&) {
    }
    QVERIFY(seen.contains(".tmp-"));
    QVERIFY(!QFile::exists(path));
    QVERIFY(temporaries(dir.path()).isEmpty());
}

QTEST_APPLESS_MAIN(TestAtomicFile)
#include "tst_atomic_file.moc"
