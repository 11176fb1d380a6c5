// Asks for the input of a model that has no nac.json: shape CxHxW, mean and std per channel.
#pragma once

#include <QDialog>
#include <QString>

class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace nac::app {

// Lives on the GUI thread. spec() is "CxHxW;mean;std" as EngineController::loadModel takes it.
class InputSpecDialog : public QDialog {
    Q_OBJECT
public:
    explicit InputSpecDialog(const QString& modelName, const QString& initialSpec, QWidget* parent = nullptr);

    QString spec() const;
    // Empty when text is a usable "CxHxW;mean;std", else what is wrong with it.
    static QString problemWith(const QString& spec);

private:
    void validate();

    QLineEdit* m_shape = nullptr;
    QLineEdit* m_mean = nullptr;
    QLineEdit* m_std = nullptr;
    QLabel* m_problem = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

}  // namespace nac::app
