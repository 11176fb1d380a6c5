// ResourcePaths: environment first, then the install tree beside the executable, then the source
// tree beside a build tree. Only paths relative to the executable are compiled in.
#include "app/gui/resource_paths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace nac::app {

namespace {

constexpr const char* kDemoModelFile = "fashion_resnet18.pt";
constexpr const char* kDefaultDemoData = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";

QString besideExecutable(const QString& relativePath)
{
    return QDir::cleanPath(QDir(QCoreApplication::applicationDirPath()).absoluteFilePath(relativePath));
}

// <prefix>/share/nac-studio/<name> for an executable in <prefix>/bin (NAC_DATADIR_FROM_BINDIR is
// the install data folder relative to the install bin folder, "../share/nac-studio").
QString installedDir(const QString& name)
{
    return besideExecutable(QStringLiteral(NAC_DATADIR_FROM_BINDIR "/") + name);
}

// resources/<name> of the source tree, for an executable still in its build tree
// (NAC_RESOURCES_FROM_BUILD_DIR is that folder relative to the executable's build folder).
QString sourceDir(const QString& name)
{
    return besideExecutable(QStringLiteral(NAC_RESOURCES_FROM_BUILD_DIR "/") + name);
}

QString firstExistingDir(const QString& name, const char* envName)
{
    const QString env = qEnvironmentVariable(envName);
    if (!env.isEmpty())
        return QFileInfo(env).isDir() ? QFileInfo(env).absoluteFilePath() : QString();
    for (const QString& dir : {installedDir(name), sourceDir(name)}) {
        if (QFileInfo(dir).isDir())
            return dir;
    }
    return QString();
}

}  // namespace

QString ResourcePaths::demoDir()
{
    return firstExistingDir(QStringLiteral("demo"), "NAC_DEMO_DIR");
}

QString ResourcePaths::demoModel()
{
    const QString dir = demoDir();
    if (dir.isEmpty())
        return QString();
    const QString path = QDir(dir).filePath(QString::fromLatin1(kDemoModelFile));
    return QFileInfo(path).isFile() ? path : QString();
}

QString ResourcePaths::expectedDemoModel()
{
    QString dir = demoDir();
    if (dir.isEmpty())
        dir = installedDir(QStringLiteral("demo"));
    return QDir(dir).filePath(QString::fromLatin1(kDemoModelFile));
}

QString ResourcePaths::demoData()
{
    const QString env = qEnvironmentVariable("NAC_DEMO_DATA");
    const QString path = env.isEmpty() ? QString::fromLatin1(kDefaultDemoData) : env;
    return QFileInfo::exists(path) ? path : QString();
}

QString ResourcePaths::samplesDir()
{
    return firstExistingDir(QStringLiteral("samples"), "NAC_SAMPLES_DIR");
}

}  // namespace nac::app
