// GalleryModel: the Explain gallery's images (dropped images and whole workbench sets) as a list
// model, in the order and selection the panel chose, with thumbnails decoded lazily.
#pragma once

#include "engine/dataset.h"

#include <QAbstractListModel>
#include <QCache>
#include <QHash>
#include <QImage>
#include <QString>

#include <limits>
#include <vector>

namespace nac::app {

class ThumbnailLoader;

// One image of the gallery: the seam other scored sets (a workbench's evaluated InD/OOD sets)
// feed into. Verdicts follow from score and the panel's threshold.
struct GalleryItem {
    QString source;                 // path or identity (tooltip)
    QString name;                   // shown in the tooltip
    QString setName;                // "dropped", an OOD set's name, ...
    double score = std::numeric_limits<double>::quiet_NaN();  // NAC-UE, higher = more in-distribution
    int predictedClass = -1;
    QString predictedLabel;
    QImage thumbnail;               // null: decoded from identity when the item is first shown
    int sampleIndex = -1;           // index among the worker's dropped images; -1: not a dropped image
    QString identity;               // Dataset::sampleIdentity of a set's image (explained and thumbnailed by it)

    // An item can be explained when the worker has its pixels (sampleIndex) or can open it again (identity).
    bool explainable() const { return sampleIndex >= 0 || !identity.isEmpty(); }
    // Unique within the gallery: the set and the image within it.
    QString key() const;
};

// Lives on the GUI thread. Rows are indices into items() in shown order; setRows resets the
// model (cheap: no thumbnail is made here). The decoration of a row whose item has no thumbnail
// comes from the cache by identity, else a placeholder while the loader decodes it.
class GalleryModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { ItemIndexRole = Qt::UserRole, ScoreRole, SetNameRole, IdentityRole, ThumbnailReadyRole };
    static constexpr int kThumbnailPx = 56;
    static constexpr int kThumbnailsCached = 20000;  // about 60 MB of 56x56 gray thumbnails at most

    explicit GalleryModel(QObject* parent = nullptr);
    ~GalleryModel() override;

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;

    std::vector<GalleryItem>& items() { return m_items; }
    const std::vector<GalleryItem>& items() const { return m_items; }
    const std::vector<int>& rows() const { return m_rows; }
    void setRows(std::vector<int> rows);
    // Rows keep their items; only their text (scores, verdicts) changes.
    void refreshText();
    void setThreshold(double threshold) { m_threshold = threshold; }
    double threshold() const { return m_threshold; }
    bool isOod(const GalleryItem& item) const;
    // The preprocessing decoded thumbnails show; a change empties the cache.
    void setInputSpec(const nac::engine::InputSpec& spec);
    ThumbnailLoader* loader() const { return m_loader; }
    // The item's thumbnail: its own, or the decoded one; null while not decoded (or unreadable).
    QImage thumbnail(const GalleryItem& item) const;
    QString thumbnailProblem(const GalleryItem& item) const { return m_problems.value(item.identity); }
    int thumbnailsDecoded() const { return m_decoded; }

private:
    void onLoaded(const QStringList& identities, const QList<QImage>& images, const QStringList& problems);

    std::vector<GalleryItem> m_items;
    std::vector<int> m_rows;
    double m_threshold = std::numeric_limits<double>::quiet_NaN();
    ThumbnailLoader* m_loader = nullptr;
    mutable QCache<QString, QImage> m_cache;     // by identity
    QHash<QString, QString> m_problems;          // identities that could not be read, and why
    QImage m_placeholder;
    int m_decoded = 0;
};

}  // namespace nac::app
