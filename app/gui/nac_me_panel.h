// The NAC-ME panel: choose checkpoints of one model, their training data and layers, compute G
// per checkpoint on the engine thread (as `nac me`), plot it and export it as CSV or an image.
#pragma once

#include "app/gui/app_types.h"
#include "app/gui/nac_me_job.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <memory>

class QCheckBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace nac::widgets {
class NacMeView;
}

namespace nac::app {

class EngineController;

// Lives on the GUI thread; sends its one kind of job through the EngineController and never
// blocks. Child widgets for tests: checkpointList, dataEdit, layersEdit, paramsEdit, samplesSpin,
// correctOnlyCheck, computeButton, cancelButton, statusLabel, resultTable, exportCsvButton,
// exportPlotButton.
class NacMePanel : public QWidget {
    Q_OBJECT
public:
    explicit NacMePanel(EngineController* controller, QWidget* parent = nullptr);
    ~NacMePanel() override;

    // Checkpoints: files in the given order; a folder adds its *.pt files in natural name order
    // (epoch2 before epoch10). Returns a message for what was not added (empty when all were).
    QString addCheckpoints(const QStringList& paths);
    void clearCheckpoints();
    QStringList checkpoints() const;
    // Fills in the data and layers when the user has not typed any (the open model's defaults).
    void suggest(const QString& dataSpec, const QStringList& layers, const QString& device);

    // The request the controls describe; on a problem returns false and sets error to a message
    // naming the control at fault.
    bool buildRequest(NacMeRequest* request, QString* error) const;
    // Starts the computation (false with a status message when the input is wrong).
    bool compute();
    void cancel();
    bool isRunning() const { return m_jobId != 0; }

    std::shared_ptr<const NacMeSeries> series() const { return m_series; }
    nac::widgets::NacMeView* view() const { return m_view; }
    QString statusText() const;
    bool exportCsv(const QString& path, QString* error) const;
    bool exportPlot(const QString& path, QString* error) const;

Q_SIGNALS:
    void finished(const nac::app::JobResult& result);

private:
    void onSeries(const std::shared_ptr<const NacMeSeries>& series);
    void onJobFinished(const JobResult& result);
    void onProgress(const JobProgress& progress);
    void setStatus(const QString& text, bool error = false);
    void updateButtons();
    void chooseFiles();
    void chooseFolder();
    void chooseData();
    void chooseCsv();
    void choosePlot();

    EngineController* m_controller = nullptr;
    QListWidget* m_list = nullptr;
    QLineEdit* m_data = nullptr;
    QLineEdit* m_layers = nullptr;
    QLineEdit* m_params = nullptr;
    QSpinBox* m_samples = nullptr;
    QCheckBox* m_correctOnly = nullptr;
    QPushButton* m_compute = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_exportCsv = nullptr;
    QPushButton* m_exportPlot = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    QTableWidget* m_table = nullptr;
    nac::widgets::NacMeView* m_view = nullptr;
    QString m_device;
    int m_jobId = 0;
    std::shared_ptr<const NacMeSeries> m_series;
};

}  // namespace nac::app
