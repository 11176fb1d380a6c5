// MessageBar: tinted by level from the palette, so it reads in light and dark themes.
#include "app/gui/message_bar.h"

#include <QScrollArea>

#include <algorithm>

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>

namespace nac::app {

MessageBar::MessageBar(QWidget* parent)
    : QFrame(parent)
{
    setObjectName(QStringLiteral("messageBar"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 4, 4);
    m_icon = new QLabel(this);
    m_text = new QLabel(this);
    m_text->setObjectName(QStringLiteral("messageText"));
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::PlainText);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_action = new QPushButton(this);
    m_action->setObjectName(QStringLiteral("messageAction"));
    m_action->hide();
    connect(m_action, &QPushButton::clicked, this, [this] {
        const std::function<void()> callback = m_callback;
        dismiss();
        if (callback)
            callback();
    });
    m_close = new QToolButton(this);
    m_close->setAutoRaise(true);
    m_close->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
    m_close->setToolTip(tr("Dismiss this message"));
    layout->addWidget(m_icon);
    // Long messages (a list of skipped files) scroll inside at most four lines instead of pushing
    // the heatmaps off a 700-pixel-high window.
    auto* scroll = new QScrollArea(this);
    scroll->setObjectName(QStringLiteral("messageScroll"));
    scroll->setWidget(m_text);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->viewport()->setAutoFillBackground(false);
    scroll->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    scroll->setMinimumHeight(m_text->fontMetrics().lineSpacing() + 4);
    scroll->setMaximumHeight(4 * m_text->fontMetrics().lineSpacing() + 6);
    m_scroll = scroll;
    layout->addWidget(scroll, 1);
    layout->addWidget(m_action, 0, Qt::AlignTop);
    layout->addWidget(m_close, 0, Qt::AlignTop);
    connect(m_close, &QToolButton::clicked, this, &MessageBar::dismiss);
    hide();
}

void MessageBar::showMessage(Level level, const QString& text, const QString& actionText, std::function<void()> action)
{
    m_level = level;
    m_text->setText(text);
    // The scroll area takes the height of the wrapped text (up to its maximum).
    const int width = std::max(200, m_scroll->viewport()->width());
    m_scroll->setFixedHeight(std::clamp(m_text->heightForWidth(width) + 4, m_scroll->minimumHeight(),
                                        4 * m_text->fontMetrics().lineSpacing() + 6));
    m_callback = std::move(action);
    m_action->setText(actionText);
    m_action->setVisible(!actionText.isEmpty() && m_callback);
    const QStyle::StandardPixmap icon = level == Level::Error ? QStyle::SP_MessageBoxCritical
        : level == Level::Warning                             ? QStyle::SP_MessageBoxWarning
                                                              : QStyle::SP_MessageBoxInformation;
    const int size = style()->pixelMetric(QStyle::PM_SmallIconSize);
    m_icon->setPixmap(style()->standardIcon(icon).pixmap(size, size));
    applyColours();
    show();
}

void MessageBar::dismiss()
{
    hide();
}

QString MessageBar::text() const
{
    return isHidden() ? QString() : m_text->text();
}

void MessageBar::changeEvent(QEvent* event)
{
    QFrame::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && !m_applying)
        applyColours();
}

void MessageBar::applyColours()
{
    // A tint of the level's colour over the window background: readable in light and dark palettes.
    const QPalette base = parentWidget() ? parentWidget()->palette() : QPalette();
    const QColor window = base.color(QPalette::Window);
    const QColor accent = m_level == Level::Error ? QColor(0xd3, 0x2f, 0x2f)
        : m_level == Level::Warning               ? QColor(0xe6, 0x9f, 0x00)
                                                  : QColor(0x00, 0x72, 0xb2);
    const double mix = 0.22;
    const QColor tint(int(window.red() * (1 - mix) + accent.red() * mix), int(window.green() * (1 - mix) + accent.green() * mix),
                      int(window.blue() * (1 - mix) + accent.blue() * mix));
    QPalette pal = base;
    pal.setColor(QPalette::Window, tint);
    m_applying = true;
    setPalette(pal);
    m_applying = false;
}

}  // namespace nac::app
