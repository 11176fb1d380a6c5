// The evaluation workbench: InD test sets and OOD sets of any kind the engine reads, evaluated on
// the engine thread, with a metrics table like `nac eval`, ROC curves and score distributions per
// set, all following every parameter change.
#pragma once

#include "app/gui/app_types.h"
#include "app/gui/evaluation_types.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QGridLayout;
class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QSplitter;
class QTabWidget;
class QTableWidget;
class QToolButton;

namespace nac::widgets {
class SetCurvesView;
}

namespace nac::app {

// Lives on the GUI thread. Intent out by signals (the main window sends it to the engine), results
// in by setResults / setProgress / setJobFinished. Never blocks: no dialog runs from a slot that a
// test drives (addSet takes its spec as an argument; only the buttons open file dialogs).
class WorkbenchPanel : public QWidget {
    Q_OBJECT
public:
    explicit WorkbenchPanel(QWidget* parent = nullptr);
    ~WorkbenchPanel() override;

    // Asks for the set to be evaluated; name "" derives one from the spec ("mnist" for
    // .../mnist-images-idx3-ubyte.gz), made unique. Returns the name used, or "" when spec is empty.
    QString addSet(const QString& spec, SetRole role, const QString& name = QString());
    // The bundled OOD sets of the demo (resources/demo/ood) that exist.
    static QStringList bundledOodSets();
    // The "Add OOD Set" / "Add InD Test Set" menus (IDX file, folder, spec), for the main window's File menu.
    QMenu* addMenu(SetRole role) const { return role == SetRole::InD ? m_addIndMenu : m_addOodMenu; }

    void setResults(std::shared_ptr<const EvaluationResults> results);
    void setProgress(const JobProgress& progress);
    void setJobFinished(const JobResult& result);
    void clear();

    // --- seams ---
    std::shared_ptr<const EvaluationResults> results() const { return m_results; }
    QTableWidget* metricsTable() const { return m_metrics; }
    QTableWidget* setsTable() const { return m_sets; }
    nac::widgets::SetCurvesView* rocView() const { return m_roc; }
    nac::widgets::SetCurvesView* distributionView() const { return m_distribution; }
    QComboBox* methodBox() const { return m_method; }
    QTabWidget* tabs() const { return m_tabs; }
    QProgressBar* progressBar() const { return m_progress; }
    QString statusText() const;
    bool isRunning() const { return m_runningJobs > 0; }
    // The metric of one set and method as a fraction (AUROC etc.), NaN when not shown.
    double metric(const QString& setName, EvalMethod method, int column) const;
    // Columns of the metrics table.
    enum Column { SetColumn = 0, MethodColumn, AurocColumn, FprColumn, AuprInColumn, AuprOutColumn, ColumnCount };

Q_SIGNALS:
    void evaluateRequested(const QList<nac::app::EvaluationSetRequest>& requests);
    void removeRequested(const QString& name);
    void roleChangeRequested(const QString& name, nac::app::SetRole role);
    void cancelRequested();
    // The view was updated with results (for latency figures): generation, GUI time in ms.
    void resultsShown(int generation, double redrawMs);

public Q_SLOTS:
    void markJobStarted(int jobId);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    // The buttons in one row, or in two columns when the panel is narrower than the row.
    void arrangeButtons();
    QWidget* m_buttonBox = nullptr;
    QGridLayout* m_buttonGrid = nullptr;
    int m_buttonRows = 0;

    void chooseFile(SetRole role);
    void chooseFolder(SetRole role);
    void enterSpec(SetRole role);
    void removeSelected();
    void reevaluateStale();
    void refreshSets();
    void refreshMetrics();
    void refreshPlots();
    QString uniqueName(const QString& base) const;

    std::shared_ptr<const EvaluationResults> m_results;
    QList<EvaluationSetRequest> m_pending;  // asked for, not in the results yet
    QList<int> m_jobs;
    int m_runningJobs = 0;
    QString m_lastMessage;

    QToolButton* m_addOod = nullptr;
    QToolButton* m_addInd = nullptr;
    QMenu* m_addOodMenu = nullptr;
    QMenu* m_addIndMenu = nullptr;
    QPushButton* m_bundled = nullptr;
    QPushButton* m_remove = nullptr;
    QPushButton* m_again = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_cancel = nullptr;
    QLabel* m_status = nullptr;
    QTableWidget* m_sets = nullptr;
    QTableWidget* m_metrics = nullptr;
    QComboBox* m_method = nullptr;
    QTabWidget* m_tabs = nullptr;
    nac::widgets::SetCurvesView* m_roc = nullptr;
    nac::widgets::SetCurvesView* m_distribution = nullptr;
    QSplitter* m_splitter = nullptr;
    bool m_updatingSets = false;
    bool m_plotsDirty = false;
};

}  // namespace nac::app
