// ResourcePaths: environment first, then the install tree next to the executable, then the source tree.
#include "app/gui/resource_paths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace nac::app {

namespace {

constexpr const char* kDemoModelFile = "fashion_resnet18.pt";
constexpr const char* kDefaultDemoData = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";

// <prefix>/share/nac-studio/<name> for an executable in <prefix>/bin.
QString installedDir(const QString& name)
{
    const QDir bin(QCoreApplication::applicationDirPath());
    return QDir::cleanPath(bin.absoluteFilePath(QStringLiteral("../" NAC_INSTALL_DATADIR "/nac-studio/") + name));
}

QString sourceDir(const QString& name)
{
#ifdef NAC_SOURCE_DIR
    return QDir::cleanPath(QStringLiteral(NAC_SOURCE_DIR "/resources/") + name);
#else
    Q_UNUSED(name);
    return QString();
#endif
}

QString firstExistingDir(const QString& name, const char* envName)
{
    const QString env = qEnvironmentVariable(envName);
    if (!env.isEmpty())
        return QFileInfo(env).isDir() ? QFileInfo(env).absoluteFilePath() : QString();
    for (const QString& dir : {installedDir(name), sourceDir(name)}) {
        if (!dir.isEmpty() && QFileInfo(dir).isDir())
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
        dir = sourceDir(QStringLiteral("demo"));
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
