// FitPanel: what to fit on (layers, images, device) and the buttons that start and stop it.
#include "app/gui/fit_panel.h"

#include "app/gui/device_list.h"

#include "widgets/layer_tree_view.h"

#include <QComboBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace nac::app {

namespace {
constexpr int kMaxFitSamples = 10'000'000;
constexpr int kDefaultSamples = 1000;  // the reference's valid_num
constexpr int kDefaultHeldout = 1000;
}  // namespace

FitPanel::FitPanel(QWidget* parent)
    : QWidget(parent)
{
    m_modelLabel = new QLabel(tr("Model: none"), this);
    m_modelLabel->setObjectName(QStringLiteral("modelLabel"));
    m_modelLabel->setWordWrap(true);
    m_modelLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_datasetLabel = new QLabel(tr("Data: none"), this);
    m_datasetLabel->setObjectName(QStringLiteral("datasetLabel"));
    m_datasetLabel->setWordWrap(true);
    m_datasetLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_tree = new nac::widgets::LayerTreeView(this);
    m_tree->setObjectName(QStringLiteral("layerTree"));
    m_tree->setToolTip(tr("Check the layers whose neurons NAC should cover; press Fit (F5) to refit."));
    // In a narrow dock the output shape matters more than the type name: show it second.
    m_tree->header()->moveSection(m_tree->header()->visualIndex(nac::widgets::LayerTreeView::ShapeColumn), 1);
    m_tree->header()->moveSection(m_tree->header()->visualIndex(nac::widgets::LayerTreeView::NeuronsColumn), 2);

    m_samples = new QSpinBox(this);
    m_samples->setObjectName(QStringLiteral("sampleSpin"));
    m_samples->setRange(1, kMaxFitSamples);
    m_samples->setValue(kDefaultSamples);
    m_samples->setSingleStep(100);
    m_samples->setToolTip(tr("Training images to fit the coverage on, class-balanced (the reference uses 1000)."));
    m_heldout = new QSpinBox(this);
    m_heldout->setObjectName(QStringLiteral("heldoutSpin"));
    m_heldout->setRange(0, kMaxFitSamples);
    m_heldout->setValue(kDefaultHeldout);
    m_heldout->setSingleStep(100);
    m_heldout->setToolTip(tr("Held-out InD images (not used in the histograms) that set the threshold keeping 95% "
                             "of InD images. For the demo they come from training images 55000-59999, which the "
                             "model never saw."));
    m_device = new QComboBox(this);
    m_device->setObjectName(QStringLiteral("deviceCombo"));
    m_device->addItem(QStringLiteral("cpu"), QStringLiteral("cpu"));
    m_device->setToolTip(tr("Where the model runs: the CPU or a CUDA device."));

    m_fit = new QPushButton(tr("Fit"), this);
    m_fit->setObjectName(QStringLiteral("fitButton"));
    m_fit->setToolTip(tr("Fit the coverage profile on the chosen layers (F5)"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("cancelButton"));
    m_cancel->setToolTip(tr("Stop the fit after the current batch (Esc)"));
    m_cancel->setEnabled(false);

    auto* form = new QFormLayout;
    form->addRow(tr("Fit images:"), m_samples);
    form->addRow(tr("Held-out images:"), m_heldout);
    form->addRow(tr("Device:"), m_device);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_fit);
    buttons->addWidget(m_cancel);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_modelLabel);
    layout->addWidget(m_datasetLabel);
    layout->addWidget(m_tree, 1);
    layout->addLayout(form);
    layout->addLayout(buttons);

    connect(m_tree, &nac::widgets::LayerTreeView::checkedLayersChanged, this, &FitPanel::layersChanged);
    connect(m_device, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { Q_EMIT deviceChanged(device()); });
    connect(m_fit, &QPushButton::clicked, this, &FitPanel::fitRequested);
    connect(m_cancel, &QPushButton::clicked, this, &FitPanel::cancelRequested);
}

FitPanel::~FitPanel() = default;

void FitPanel::setModel(const ModelInfo& model)
{
    m_modelLabel->setText(tr("Model: <b>%1</b><br>%2 · input %3 · %4 classes")
                              .arg(model.name.toHtmlEscaped(), QFileInfo(model.path).fileName().toHtmlEscaped(),
                                   model.inputText())
                              .arg(model.classCount));
    m_modelLabel->setToolTip(tr("%1\nSHA-256 %2\nmetadata: %3").arg(model.path, model.sha256, model.metadataOrigin));
    m_tree->setModules(model.modules);
    m_tree->setChecked(model.defaultLayers);
    for (int column = 0; column < m_tree->columnCount(); ++column)
        m_tree->resizeColumnToContents(column);
}

void FitPanel::setDataset(const DatasetInfo& dataset)
{
    m_datasetLabel->setText(tr("Data: %1").arg(dataset.description.toHtmlEscaped()));
    m_datasetLabel->setToolTip(dataset.spec);
}

void FitPanel::setDevices(const QStringList& devices, const QString& current)
{
    const QSignalBlocker blocker(m_device);
    m_device->clear();
    for (const QString& label : devices)
        m_device->addItem(label, deviceIdOfLabel(label));
    const int index = m_device->findData(deviceIdOfLabel(current));
    m_device->setCurrentIndex(index >= 0 ? index : 0);
}

void FitPanel::setCurrentDevice(const QString& device)
{
    const QSignalBlocker blocker(m_device);
    const int index = m_device->findData(deviceIdOfLabel(device));
    if (index >= 0)
        m_device->setCurrentIndex(index);
}

void FitPanel::setCheckedLayers(const QStringList& layers)
{
    m_tree->setChecked(layers);
}

void FitPanel::setSampleCount(int count)
{
    m_samples->setValue(count);
}

void FitPanel::setHeldoutCount(int count)
{
    m_heldout->setValue(count);
}

void FitPanel::setFitting(bool fitting)
{
    m_cancel->setEnabled(fitting);
    m_fit->setText(fitting ? tr("Refit") : tr("Fit"));
}

QStringList FitPanel::checkedLayers() const
{
    return m_tree->checkedLayers();
}

int FitPanel::sampleCount() const
{
    return m_samples->value();
}

int FitPanel::heldoutCount() const
{
    return m_heldout->value();
}

QString FitPanel::device() const
{
    return m_device->currentData().toString();
}

}  // namespace nac::app
