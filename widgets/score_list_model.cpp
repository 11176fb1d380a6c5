// Rows of scored images, their verdicts against the threshold, and their CSV form.
#include "widgets/score_list_model.h"

#include "widgets/nac_terms.h"
#include "widgets/plot_style.h"

#include <QColor>
#include <QFont>
#include <QLocale>

#include <cmath>

namespace nac::widgets {
namespace {

constexpr int kThumbnailPx = 40;

QImage scaledThumbnail(const QImage& image)
{
    if (image.isNull())
        return QImage();
    // Small images (28x28 digits) grow with nearest-neighbour so their pixels stay crisp.
    const Qt::TransformationMode mode =
        image.height() < kThumbnailPx ? Qt::FastTransformation : Qt::SmoothTransformation;
    return image.scaled(kThumbnailPx, kThumbnailPx, Qt::KeepAspectRatio, mode);
}

QString csvField(const QString& text)
{
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) && !text.contains(QLatin1Char('\n'))
        && !text.contains(QLatin1Char('\r')))
        return text;
    QString quoted = text;
    quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QString csvNumber(double value)
{
    return std::isfinite(value) ? QString::number(value, 'g', 10) : QString();
}

}  // namespace

ScoreListModel::ScoreListModel(QObject* parent)
    : QAbstractTableModel(parent)
    , m_threshold(std::numeric_limits<double>::quiet_NaN())
{
}

int ScoreListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ScoreListModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString ScoreListModel::predictionText(const ScoredImageRow& row) const
{
    if (row.predictedClass < 0)
        return QString();
    const QString label = row.predictedLabel.isEmpty() ? tr("class %1").arg(row.predictedClass) : row.predictedLabel;
    if (!std::isfinite(row.probability))
        return label;
    return tr("%1 (%2%)").arg(label).arg(row.probability * 100.0, 0, 'f', 1);
}

ScoreListModel::Verdict ScoreListModel::verdict(int index) const
{
    const ScoredImageRow& r = m_rows[std::size_t(index)];
    if (r.failed || !std::isfinite(r.score) || !std::isfinite(m_threshold))
        return Verdict::Unknown;
    // Samples below the threshold are called OOD (thresholdKeepingInd's convention).
    return r.score >= m_threshold ? Verdict::InDistribution : Verdict::OutOfDistribution;
}

QString ScoreListModel::verdictText(Verdict verdict)
{
    switch (verdict) {
    case Verdict::InDistribution:
        return tr("InD");
    case Verdict::OutOfDistribution:
        return tr("OOD");
    case Verdict::Unknown:
        break;
    }
    return QString();
}

QVariant ScoreListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_rows.size()))
        return QVariant();
    const ScoredImageRow& r = m_rows[std::size_t(index.row())];
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case NameColumn:
            return r.name;
        case PredictionColumn:
            return predictionText(r);
        case ScoreColumn:
            return std::isfinite(r.score) ? QLocale().toString(r.score, 'f', 4) : QString();
        case VerdictColumn:
            // A file that could not be scored says why here too (the notice column may be off screen).
            return r.failed ? tr("✗ %1").arg(r.notice.isEmpty() ? tr("not scored") : r.notice) : verdictText(verdict(index.row()));
        case RocRoleColumn:
            return r.failed ? QString() : (r.countsAsInd ? tr("InD") : tr("OOD"));
        case NoticeColumn:
            return r.notice;
        default:
            return QVariant();
        }
    case Qt::DecorationRole:
        if (column == ThumbnailColumn)
            return scaledThumbnail(r.thumbnail);
        return QVariant();
    case Qt::ToolTipRole:
        switch (column) {
        case NameColumn:
        case ThumbnailColumn:
            return r.source.isEmpty() ? r.name : r.source;
        case ScoreColumn:
            return NacTerms::score();
        case VerdictColumn:
            if (r.failed)
                return r.notice;
            return std::isfinite(m_threshold)
                ? tr("OOD when the NAC-UE score is below the threshold %1").arg(m_threshold, 0, 'g', 4)
                : tr("No threshold yet: it is chosen to keep 95% of held-out in-distribution images");
        case RocRoleColumn:
            return tr("Check to count this image as in-distribution in the ROC tab; unchecked images count as OOD.");
        case LayersColumn: {
            QStringList lines;
            for (std::size_t i = 0; i < r.layerScores.size(); ++i) {
                const QString name = int(i) < m_layerNames.size() ? m_layerNames[int(i)] : tr("layer %1").arg(i);
                QString line = tr("%1: %2").arg(name).arg(r.layerScores[i], 0, 'f', 3);
                if (i < m_layerReference.size() && std::isfinite(m_layerReference[i])) {
                    line += tr("  (InD 5th percentile %1)").arg(m_layerReference[i], 0, 'f', 3);
                    if (r.layerScores[i] < m_layerReference[i])
                        line += tr("  ◀ below: this layer flags the image");
                }
                lines.append(line);
            }
            return lines.isEmpty() ? QVariant()
                                   : QVariant(tr("Mean Φ per layer (the tick on each bar: the score 95% of held-out InD "
                                                 "images reach in that layer):\n")
                                              + lines.join(QLatin1Char('\n')));
        }
        case NoticeColumn:
            return r.notice.isEmpty() ? QVariant() : QVariant(r.notice);
        default:
            return QVariant();
        }
    case Qt::ForegroundRole:
        if ((column == VerdictColumn && (verdict(index.row()) == Verdict::OutOfDistribution || r.failed))
            || (column == NoticeColumn && r.failed))
            return PlotStyle::oodColour();
        return QVariant();
    case Qt::FontRole:
        if (column == VerdictColumn) {
            QFont bold;
            bold.setBold(true);
            return bold;
        }
        return QVariant();
    case Qt::TextAlignmentRole:
        if (column == ScoreColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        if (column == VerdictColumn)
            return int(Qt::AlignCenter);
        return QVariant();
    case Qt::CheckStateRole:
        if (column == RocRoleColumn && !r.failed)
            return r.countsAsInd ? Qt::Checked : Qt::Unchecked;
        return QVariant();
    case kLayerScoresRole:
        if (column == LayersColumn)
            return QVariant::fromValue(QList<double>(r.layerScores.begin(), r.layerScores.end()));
        return QVariant();
    case kLayerReferenceRole:
        if (column == LayersColumn)
            return QVariant::fromValue(QList<double>(m_layerReference.begin(), m_layerReference.end()));
        return QVariant();
    case kSortRole:
        switch (column) {
        case ScoreColumn:
            return std::isfinite(r.score) ? r.score : -1.0;
        case PredictionColumn:
            return r.predictedClass;
        case VerdictColumn:
            return int(verdict(index.row()));
        case ThumbnailColumn:
            return index.row();
        case LayersColumn: {
            double sum = 0.0;
            for (double s : r.layerScores)
                sum += s;
            return r.layerScores.empty() ? -1.0 : sum / double(r.layerScores.size());
        }
        default:
            return data(index, Qt::DisplayRole);
        }
    default:
        return QVariant();
    }
}

QVariant ScoreListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return QVariant();
    if (role == Qt::DisplayRole) {
        switch (section) {
        case ThumbnailColumn:
            return tr("Image");
        case NameColumn:
            return tr("Name");
        case PredictionColumn:
            return tr("Predicted");
        case ScoreColumn:
            return tr("NAC-UE");
        case VerdictColumn:
            return tr("Verdict");
        case RocRoleColumn:
            return tr("ROC as");
        case LayersColumn:
            return tr("Per layer");
        case NoticeColumn:
            return tr("Notice");
        default:
            return QVariant();
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case PredictionColumn:
            return tr("The model's predicted class and its softmax probability");
        case ScoreColumn:
            return NacTerms::score();
        case VerdictColumn:
            return tr("InD when the score is at or above the threshold, OOD below it");
        case RocRoleColumn:
            return tr("Which side of the ROC tab the image counts on: checked InD (with the held-out InD images), else OOD");
        case LayersColumn:
            return tr("One bar per layer: the layer's mean Φ over its neurons (0..1)");
        case NoticeColumn:
            return tr("Why an image could not be scored, or what was done to it first");
        default:
            return QVariant();
        }
    }
    return QVariant();
}

Qt::ItemFlags ScoreListModel::flags(const QModelIndex& index) const
{
    Qt::ItemFlags flags = QAbstractTableModel::flags(index);
    if (index.isValid() && index.column() == RocRoleColumn && index.row() < int(m_rows.size())
        && !m_rows[std::size_t(index.row())].failed)
        flags |= Qt::ItemIsUserCheckable;
    return flags;
}

bool ScoreListModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (!index.isValid() || index.column() != RocRoleColumn || role != Qt::CheckStateRole || index.row() >= int(m_rows.size()))
        return false;
    setCountsAsInd(index.row(), value.toInt() == Qt::Checked);
    return true;
}

void ScoreListModel::setCountsAsInd(int row, bool ind)
{
    if (row < 0 || row >= int(m_rows.size()) || m_rows[std::size_t(row)].failed || m_rows[std::size_t(row)].countsAsInd == ind)
        return;
    m_rows[std::size_t(row)].countsAsInd = ind;
    Q_EMIT dataChanged(index(row, RocRoleColumn), index(row, RocRoleColumn));
    Q_EMIT rocRolesChanged();
}

bool ScoreListModel::removeRows(int row, int count, const QModelIndex& parent)
{
    if (parent.isValid() || row < 0 || count < 1 || row + count > int(m_rows.size()))
        return false;
    beginRemoveRows(QModelIndex(), row, row + count - 1);
    m_rows.erase(m_rows.begin() + row, m_rows.begin() + row + count);
    endRemoveRows();
    return true;
}

void ScoreListModel::addRow(ScoredImageRow row)
{
    const int index = int(m_rows.size());
    beginInsertRows(QModelIndex(), index, index);
    m_rows.push_back(std::move(row));
    endInsertRows();
}

void ScoreListModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

void ScoreListModel::updateScores(const nac::engine::ScoreTable& scores)
{
    for (ScoredImageRow& r : m_rows) {
        if (r.sampleIndex < 0 || std::size_t(r.sampleIndex) >= scores.total.size())
            continue;
        const std::size_t sample = std::size_t(r.sampleIndex);
        r.score = scores.total[sample];
        r.layerScores.resize(scores.perLayer.size());
        for (std::size_t layer = 0; layer < scores.perLayer.size(); ++layer) {
            const std::vector<double>& perSample = scores.perLayer[layer];
            r.layerScores[layer] = sample < perSample.size() ? perSample[sample] : std::numeric_limits<double>::quiet_NaN();
        }
    }
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, ScoreColumn), index(int(m_rows.size()) - 1, LayersColumn));
}

void ScoreListModel::setThreshold(double threshold)
{
    m_threshold = threshold;
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, VerdictColumn), index(int(m_rows.size()) - 1, VerdictColumn));
}

void ScoreListModel::setLayerNames(const QStringList& names)
{
    m_layerNames = names;
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, LayersColumn), index(int(m_rows.size()) - 1, LayersColumn));
}

void ScoreListModel::setLayerReference(std::vector<double> reference)
{
    m_layerReference = std::move(reference);
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, LayersColumn), index(int(m_rows.size()) - 1, LayersColumn));
}

QByteArray ScoreListModel::toCsv() const
{
    int layerColumns = m_layerNames.size();
    for (const ScoredImageRow& r : m_rows)
        layerColumns = std::max(layerColumns, int(r.layerScores.size()));
    QStringList header = {QStringLiteral("name"),        QStringLiteral("source"),
                          QStringLiteral("predicted_class"), QStringLiteral("predicted_label"),
                          QStringLiteral("probability"), QStringLiteral("nac_ue_score"),
                          QStringLiteral("threshold"),   QStringLiteral("verdict")};
    for (int layer = 0; layer < layerColumns; ++layer) {
        const QString name = layer < m_layerNames.size() ? m_layerNames[layer] : QStringLiteral("layer%1").arg(layer);
        header.append(csvField(QStringLiteral("score_") + name));
    }
    header.append(QStringLiteral("notice"));
    QString text = header.join(QLatin1Char(',')) + QLatin1Char('\n');
    for (int i = 0; i < int(m_rows.size()); ++i) {
        const ScoredImageRow& r = m_rows[std::size_t(i)];
        QStringList fields = {csvField(r.name),
                              csvField(r.source),
                              r.predictedClass >= 0 ? QString::number(r.predictedClass) : QString(),
                              csvField(r.predictedLabel),
                              csvNumber(r.probability),
                              csvNumber(r.score),
                              csvNumber(m_threshold),
                              verdictText(verdict(i))};
        for (int layer = 0; layer < layerColumns; ++layer)
            fields.append(layer < int(r.layerScores.size()) ? csvNumber(r.layerScores[std::size_t(layer)]) : QString());
        fields.append(csvField(r.notice));
        text += fields.join(QLatin1Char(',')) + QLatin1Char('\n');
    }
    return text.toUtf8();
}

}  // namespace nac::widgets
