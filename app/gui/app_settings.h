// Persistent settings of nac-studio (QSettings, organisation "NAC Studio"): geometry, layout,
// recent files, last folders, fit options.
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace nac::app {

// Lives on the GUI thread. Reads and writes go straight to QSettings (no cache).
class AppSettings {
public:
    enum class RecentKind {
        Model = 1,
        Dataset,
        Profile,
    };
    static constexpr int kMaxRecent = 8;

    static QString organisationName() { return QStringLiteral("NAC Studio"); }
    static QString applicationName() { return QStringLiteral("NAC Studio"); }

    QStringList recent(RecentKind kind) const;
    // Moves path to the front of its list (kMaxRecent kept).
    void addRecent(RecentKind kind, const QString& path);
    void removeRecent(RecentKind kind, const QString& path);

    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray& geometry);
    QByteArray windowState() const;
    void setWindowState(const QByteArray& state);
    QByteArray splitterState(const QString& name) const;
    void setSplitterState(const QString& name, const QByteArray& state);

    QString lastFolder() const;
    void setLastFolder(const QString& folder);

    int sampleCount() const;  // default 1000, the reference's
    void setSampleCount(int count);
    // The input a user gave for a model file without nac.json ("CxHxW;mean;std"), by absolute path.
    QString inputSpec(const QString& modelPath) const;
    void setInputSpec(const QString& modelPath, const QString& spec);

    QString device() const;   // "" until chosen
    void setDevice(const QString& device);

    // How many times the plot's on-screen pixels a PNG export gets each way (1 to 4; default
    // PlotExport::kDefaultScale, 2). PDFs are not affected (always 300 dpi).
    static constexpr int kMinPngScale = 1;
    static constexpr int kMaxPngScale = 4;
    int pngExportScale() const;
    void setPngExportScale(int scale);  // clamped to 1..4

    // The last session, saved when the window closes with a complete profile: the profile (its
    // model, layers and parameters) in the app's data folder, the training data and the image
    // files that were scored. A start without arguments restores it instead of fitting anew.
    struct Session {
        QString profilePath;
        QString dataSpec;
        QStringList scoredFiles;
    };
    Session session() const;            // profilePath empty when there is none
    void setSession(const Session& session);
    void clearSession();
    static QString sessionProfilePath();  // <AppDataLocation>/last-session.nacprofile

private:
    static QString recentKey(RecentKind kind);
};

}  // namespace nac::app
