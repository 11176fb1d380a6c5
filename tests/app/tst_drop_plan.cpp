// DropPlanner: what a drop or paste of files, folders, text or raw image data turns into.
#include "app/gui/drop_plan.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QMimeData>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using nac::app::DropPlan;
using nac::app::DropPlanner;

class TestDropPlan : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString touch(const QString& relative, const QByteArray& bytes = "x")
    {
        const QString path = m_dir.filePath(relative);
        QDir().mkpath(QFileInfo(path).absolutePath());
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return QString();
        file.write(bytes);
        return path;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        touch(QStringLiteral("model.pt"));
        touch(QStringLiteral("fit.nacprofile"));
        touch(QStringLiteral("train-images-idx3-ubyte.gz"));
        touch(QStringLiteral("a.png"));
        touch(QStringLiteral("notes.txt"));
        touch(QStringLiteral("folder/b.png"));
        touch(QStringLiteral("folder/sub/c.JPG"));
        touch(QStringLiteral("folder/readme.md"));
        QDir().mkpath(m_dir.filePath(QStringLiteral("empty")));
    }

    void classifies_data()
    {
        QTest::addColumn<QStringList>("dropped");
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("profile");
        QTest::addColumn<QString>("dataset");
        QTest::addColumn<QStringList>("images");
        QTest::addColumn<bool>("hasNote");
        const QString none;
        QTest::newRow("one image") << QStringList{"a.png"} << none << none << none << QStringList{"a.png"} << false;
        QTest::newRow("model") << QStringList{"model.pt"} << "model.pt" << none << none << QStringList{} << false;
        QTest::newRow("profile") << QStringList{"fit.nacprofile"} << none << "fit.nacprofile" << none << QStringList{} << false;
        QTest::newRow("idx data set") << QStringList{"train-images-idx3-ubyte.gz"} << none << none
                                      << "train-images-idx3-ubyte.gz" << QStringList{} << false;
        QTest::newRow("folder, recursive, images only")
            << QStringList{"folder"} << none << none << none << QStringList{"folder/b.png", "folder/sub/c.JPG"} << false;
        QTest::newRow("text file kept: it gets its own line")
            << QStringList{"notes.txt", "a.png"} << none << none << none << QStringList{"notes.txt", "a.png"} << false;
        QTest::newRow("model and images") << QStringList{"model.pt", "a.png"} << "model.pt" << none << none
                                          << QStringList{"a.png"} << false;
        QTest::newRow("empty folder: a note") << QStringList{"empty"} << none << none << none << QStringList{} << true;
        QTest::newRow("missing file: kept, the engine names it")
            << QStringList{"gone.png"} << none << none << none << QStringList{"gone.png"} << false;
    }

    void classifies()
    {
        QFETCH(QStringList, dropped);
        QFETCH(QString, model);
        QFETCH(QString, profile);
        QFETCH(QString, dataset);
        QFETCH(QStringList, images);
        QFETCH(bool, hasNote);
        QMimeData mime;
        QList<QUrl> urls;
        for (const QString& name : dropped)
            urls.append(QUrl::fromLocalFile(m_dir.filePath(name)));
        mime.setUrls(urls);
        QVERIFY(DropPlanner::canHandle(&mime));
        const DropPlan plan = DropPlanner::plan(&mime);
        auto full = [this](const QString& name) { return name.isEmpty() ? QString() : m_dir.filePath(name); };
        QCOMPARE(plan.model, full(model));
        QCOMPARE(plan.profile, full(profile));
        QCOMPARE(plan.dataset, full(dataset));
        QStringList expected;
        for (const QString& name : images)
            expected.append(full(name));
        QCOMPARE(plan.images, expected);
        QCOMPARE(!plan.note.isEmpty(), hasNote);
        QVERIFY(plan.rawImage.isNull());
    }

    void textListsAndRawImages()
    {
        QMimeData text;
        text.setText(m_dir.filePath(QStringLiteral("a.png")) + QStringLiteral("\nnot a path\n"));
        QCOMPARE(DropPlanner::plan(&text).images, QStringList{m_dir.filePath(QStringLiteral("a.png"))});

        QMimeData image;
        QImage pixels(8, 8, QImage::Format_RGB32);
        pixels.fill(Qt::red);
        image.setImageData(pixels);
        QVERIFY(DropPlanner::canHandle(&image));
        const DropPlan plan = DropPlanner::plan(&image);
        QVERIFY(!plan.rawImage.isNull());
        QVERIFY(plan.images.isEmpty());

        QMimeData nothing;
        nothing.setText(QStringLiteral("hello"));
        QVERIFY(!DropPlanner::canHandle(&nothing));
        QVERIFY(DropPlanner::plan(&nothing).isEmpty());
        QVERIFY(!DropPlanner::canHandle(nullptr));
    }
};

QTEST_MAIN(TestDropPlan)
#include "tst_drop_plan.moc"
