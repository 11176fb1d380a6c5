// GalleryModel: gallery rows over the Explain panel's items, with lazily decoded thumbnails.
#include "app/gui/gallery_model.h"

#include "app/gui/thumbnail_loader.h"

#include <QColor>

#include <cmath>

namespace nac::app {

namespace {
QString number(double value, int digits) { return QString::number(value, 'g', digits); }
}  // namespace

QString GalleryItem::key() const
{
    return setName + QChar(0x1f) + (identity.isEmpty() ? QStringLiteral("#%1:%2").arg(sampleIndex).arg(source) : identity);
}

GalleryModel::GalleryModel(QObject* parent) : QAbstractListModel(parent), m_loader(new ThumbnailLoader(this))
{
    m_cache.setMaxCost(kThumbnailsCached);
    m_loader->setThumbnailSize(kThumbnailPx);
    m_placeholder = QImage(kThumbnailPx, kThumbnailPx, QImage::Format_Grayscale8);
    m_placeholder.fill(QColor(200, 200, 200));
    connect(m_loader, &ThumbnailLoader::loaded, this, &GalleryModel::onLoaded);
}

GalleryModel::~GalleryModel() = default;

int GalleryModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

bool GalleryModel::isOod(const GalleryItem& item) const
{
    return !std::isnan(m_threshold) && !std::isnan(item.score) && item.score < m_threshold;
}

QImage GalleryModel::thumbnail(const GalleryItem& item) const
{
    if (!item.thumbnail.isNull() || item.identity.isEmpty())
        return item.thumbnail;
    if (const QImage* cached = m_cache.object(item.identity))
        return *cached;
    return QImage();
}

QVariant GalleryModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_rows.size()))
        return QVariant();
    const int itemIndex = m_rows[std::size_t(index.row())];
    const GalleryItem& item = m_items[std::size_t(itemIndex)];
    switch (role) {
    case Qt::DisplayRole: {
        const QString verdict = std::isnan(item.score) || std::isnan(m_threshold) ? QString() : isOod(item) ? tr("OOD") : tr("InD");
        // Score and verdict on two lines, so that neither is cut off under a thumbnail.
        return std::isnan(item.score) ? tr("…") : number(item.score, 3) + QLatin1Char('\n') + verdict;
    }
    case Qt::DecorationRole: {
        QImage image = thumbnail(item);
        if (image.isNull()) {
            // Only rows the view paints ask: the decoding follows what the user scrolls to.
            if (!item.identity.isEmpty() && !m_problems.contains(item.identity))
                m_loader->request(item.identity);
            return m_placeholder;
        }
        if (image.width() != kThumbnailPx && image.height() != kThumbnailPx)
            image = image.scaled(kThumbnailPx, kThumbnailPx, Qt::KeepAspectRatio, Qt::SmoothTransformation);
        return image;
    }
    case Qt::ToolTipRole: {
        const QString label = item.predictedLabel.isEmpty() ? tr("class %1").arg(item.predictedClass) : item.predictedLabel;
        QString text = tr("%1\nset: %2\npredicted: %3\nNAC-UE: %4")
                           .arg(item.source, item.setName, label, std::isnan(item.score) ? tr("not scored yet") : number(item.score, 6));
        if (const QString problem = thumbnailProblem(item); !problem.isEmpty())
            text += tr("\ncannot show the image: %1").arg(problem);
        return text;
    }
    case ItemIndexRole:
        return itemIndex;
    case ScoreRole:
        return item.score;
    case SetNameRole:
        return item.setName;
    case IdentityRole:
        return item.identity;
    case ThumbnailReadyRole:
        return !thumbnail(item).isNull();
    default:
        return QVariant();
    }
}

Qt::ItemFlags GalleryModel::flags(const QModelIndex& index) const
{
    if (!index.isValid() || index.row() >= int(m_rows.size()))
        return Qt::NoItemFlags;
    const GalleryItem& item = m_items[std::size_t(m_rows[std::size_t(index.row())])];
    return item.explainable() ? Qt::ItemIsEnabled | Qt::ItemIsSelectable : Qt::ItemIsEnabled;
}

void GalleryModel::setRows(std::vector<int> rows)
{
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

void GalleryModel::refreshText()
{
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0), index(int(m_rows.size()) - 1), {Qt::DisplayRole, Qt::ToolTipRole, ScoreRole});
}

void GalleryModel::setInputSpec(const nac::engine::InputSpec& spec)
{
    m_loader->setInputSpec(spec);
    m_cache.clear();
    m_problems.clear();
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0), index(int(m_rows.size()) - 1), {Qt::DecorationRole, ThumbnailReadyRole});
}

void GalleryModel::onLoaded(const QStringList& identities, const QList<QImage>& images, const QStringList& problems)
{
    for (qsizetype i = 0; i < identities.size(); ++i) {
        if (images[i].isNull()) {
            m_problems.insert(identities[i], problems[i]);
            continue;
        }
        m_cache.insert(identities[i], new QImage(images[i]), 1);
        ++m_decoded;
    }
    // The view repaints only what is visible, so one signal over every row is cheap.
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0), index(int(m_rows.size()) - 1), {Qt::DecorationRole, ThumbnailReadyRole});
}

}  // namespace nac::app
