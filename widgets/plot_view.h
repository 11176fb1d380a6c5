// Base of the plot views: owns one QCustomPlot, follows the palette, exports the plot to a file.
#pragma once

#include <QString>
#include <QStringList>
#include <QWidget>

#include <vector>

class QCPAxis;
class QCustomPlot;
class QVBoxLayout;

namespace nac::widgets {

// Lives on the GUI thread. Subclasses build their plottables on plot() and restyle in applyPalette().
class PlotView : public QWidget {
    Q_OBJECT
public:
    explicit PlotView(QWidget* parent = nullptr);
    ~PlotView() override;

    // The plot as a plain widget, for tests that send mouse events to it.
    QWidget* plotWidget() const;
    // --- seams ---
    // The labels set by setAxisLabel as shown now, in the order they were first set.
    QStringList shownAxisLabels() const;
    // Rows of the legend's grid (1: one line; more: stacked), 0 without a legend.
    int legendRows() const;

public Q_SLOTS:
    // Saves the plot as PNG, SVG or PDF by the extension of path (see PlotExport::save). On
    // failure returns false and sets errorMessage (when given) to a message naming the file.
    // A PNG gets scale times the plot's on-screen pixels (PlotExport::kDefaultScale: 2).
    bool exportPlot(const QString& path, QString* errorMessage = nullptr, double scale = 2.0);

protected:
    QCustomPlot* plot() const { return m_plot; }
    // The layout holding the plot: subclasses may insert a header row above it (index 0).
    QVBoxLayout* mainLayout() const { return m_layout; }
    // Sets an axis label that gives way to brief when the plot is too short (or narrow) for it:
    // after each layout the label whose text is longer than its axis is swapped, so that a 1024x700
    // window shows "count" instead of a clipped "fit samples in bin (count)" running into the next plot.
    void setAxisLabel(QCPAxis* axis, const QString& full, const QString& brief);
    // Called on construction of the subclass (call it from its constructor) and on every palette change.
    virtual void applyPalette();
    void changeEvent(QEvent* event) override;

private:
    void fitLabelsAndLegend();

    struct AxisLabel {
        QCPAxis* axis = nullptr;
        QString full;
        QString brief;
    };
    std::vector<AxisLabel> m_axisLabels;
    QCustomPlot* m_plot = nullptr;
    QVBoxLayout* m_layout = nullptr;
};

}  // namespace nac::widgets
