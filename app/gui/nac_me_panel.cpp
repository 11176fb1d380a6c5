// NAC-ME panel: checkpoint list, data and layer choice, the job on the engine thread, plot, table, export.
#include "app/gui/nac_me_panel.h"

#include "app/gui/engine_controller.h"
#include "engine/error.h"
#include "engine/layer_params.h"
#include "widgets/nac_me_view.h"
#include "widgets/plot_export.h"

#include <QCheckBox>
#include <QCollator>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace nac::app {

NacMePanel::NacMePanel(EngineController* controller, QWidget* parent)
    : QWidget(parent)
    , m_controller(controller)
{
    m_list = new QListWidget(this);
    m_list->setObjectName(QStringLiteral("checkpointList"));
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_list->setDragDropMode(QAbstractItemView::InternalMove);
    m_list->setToolTip(tr("Checkpoints of one model (TorchScript .pt), in the order to plot them; drag to reorder."));
    auto* addFiles = new QPushButton(tr("Add files…"), this);
    addFiles->setObjectName(QStringLiteral("addFilesButton"));
    auto* addFolder = new QPushButton(tr("Add folder…"), this);
    addFolder->setObjectName(QStringLiteral("addFolderButton"));
    auto* remove = new QPushButton(tr("Remove"), this);
    remove->setObjectName(QStringLiteral("removeButton"));
    auto* clear = new QPushButton(tr("Clear"), this);
    clear->setObjectName(QStringLiteral("clearButton"));
    auto* listButtons = new QHBoxLayout;
    for (QPushButton* button : {addFiles, addFolder, remove, clear})
        listButtons->addWidget(button);
    listButtons->addStretch(1);

    m_data = new QLineEdit(this);
    m_data->setObjectName(QStringLiteral("dataEdit"));
    m_data->setPlaceholderText(tr("the training data: an IDX file, an image folder, …"));
    auto* browse = new QPushButton(tr("Browse…"), this);
    auto* dataRow = new QHBoxLayout;
    dataRow->addWidget(m_data, 1);
    dataRow->addWidget(browse);
    m_layers = new QLineEdit(this);
    m_layers->setObjectName(QStringLiteral("layersEdit"));
    m_layers->setPlaceholderText(tr("layer names, comma-separated (empty: the model's default layers)"));
    m_params = new QLineEdit(QString::fromStdString(nac::engine::formatLayerParams(nac::engine::nacMeDefaultParams())), this);
    m_params->setObjectName(QStringLiteral("paramsEdit"));
    m_params->setToolTip(tr("NAC-ME's parameters for every layer, as `nac me --layer NAME:…` takes them. The "
                            "reference's: M=50, O=500, alpha=0.1, linear bins."));
    m_samples = new QSpinBox(this);
    m_samples->setObjectName(QStringLiteral("samplesSpin"));
    m_samples->setRange(0, 10'000'000);
    m_samples->setValue(1000);
    m_samples->setSpecialValueText(tr("all"));
    m_samples->setToolTip(tr("Images run through each checkpoint: a class-balanced subset (seed 1, as `nac me "
                             "--samples N`), or all (0) as `nac me` without --samples."));
    m_correctOnly = new QCheckBox(tr("Correctly classified images only (the reference's NAC-ME)"), this);
    m_correctOnly->setObjectName(QStringLiteral("correctOnlyCheck"));
    m_correctOnly->setChecked(true);

    m_compute = new QPushButton(tr("Compute G"), this);
    m_compute->setObjectName(QStringLiteral("computeButton"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("cancelButton"));
    m_exportCsv = new QPushButton(tr("Export CSV…"), this);
    m_exportCsv->setObjectName(QStringLiteral("exportCsvButton"));
    m_exportPlot = new QPushButton(tr("Export plot…"), this);
    m_exportPlot->setObjectName(QStringLiteral("exportPlotButton"));
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 100);
    m_progress->setTextVisible(false);
    m_progress->setMaximumHeight(8);
    m_progress->hide();
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("statusLabel"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* actions = new QHBoxLayout;
    for (QPushButton* button : {m_compute, m_cancel, m_exportCsv, m_exportPlot})
        actions->addWidget(button);
    actions->addStretch(1);

    m_table = new QTableWidget(this);
    m_table->setObjectName(QStringLiteral("resultTable"));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_view = new nac::widgets::NacMeView(this);

    auto* inputs = new QWidget(this);
    auto* form = new QFormLayout(inputs);
    form->setContentsMargins(0, 0, 0, 0);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto* listBox = new QVBoxLayout;
    listBox->addWidget(m_list, 1);
    listBox->addLayout(listButtons);
    form->addRow(tr("Checkpoints:"), listBox);
    form->addRow(tr("Data:"), dataRow);
    form->addRow(tr("Layers:"), m_layers);
    form->addRow(tr("Parameters:"), m_params);
    form->addRow(tr("Images:"), m_samples);
    form->addRow(QString(), m_correctOnly);
    form->addRow(actions);
    form->addRow(m_progress);
    form->addRow(m_status);

    m_list->setMinimumHeight(90);
    m_list->setMaximumHeight(220);
    auto* inputsColumn = new QWidget(this);
    auto* inputsLayout = new QVBoxLayout(inputsColumn);
    inputsLayout->setContentsMargins(0, 0, 0, 0);
    inputsLayout->addWidget(inputs);
    inputsLayout->addStretch(1);
    auto* results = new QSplitter(Qt::Vertical, this);
    results->addWidget(m_view);
    results->addWidget(m_table);
    results->setStretchFactor(0, 4);
    results->setStretchFactor(1, 1);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(inputsColumn);
    split->addWidget(results);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(split);

    connect(addFiles, &QPushButton::clicked, this, &NacMePanel::chooseFiles);
    connect(addFolder, &QPushButton::clicked, this, &NacMePanel::chooseFolder);
    connect(remove, &QPushButton::clicked, this, [this] {
        qDeleteAll(m_list->selectedItems());
        updateButtons();
    });
    connect(clear, &QPushButton::clicked, this, &NacMePanel::clearCheckpoints);
    connect(browse, &QPushButton::clicked, this, &NacMePanel::chooseData);
    connect(m_compute, &QPushButton::clicked, this, [this] { compute(); });
    connect(m_cancel, &QPushButton::clicked, this, &NacMePanel::cancel);
    connect(m_exportCsv, &QPushButton::clicked, this, &NacMePanel::chooseCsv);
    connect(m_exportPlot, &QPushButton::clicked, this, &NacMePanel::choosePlot);
    connect(m_controller, &EngineController::nacMeReady, this, &NacMePanel::onSeries);
    connect(m_controller, &EngineController::jobFinished, this, &NacMePanel::onJobFinished);
    connect(m_controller, &EngineController::progress, this, &NacMePanel::onProgress);
    setStatus(tr("NAC-ME (SPEC §4) scores how well each checkpoint will generalise from its training data alone: add "
                 "checkpoints of one model, then Compute G."));
    updateButtons();
}

NacMePanel::~NacMePanel() = default;

QString NacMePanel::addCheckpoints(const QStringList& paths)
{
    QStringList skipped;
    QCollator natural;
    natural.setNumericMode(true);
    for (const QString& path : paths) {
        const QFileInfo info(path);
        QStringList files;
        if (info.isDir()) {
            const QDir dir(path);
            QStringList names = dir.entryList({QStringLiteral("*.pt"), QStringLiteral("*.pth")}, QDir::Files);
            std::sort(names.begin(), names.end(), [&](const QString& a, const QString& b) { return natural.compare(a, b) < 0; });
            for (const QString& name : names)
                files.append(dir.absoluteFilePath(name));
            if (files.isEmpty())
                skipped.append(tr("%1 (a folder without .pt files)").arg(info.fileName()));
        } else if (info.isFile()) {
            files.append(info.absoluteFilePath());
        } else {
            skipped.append(tr("%1 (does not exist)").arg(path));
        }
        for (const QString& file : files) {
            if (!checkpoints().contains(file)) {
                auto* item = new QListWidgetItem(QFileInfo(file).fileName(), m_list);
                item->setData(Qt::UserRole, file);
                item->setToolTip(file);
            }
        }
    }
    updateButtons();
    const QString message = skipped.isEmpty() ? QString() : tr("Not added: %1.").arg(skipped.join(QStringLiteral("; ")));
    if (!message.isEmpty())
        setStatus(message, true);
    return message;
}

void NacMePanel::clearCheckpoints()
{
    m_list->clear();
    updateButtons();
}

QStringList NacMePanel::checkpoints() const
{
    QStringList paths;
    for (int i = 0; i < m_list->count(); ++i)
        paths.append(m_list->item(i)->data(Qt::UserRole).toString());
    return paths;
}

void NacMePanel::suggest(const QString& dataSpec, const QStringList& layers, const QString& device)
{
    if (m_data->text().trimmed().isEmpty())
        m_data->setText(dataSpec);
    if (m_layers->text().trimmed().isEmpty())
        m_layers->setText(layers.join(QStringLiteral(", ")));
    if (!device.isEmpty())
        m_device = device;
}

bool NacMePanel::buildRequest(NacMeRequest* request, QString* error) const
{
    NacMeRequest r;
    r.checkpoints = checkpoints();
    if (r.checkpoints.isEmpty()) {
        *error = tr("No checkpoints: add checkpoint files or a folder of them.");
        return false;
    }
    r.dataSpec = m_data->text().trimmed();
    if (r.dataSpec.isEmpty()) {
        *error = tr("No data: give the training data the checkpoints were trained on (Data).");
        return false;
    }
    for (const QString& layer : m_layers->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!layer.trimmed().isEmpty())
            r.layers.append(layer.trimmed());
    try {
        r.params = nac::engine::parseLayerParams(m_params->text().trimmed().toStdString(), nac::engine::nacMeDefaultParams());
        nac::engine::validateLayerParams(r.layers.isEmpty() ? std::string("every layer") : r.layers.front().toStdString(),
                                         r.params);
    } catch (const std::exception& e) {
        *error = tr("Parameters: %1").arg(QString::fromStdString(e.what()));
        return false;
    }
    r.sampleCount = m_samples->value();
    r.correctOnly = m_correctOnly->isChecked();
    r.device = m_device;
    *request = r;
    return true;
}

bool NacMePanel::compute()
{
    NacMeRequest request;
    QString error;
    if (!buildRequest(&request, &error)) {
        setStatus(error, true);
        return false;
    }
    m_jobId = m_controller->runNacMe(request);
    m_progress->setValue(0);
    m_progress->show();
    setStatus(tr("Computing G of %n checkpoint(s)…", nullptr, int(request.checkpoints.size())));
    updateButtons();
    return true;
}

void NacMePanel::cancel()
{
    if (m_jobId != 0) {
        m_controller->cancelNacMe();
        setStatus(tr("Canceling…"));
    }
}

QString NacMePanel::statusText() const
{
    return m_status->text();
}

void NacMePanel::setStatus(const QString& text, bool error)
{
    m_status->setText(text);
    m_status->setForegroundRole(error ? QPalette::Highlight : QPalette::WindowText);
    QPalette palette = m_status->palette();
    palette.setColor(QPalette::WindowText, error ? QColor(0xc0, 0x20, 0x20) : this->palette().color(QPalette::WindowText));
    m_status->setPalette(palette);
}

void NacMePanel::updateButtons()
{
    const bool running = m_jobId != 0;
    m_compute->setEnabled(!running && m_list->count() > 0);
    m_cancel->setEnabled(running);
    m_exportCsv->setEnabled(m_series != nullptr);
    m_exportPlot->setEnabled(m_series != nullptr);
}

void NacMePanel::onProgress(const JobProgress& progress)
{
    if (progress.jobId != m_jobId || progress.kind != JobKind::NacMe || progress.imagesTotal <= 0)
        return;
    m_progress->setValue(int(100 * progress.imagesDone / progress.imagesTotal));
    setStatus(tr("%1: %2 / %3 images · %4 images/s")
                  .arg(progress.stage)
                  .arg(progress.imagesDone)
                  .arg(progress.imagesTotal)
                  .arg(progress.imagesPerSecond, 0, 'f', 0));
}

void NacMePanel::onSeries(const std::shared_ptr<const NacMeSeries>& series)
{
    m_series = series;
    nac::widgets::NacMeView::Data data;
    for (const NacMeCheckpoint& checkpoint : series->checkpoints)
        data.checkpoints.append(QFileInfo(checkpoint.path).fileName());
    data.layers = series->layers;
    for (int l = 0; l < series->layers.size(); ++l)
        data.coverage.push_back(series->coverageOf(l));
    data.accuracy = series->accuracies();
    data.spearman = series->spearman;
    m_view->setData(data);

    QStringList headers{tr("#"), tr("checkpoint"), tr("accuracy")};
    for (const QString& layer : series->layers)
        headers.append(tr("G %1").arg(layer));
    m_table->clear();
    m_table->setColumnCount(int(headers.size()));
    m_table->setHorizontalHeaderLabels(headers);
    m_table->setRowCount(int(series->checkpoints.size()) + 1);
    for (int c = 0; c < int(series->checkpoints.size()); ++c) {
        const NacMeCheckpoint& checkpoint = series->checkpoints[std::size_t(c)];
        m_table->setItem(c, 0, new QTableWidgetItem(QString::number(c + 1)));
        auto* name = new QTableWidgetItem(QFileInfo(checkpoint.path).fileName());
        name->setToolTip(checkpoint.path);
        m_table->setItem(c, 1, name);
        m_table->setItem(c, 2, new QTableWidgetItem(checkpoint.accuracy >= 0 ? QString::number(100 * checkpoint.accuracy, 'f', 2)
                                                                                   + QLatin1Char('%')
                                                                             : tr("—")));
        for (int l = 0; l < int(checkpoint.layers.size()); ++l)
            m_table->setItem(c, 3 + l, new QTableWidgetItem(QString::number(checkpoint.layers[std::size_t(l)].coverage, 'f', 6)));
    }
    const int last = int(series->checkpoints.size());
    m_table->setItem(last, 1, new QTableWidgetItem(tr("ρ (G vs accuracy)")));
    for (int l = 0; l < int(series->spearman.size()); ++l) {
        const double rho = series->spearman[std::size_t(l)];
        m_table->setItem(last, 3 + l, new QTableWidgetItem(std::isnan(rho) ? tr("undefined") : QString::number(rho, 'f', 4)));
    }
    m_table->resizeColumnsToContents();
    updateButtons();
}

void NacMePanel::onJobFinished(const JobResult& result)
{
    if (result.jobId != m_jobId)
        return;
    m_jobId = 0;
    m_progress->hide();
    if (result.outcome == JobOutcome::Completed) {
        QString text = result.message;
        if (m_series && m_series->correctOnly && !m_series->checkpoints.empty())
            text += QLatin1Char(' ') + tr("Correctly classified images used: %1 of %2 (first checkpoint).")
                                           .arg(m_series->checkpoints.front().layers.front().samplesUsed)
                                           .arg(m_series->checkpoints.front().layers.front().samplesTotal);
        setStatus(text);
    } else if (result.outcome == JobOutcome::Canceled) {
        setStatus(tr("Canceled; the plot shows the last completed computation."));
    } else {
        setStatus(tr("NAC-ME failed: %1").arg(result.message), true);
    }
    updateButtons();
    Q_EMIT finished(result);
}

bool NacMePanel::exportCsv(const QString& path, QString* error) const
{
    if (!m_series) {
        *error = tr("Nothing to export yet: compute G first.");
        return false;
    }
    QSaveFile file(path);
    const QByteArray bytes = nacMeCsv(*m_series).toUtf8();
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        *error = tr("Could not write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

bool NacMePanel::exportPlot(const QString& path, QString* error) const
{
    if (!m_series) {
        *error = tr("Nothing to export yet: compute G first.");
        return false;
    }
    return m_view->exportPlot(path, error);
}

void NacMePanel::chooseFiles()
{
    const QStringList files = QFileDialog::getOpenFileNames(this, tr("Add checkpoints"), QString(),
                                                            tr("TorchScript models (*.pt *.pth);;All files (*)"));
    if (!files.isEmpty())
        addCheckpoints(files);
}

void NacMePanel::chooseFolder()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Add a folder of checkpoints"));
    if (!dir.isEmpty())
        addCheckpoints({dir});
}

void NacMePanel::chooseData()
{
    const QString file = QFileDialog::getOpenFileName(this, tr("Training data"), QString(),
                                                      tr("IDX images (*-idx3-ubyte *-idx3-ubyte.gz);;All files (*)"));
    if (!file.isEmpty())
        m_data->setText(file);
}

void NacMePanel::chooseCsv()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export NAC-ME as CSV"), QStringLiteral("nac-me.csv"),
                                                      tr("CSV (*.csv)"));
    QString error;
    if (!path.isEmpty() && !exportCsv(path, &error))
        setStatus(error, true);
}

void NacMePanel::choosePlot()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the NAC-ME plot"), QStringLiteral("nac-me.png"),
                                                      nac::widgets::PlotExport::fileDialogFilter());
    QString error;
    if (!path.isEmpty() && !exportPlot(path, &error))
        setStatus(error, true);
}

}  // namespace nac::app
