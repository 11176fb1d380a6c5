// What a drop or a paste asks for: a model, a profile, a data set, image files to score (folders
// expanded), or raw image data. Pure classification, no side effects, so it is easy to test.
#pragma once

#include <QImage>
#include <QString>
#include <QStringList>

class QMimeData;

namespace nac::app {

struct DropPlan {
    QString model;          // a TorchScript file (.pt, .pth, .ptl)
    QString profile;        // a .nacprofile
    QString dataset;        // an IDX file (*-ubyte, *.idx, optionally .gz)
    QStringList images;     // files to score (anything else that was dropped, folders expanded)
    QImage rawImage;        // image data without a file (dragged from a browser, pasted)
    QString note;           // what was left out, for the message bar ("a folder held no images")

    bool isEmpty() const
    {
        return model.isEmpty() && profile.isEmpty() && dataset.isEmpty() && images.isEmpty() && rawImage.isNull();
    }
};

class DropPlanner {
public:
    // A dropped folder is scored up to this many images (searched recursively).
    static constexpr int kMaxFolderImages = 5000;

    // Local files and folders of mime (URLs, or a text list of existing paths), else its image data.
    static DropPlan plan(const QMimeData* mime);
    // Folders become their PNG/JPEG/BMP/WebP files (sorted, recursive); other paths stay as given so
    // that a wrong file gets its own line in the score list.
    static QStringList expandImagePaths(const QStringList& paths, QString* note);
    // True when mime holds local paths or image data (what dragEnterEvent accepts).
    static bool canHandle(const QMimeData* mime);
    static bool isImageFileName(const QString& path);
};

}  // namespace nac::app
