// DropPlanner: sorts dropped or pasted content into models, profiles, data sets and images.
#include "app/gui/drop_plan.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QMimeData>
#include <QUrl>

namespace nac::app {

namespace {

QString tr(const char* text, int n = -1)
{
    return QCoreApplication::translate("nac::app::DropPlanner", text, nullptr, n);
}

bool isModelFile(const QFileInfo& info)
{
    const QString suffix = info.suffix().toLower();
    return info.isFile() && (suffix == QLatin1String("pt") || suffix == QLatin1String("pth") || suffix == QLatin1String("ptl"));
}

bool isProfileFile(const QFileInfo& info)
{
    return info.isFile() && info.suffix().compare(QLatin1String("nacprofile"), Qt::CaseInsensitive) == 0;
}

bool isIdxFile(const QFileInfo& info)
{
    const QString name = info.fileName().toLower();
    return info.isFile() && (name.contains(QLatin1String("-ubyte")) || name.endsWith(QLatin1String(".idx"))
                             || name.endsWith(QLatin1String(".idx.gz")));
}

QStringList pathsOf(const QMimeData* mime)
{
    QStringList paths;
    if (!mime)
        return paths;
    if (mime->hasUrls()) {
        for (const QUrl& url : mime->urls())
            if (url.isLocalFile())
                paths.append(url.toLocalFile());
    } else if (mime->hasText()) {
        // A list of paths as text (copied from a terminal): only lines that name existing files count.
        for (const QString& line : mime->text().split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
            const QString path = line.trimmed();
            if (!path.isEmpty() && QFileInfo::exists(path))
                paths.append(path);
        }
    }
    return paths;
}

}  // namespace

bool DropPlanner::isImageFileName(const QString& path)
{
    static const QStringList suffixes{QStringLiteral("png"), QStringLiteral("jpg"), QStringLiteral("jpeg"),
                                      QStringLiteral("bmp"), QStringLiteral("webp")};
    return suffixes.contains(QFileInfo(path).suffix().toLower());
}

bool DropPlanner::canHandle(const QMimeData* mime)
{
    return mime && (!pathsOf(mime).isEmpty() || mime->hasImage());
}

QStringList DropPlanner::expandImagePaths(const QStringList& paths, QString* note)
{
    QStringList files;
    int emptyFolders = 0;
    bool truncated = false;
    for (const QString& path : paths) {
        if (QFileInfo(path).isDir()) {
            QStringList inFolder;
            QDirIterator it(path, QDir::Files | QDir::Readable, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString file = it.next();
                if (isImageFileName(file))
                    inFolder.append(file);
            }
            inFolder.sort();
            if (inFolder.isEmpty())
                ++emptyFolders;
            files.append(inFolder);
        } else {
            files.append(path);
        }
        if (files.size() > kMaxFolderImages) {
            files = files.mid(0, kMaxFolderImages);
            truncated = true;
            break;
        }
    }
    QStringList notes;
    if (emptyFolders > 0)
        notes.append(tr("%n dropped folder(s) held no PNG, JPEG, BMP or WebP images.", emptyFolders));
    if (truncated)
        notes.append(tr("Only the first %1 images are scored.").arg(kMaxFolderImages));
    if (note)
        *note = notes.join(QLatin1Char(' '));
    return files;
}

DropPlan DropPlanner::plan(const QMimeData* mime)
{
    DropPlan plan;
    QStringList others;
    for (const QString& path : pathsOf(mime)) {
        const QFileInfo info(path);
        if (isModelFile(info))
            plan.model = path;
        else if (isProfileFile(info))
            plan.profile = path;
        else if (isIdxFile(info))
            plan.dataset = path;
        else
            others.append(path);
    }
    plan.images = expandImagePaths(others, &plan.note);
    if (plan.isEmpty() && plan.note.isEmpty() && mime && mime->hasImage())
        plan.rawImage = qvariant_cast<QImage>(mime->imageData());
    return plan;
}

}  // namespace nac::app
