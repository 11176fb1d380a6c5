// Table model behind ScoreListView: one row per dropped image, verdicts against a threshold.
#pragma once

#include "engine/coverage_profile.h"
#include "widgets/scored_image_row.h"

#include <QAbstractTableModel>
#include <QStringList>

#include <vector>

namespace nac::widgets {

// Lives on the GUI thread.
class ScoreListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        ThumbnailColumn = 0,
        NameColumn,
        PredictionColumn,
        ScoreColumn,
        VerdictColumn,
        RocRoleColumn,
        LayersColumn,
        NoticeColumn,
        ColumnCount,
    };
    enum class Verdict {
        Unknown = 1,  // failed image, or no threshold yet
        InDistribution,
        OutOfDistribution,
    };
    // Role of LayersColumn holding QList<double> layer scores (NaN when missing).
    static constexpr int kLayerScoresRole = Qt::UserRole + 1;
    // Role holding the raw score as double for sorting.
    static constexpr int kSortRole = Qt::UserRole + 2;
    // Role of LayersColumn holding QList<double>: per layer, the InD reference (empty: none).
    static constexpr int kLayerReferenceRole = Qt::UserRole + 3;

    explicit ScoreListModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    // RocRoleColumn's check box: checked = the ROC tab counts the image as InD.
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    bool removeRows(int row, int count, const QModelIndex& parent = QModelIndex()) override;
    void setCountsAsInd(int row, bool ind);

    void addRow(ScoredImageRow row);
    void clear();
    // Scores of sample i go to the rows whose sampleIndex is i; other rows keep theirs.
    void updateScores(const nac::engine::ScoreTable& scores);
    void setThreshold(double threshold);
    double threshold() const { return m_threshold; }
    void setLayerNames(const QStringList& names);
    QStringList layerNames() const { return m_layerNames; }
    // Per layer, the score that keeps 95% of held-out InD images (the 5th percentile); the bars
    // mark it, and a layer below it is the one that flagged the image. Empty: no reference.
    void setLayerReference(std::vector<double> reference);
    const std::vector<double>& layerReference() const { return m_layerReference; }

    const ScoredImageRow& row(int index) const { return m_rows[std::size_t(index)]; }
    Verdict verdict(int index) const;
    static QString verdictText(Verdict verdict);

    // name,source,predicted_class,predicted_label,probability,nac_ue_score,threshold,verdict,<layer names>,notice
    QByteArray toCsv() const;

Q_SIGNALS:
    // A row's ROC role changed (RocRoleColumn).
    void rocRolesChanged();

private:
    QString predictionText(const ScoredImageRow& row) const;

    std::vector<ScoredImageRow> m_rows;
    QStringList m_layerNames;
    std::vector<double> m_layerReference;
    double m_threshold;
};

}  // namespace nac::widgets
