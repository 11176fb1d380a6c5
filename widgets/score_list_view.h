// List of scored (dropped) images: thumbnail, prediction, NAC-UE score, verdict, per-layer bars, notices; CSV export.
#pragma once

#include "engine/coverage_profile.h"
#include "widgets/scored_image_row.h"

#include <QStringList>
#include <QWidget>

class QSortFilterProxyModel;
class QTableView;

namespace nac::widgets {

class ScoreListModel;

// Lives on the GUI thread. A plain list: the main window handles drops and scoring. Rows can be
// sorted by any column; row numbers in this API are always the order in which rows were added.
class ScoreListView : public QWidget {
    Q_OBJECT
public:
    explicit ScoreListView(QWidget* parent = nullptr);
    ~ScoreListView() override;

    // Appends a row; returns its row number.
    int addResult(ScoredImageRow row);
    // New scores after a parameter change: sample i of scores goes to rows with sampleIndex i.
    void updateScores(const nac::engine::ScoreTable& scores);
    void clear();
    // Images scoring below threshold are OOD; NaN shows no verdicts.
    void setThreshold(double threshold);
    double threshold() const;
    // Names of the per-layer bars (tooltips and CSV header).
    void setLayerNames(const QStringList& names);
    // Per layer, the held-out InD reference the bars mark (see ScoreListModel::setLayerReference).
    void setLayerReference(std::vector<double> reference);
    // Removes a row (what the Delete key does to the selected one); emits rowRemoved.
    void removeRow(int row);
    // Selects a row (-1 clears the selection); emits selectionChanged like a user click.
    void setCurrentRow(int row);

    // --- seams ---
    int rowCount() const;
    const ScoredImageRow& row(int row) const;
    QString verdictText(int row) const;  // "InD", "OOD" or "" (failed / no threshold)
    int currentRow() const;
    QTableView* tableView() const { return m_table; }
    ScoreListModel* model() const { return m_model; }

public Q_SLOTS:
    // Writes every row as CSV (UTF-8, one header line) through QSaveFile. On failure returns false
    // and sets errorMessage (when given) to a message naming the file.
    bool exportCsv(const QString& path, QString* errorMessage = nullptr);

Q_SIGNALS:
    // The selected row changed (-1: none).
    void selectionChanged(int row);
    // A row was removed (its sample index, -1 for an image that was not scored).
    void rowRemoved(int sampleIndex);
    // A row's ROC role (InD / OOD) changed.
    void rocRolesChanged();

private:
    ScoreListModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QTableView* m_table = nullptr;
};

}  // namespace nac::widgets
