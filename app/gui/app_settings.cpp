// AppSettings: thin typed access to QSettings.
#include "app/gui/app_settings.h"

#include <QDir>
#include <QSettings>
#include <QStandardPaths>

#include <algorithm>

namespace nac::app {

namespace {
constexpr int kDefaultSampleCount = 1000;  // the reference's valid_num (SPEC §3)
}

QString AppSettings::recentKey(RecentKind kind)
{
    switch (kind) {
    case RecentKind::Model:
        return QStringLiteral("recent/models");
    case RecentKind::Dataset:
        return QStringLiteral("recent/datasets");
    case RecentKind::Profile:
        return QStringLiteral("recent/profiles");
    }
    return QStringLiteral("recent/other");
}

QStringList AppSettings::recent(RecentKind kind) const
{
    return QSettings().value(recentKey(kind)).toStringList();
}

void AppSettings::addRecent(RecentKind kind, const QString& path)
{
    if (path.isEmpty())
        return;
    QStringList list = recent(kind);
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > kMaxRecent)
        list.removeLast();
    QSettings().setValue(recentKey(kind), list);
}

void AppSettings::removeRecent(RecentKind kind, const QString& path)
{
    QStringList list = recent(kind);
    list.removeAll(path);
    QSettings().setValue(recentKey(kind), list);
}

QByteArray AppSettings::windowGeometry() const
{
    return QSettings().value(QStringLiteral("window/geometry")).toByteArray();
}

void AppSettings::setWindowGeometry(const QByteArray& geometry)
{
    QSettings().setValue(QStringLiteral("window/geometry"), geometry);
}

QByteArray AppSettings::windowState() const
{
    return QSettings().value(QStringLiteral("window/state")).toByteArray();
}

void AppSettings::setWindowState(const QByteArray& state)
{
    QSettings().setValue(QStringLiteral("window/state"), state);
}

QByteArray AppSettings::splitterState(const QString& name) const
{
    return QSettings().value(QStringLiteral("splitters/") + name).toByteArray();
}

void AppSettings::setSplitterState(const QString& name, const QByteArray& state)
{
    QSettings().setValue(QStringLiteral("splitters/") + name, state);
}

QString AppSettings::lastFolder() const
{
    return QSettings().value(QStringLiteral("files/lastFolder")).toString();
}

void AppSettings::setLastFolder(const QString& folder)
{
    QSettings().setValue(QStringLiteral("files/lastFolder"), folder);
}

int AppSettings::sampleCount() const
{
    const int count = QSettings().value(QStringLiteral("fit/samples"), kDefaultSampleCount).toInt();
    return count > 0 ? count : kDefaultSampleCount;
}

void AppSettings::setSampleCount(int count)
{
    QSettings().setValue(QStringLiteral("fit/samples"), count);
}

QString AppSettings::inputSpec(const QString& modelPath) const
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("inputSpecs"));
    return settings.value(QString::fromLatin1(modelPath.toUtf8().toBase64(QByteArray::Base64UrlEncoding))).toString();
}

void AppSettings::setInputSpec(const QString& modelPath, const QString& spec)
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("inputSpecs"));
    settings.setValue(QString::fromLatin1(modelPath.toUtf8().toBase64(QByteArray::Base64UrlEncoding)), spec);
}

QString AppSettings::device() const
{
    return QSettings().value(QStringLiteral("fit/device")).toString();
}

void AppSettings::setDevice(const QString& device)
{
    QSettings().setValue(QStringLiteral("fit/device"), device);
}

int AppSettings::pngExportScale() const
{
    bool ok = false;
    const int scale = QSettings().value(QStringLiteral("export/pngScale"), 2).toInt(&ok);
    return ok ? std::clamp(scale, kMinPngScale, kMaxPngScale) : 2;
}

void AppSettings::setPngExportScale(int scale)
{
    QSettings().setValue(QStringLiteral("export/pngScale"), std::clamp(scale, kMinPngScale, kMaxPngScale));
}

AppSettings::Session AppSettings::session() const
{
    QSettings settings;
    Session session;
    session.profilePath = settings.value(QStringLiteral("session/profile")).toString();
    session.dataSpec = settings.value(QStringLiteral("session/data")).toString();
    session.scoredFiles = settings.value(QStringLiteral("session/scored")).toStringList();
    return session;
}

void AppSettings::setSession(const Session& session)
{
    QSettings settings;
    settings.setValue(QStringLiteral("session/profile"), session.profilePath);
    settings.setValue(QStringLiteral("session/data"), session.dataSpec);
    settings.setValue(QStringLiteral("session/scored"), session.scoredFiles);
}

void AppSettings::clearSession()
{
    QSettings().remove(QStringLiteral("session"));
}

QString AppSettings::sessionProfilePath()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QDir().mkpath(dir);
    return QDir(dir).filePath(QStringLiteral("last-session.nacprofile"));
}

}  // namespace nac::app
