// Paints a row's per-layer NAC-UE scores as small vertical bars (one per layer, height = mean Phi).
#pragma once

#include <QStyledItemDelegate>

namespace nac::widgets {

// Reads QList<double> from ScoreListModel::kLayerScoresRole; NaN draws an empty slot.
class LayerScoreBarsDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

}  // namespace nac::widgets
