// Per-layer score bars: palette colours only, so they read in light and dark themes.
#include "widgets/layer_score_bars_delegate.h"

#include "widgets/plot_style.h"
#include "widgets/score_list_model.h"

#include <QApplication>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace nac::widgets {
namespace {

constexpr int kBarWidthPx = 10;
constexpr int kBarGapPx = 3;
constexpr int kPaddingPx = 4;

}  // namespace

void LayerScoreBarsDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    // Background and selection as the style draws them, without text.
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    const QWidget* widget = option.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, widget);

    const QList<double> scores = index.data(ScoreListModel::kLayerScoresRole).value<QList<double>>();
    if (scores.isEmpty())
        return;
    const QList<double> reference = index.data(ScoreListModel::kLayerReferenceRole).value<QList<double>>();
    const QRect area = option.rect.adjusted(kPaddingPx, kPaddingPx, -kPaddingPx, -kPaddingPx);
    const int count = int(scores.size());
    const int barWidth = std::clamp((area.width() - (count - 1) * kBarGapPx) / std::max(count, 1), 2, kBarWidthPx);
    const bool selected = option.state & QStyle::State_Selected;
    const QColor fill = option.palette.color(selected ? QPalette::HighlightedText : QPalette::Highlight);
    QColor slot = option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
    slot.setAlpha(50);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, false);
    for (int i = 0; i < count; ++i) {
        const QRect bar(area.left() + i * (barWidth + kBarGapPx), area.top(), barWidth, area.height());
        if (bar.right() > area.right())
            break;
        painter->fillRect(bar, slot);
        const double score = scores[i];
        if (!std::isfinite(score))
            continue;
        const int height = int(std::lround(std::clamp(score, 0.0, 1.0) * bar.height()));
        const bool hasReference = i < reference.size() && std::isfinite(reference[i]);
        // A layer below its InD reference is the one that flags the image: drawn in the OOD colour.
        const bool flagged = hasReference && score < reference[i];
        painter->fillRect(QRect(bar.left(), bar.bottom() - height + 1, bar.width(), height),
                          flagged ? PlotStyle::oodColour() : fill);
        if (hasReference) {
            const int y = bar.bottom() - int(std::lround(std::clamp(reference[i], 0.0, 1.0) * bar.height())) + 1;
            painter->fillRect(QRect(bar.left() - 1, y - 1, bar.width() + 2, 2), option.palette.color(QPalette::WindowText));
        }
    }
    painter->restore();
}

QSize LayerScoreBarsDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    const QList<double> scores = index.data(ScoreListModel::kLayerScoresRole).value<QList<double>>();
    const int count = std::max(int(scores.size()), 4);
    const int width = 2 * kPaddingPx + count * kBarWidthPx + (count - 1) * kBarGapPx;
    return QSize(width, std::max(QStyledItemDelegate::sizeHint(option, index).height(), 32));
}

}  // namespace nac::widgets
