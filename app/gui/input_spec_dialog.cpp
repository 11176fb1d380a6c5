// InputSpecDialog: three fields checked as the user types; the engine checks them again on load.
#include "app/gui/input_spec_dialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

namespace nac::app {

namespace {
constexpr int kMaxChannels = 4;
constexpr int kMaxSide = 4096;

QStringList numbers(const QString& text)
{
    return text.split(QLatin1Char(','), Qt::SkipEmptyParts);
}
}  // namespace

InputSpecDialog::InputSpecDialog(const QString& modelName, const QString& initialSpec, QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Input of %1").arg(modelName));
    const QStringList parts = initialSpec.split(QLatin1Char(';'));
    m_shape = new QLineEdit(parts.value(0, QStringLiteral("1x28x28")), this);
    m_shape->setObjectName(QStringLiteral("shapeEdit"));
    m_shape->setToolTip(tr("Channels x height x width of one input image, e.g. 1x28x28 or 3x224x224"));
    m_mean = new QLineEdit(parts.value(1, QStringLiteral("0.5")), this);
    m_mean->setObjectName(QStringLiteral("meanEdit"));
    m_mean->setToolTip(tr("Mean subtracted from pixels in [0, 1]: one value, or one per channel separated by commas"));
    m_std = new QLineEdit(parts.value(2, QStringLiteral("0.5")), this);
    m_std->setObjectName(QStringLiteral("stdEdit"));
    m_std->setToolTip(tr("Standard deviation pixels are divided by: one value, or one per channel"));
    m_problem = new QLabel(this);
    m_problem->setWordWrap(true);

    auto* intro = new QLabel(tr("%1 has no nac.json metadata. Give the input it expects; the app remembers it "
                                "for this file. (tools/set_model_metadata.py can embed it for good.)")
                                 .arg(modelName),
                             this);
    intro->setWordWrap(true);
    auto* form = new QFormLayout;
    form->addRow(tr("Input shape (CxHxW):"), m_shape);
    form->addRow(tr("Mean:"), m_mean);
    form->addRow(tr("Std:"), m_std);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, this);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(m_buttons);

    for (QLineEdit* edit : {m_shape, m_mean, m_std})
        connect(edit, &QLineEdit::textChanged, this, &InputSpecDialog::validate);
    validate();
}

QString InputSpecDialog::spec() const
{
    return m_shape->text().trimmed() + QLatin1Char(';') + m_mean->text().trimmed() + QLatin1Char(';') + m_std->text().trimmed();
}

QString InputSpecDialog::problemWith(const QString& spec)
{
    const QStringList parts = spec.split(QLatin1Char(';'));
    if (parts.size() != 3)
        return tr("Give the shape, the mean and the std.");
    const QRegularExpression shape(QStringLiteral("^\\s*(\\d+)\\s*x\\s*(\\d+)\\s*x\\s*(\\d+)\\s*$"));
    const QRegularExpressionMatch match = shape.match(parts[0]);
    if (!match.hasMatch())
        return tr("The shape must look like 1x28x28 (channels x height x width).");
    const int channels = match.captured(1).toInt();
    const int height = match.captured(2).toInt();
    const int width = match.captured(3).toInt();
    if (channels < 1 || channels > kMaxChannels || height < 1 || height > kMaxSide || width < 1 || width > kMaxSide)
        return tr("The shape is out of range: 1 to %1 channels, sides of 1 to %2 pixels.").arg(kMaxChannels).arg(kMaxSide);
    for (int i = 1; i <= 2; ++i) {
        const QStringList values = numbers(parts[i]);
        if (values.size() != 1 && values.size() != channels)
            return tr("The %1 needs one value or one per channel (%2).").arg(i == 1 ? tr("mean") : tr("std")).arg(channels);
        for (const QString& value : values) {
            bool ok = false;
            const double number = value.trimmed().toDouble(&ok);
            if (!ok || (i == 2 && number <= 0.0))
                return tr("'%1' is not a valid %2.").arg(value.trimmed(), i == 1 ? tr("mean") : tr("std (a positive number)"));
        }
    }
    return QString();
}

void InputSpecDialog::validate()
{
    const QString problem = problemWith(spec());
    m_problem->setText(problem);
    m_buttons->button(QDialogButtonBox::Open)->setEnabled(problem.isEmpty());
}

}  // namespace nac::app
