// NAC-ME plot: one QCPGraph per layer, x = checkpoint number or accuracy, y = G.
#include "widgets/nac_me_view.h"

#include "widgets/plot_style.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace nac::widgets {

NacMeView::NacMeView(QWidget* parent)
    : PlotView(parent)
{
    auto* header = new QHBoxLayout;
    header->setContentsMargins(4, 2, 4, 0);
    header->addWidget(new QLabel(tr("x axis:"), this));
    m_xAxisCombo = new QComboBox(this);
    m_xAxisCombo->setObjectName(QStringLiteral("xAxisCombo"));
    m_xAxisCombo->addItem(tr("checkpoint order"), int(XAxis::CheckpointOrder));
    m_xAxisCombo->addItem(tr("accuracy"), int(XAxis::Accuracy));
    m_xAxisCombo->setToolTip(tr("Plot G against the order the checkpoints are listed in, or against their accuracy "
                                "on the data (needs labels)."));
    header->addWidget(m_xAxisCombo);
    header->addStretch(1);
    mainLayout()->insertLayout(0, header);
    m_empty = new QLabel(tr("Add checkpoints and press Compute to see G per layer."), this);
    m_empty->setObjectName(QStringLiteral("emptyLabel"));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setForegroundRole(QPalette::PlaceholderText);
    m_empty->setWordWrap(true);
    mainLayout()->insertWidget(1, m_empty);

    QCustomPlot* p = plot();
    p->legend->setVisible(true);
    p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
    p->yAxis->setLabel(tr("G (NAC-ME coverage)"));
    p->setToolTip(tr("NAC-ME (SPEC §4): G is the mean over neurons of the area under Φ of the training data's "
                     "correctly classified images. ρ is Spearman's rank correlation of G with accuracy "
                     "(tied values share their average rank)."));
    connect(m_xAxisCombo, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this](int) { setXAxis(XAxis(m_xAxisCombo->currentData().toInt())); });
    applyPalette();
    rebuild();
}

NacMeView::~NacMeView() = default;

QString NacMeView::legendText(const QString& layer, double spearman)
{
    if (std::isnan(spearman))
        return tr("%1 (ρ undefined)").arg(layer);
    return tr("%1 (ρ = %2)").arg(layer).arg(spearman, 0, 'f', 3);
}

QStringList NacMeView::legendTexts() const
{
    QStringList texts;
    for (int l = 0; l < m_data.layers.size(); ++l)
        texts.append(legendText(m_data.layers[l], std::size_t(l) < m_data.spearman.size() ? m_data.spearman[std::size_t(l)]
                                                                                       : std::nan("")));
    return texts;
}

bool NacMeView::accuracyAvailable() const
{
    return !m_data.accuracy.empty()
        && std::all_of(m_data.accuracy.begin(), m_data.accuracy.end(), [](double a) { return a >= 0; });
}

void NacMeView::setData(Data data)
{
    m_data = std::move(data);
    if (m_xAxis == XAxis::Accuracy && !accuracyAvailable())
        m_xAxis = XAxis::CheckpointOrder;
    rebuild();
}

void NacMeView::clear()
{
    setData(Data{});
}

void NacMeView::setXAxis(XAxis axis)
{
    m_xAxis = axis == XAxis::Accuracy && !accuracyAvailable() ? XAxis::CheckpointOrder : axis;
    rebuild();
}

void NacMeView::rebuild()
{
    {
        const QSignalBlocker blocker(m_xAxisCombo);
        m_xAxisCombo->setCurrentIndex(m_xAxisCombo->findData(int(m_xAxis)));
    }
    m_xAxisCombo->setEnabled(accuracyAvailable());
    QCustomPlot* p = plot();
    for (QCPGraph* graph : m_graphs)
        p->removeGraph(graph);
    m_graphs.clear();
    const bool empty = m_data.checkpoints.isEmpty() || m_data.layers.isEmpty();
    m_empty->setVisible(empty);
    p->setVisible(!empty);
    const bool byAccuracy = m_xAxis == XAxis::Accuracy;
    double low = 1e300;
    double high = -1e300;
    for (int l = 0; l < m_data.layers.size(); ++l) {
        auto* graph = p->addGraph();
        QVector<double> x;
        QVector<double> y;
        const std::vector<double>& g = m_data.coverage[std::size_t(l)];
        for (std::size_t c = 0; c < g.size(); ++c) {
            x.append(byAccuracy ? 100.0 * m_data.accuracy[c] : double(c + 1));
            y.append(g[c]);
            low = std::min(low, g[c]);
            high = std::max(high, g[c]);
        }
        graph->setData(x, y, !byAccuracy);
        const QColor colour = PlotStyle::seriesColour(l);
        graph->setPen(QPen(colour, 2));
        graph->setLineStyle(byAccuracy ? QCPGraph::lsNone : QCPGraph::lsLine);
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, colour, colour, 7));
        graph->setName(legendTexts()[l]);
        m_graphs.push_back(graph);
    }
    if (byAccuracy) {
        p->xAxis->setLabel(tr("accuracy on the data (%)"));
        p->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        p->rescaleAxes();
        const QCPRange range = p->xAxis->range();
        const double pad = std::max(0.5, 0.05 * range.size());
        p->xAxis->setRange(range.lower - pad, range.upper + pad);
    } else {
        p->xAxis->setLabel(tr("checkpoint (in the order listed)"));
        QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
        for (int c = 0; c < m_data.checkpoints.size(); ++c)
            ticker->addTick(double(c + 1), QString::number(c + 1));
        p->xAxis->setTicker(ticker);
        p->xAxis->setRange(0.5, double(std::max<qsizetype>(m_data.checkpoints.size(), 1)) + 0.5);
    }
    if (!empty) {
        const double pad = std::max(1e-3, 0.08 * (high - low));
        p->yAxis->setRange(low - pad, high + pad);
    }
    p->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace nac::widgets
