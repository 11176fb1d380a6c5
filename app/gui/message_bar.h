// A non-modal banner above the views: what went wrong or what was done, with a close button.
#pragma once

#include <QFrame>
#include <QString>

#include <functional>

class QLabel;
class QScrollArea;
class QPushButton;
class QToolButton;

namespace nac::app {

// Lives on the GUI thread. Shows one message at a time; a newer one replaces it. Never modal.
class MessageBar : public QFrame {
    Q_OBJECT
public:
    enum class Level {
        Info = 1,
        Warning,
        Error,
    };

    explicit MessageBar(QWidget* parent = nullptr);

    // actionText/action: an optional button beside the text (e.g. "Give the input…").
    void showMessage(Level level, const QString& text, const QString& actionText = QString(),
                     std::function<void()> action = {});
    void dismiss();

    // --- seams ---
    QString text() const;
    QPushButton* actionButton() const { return m_action; }
    Level level() const { return m_level; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void applyColours();

    Level m_level = Level::Info;
    QLabel* m_icon = nullptr;
    QLabel* m_text = nullptr;
    QScrollArea* m_scroll = nullptr;
    QToolButton* m_close = nullptr;
    QPushButton* m_action = nullptr;
    std::function<void()> m_callback;
    bool m_applying = false;
};

}  // namespace nac::app
