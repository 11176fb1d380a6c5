// Renders the heatmap, histogram and parameter panel (or, with "evaluate", the evaluation views) offscreen to a PNG.
#include "widgets/coverage_heatmap_view.h"
#include "widgets/neuron_histogram_view.h"
#include "widgets/parameter_panel.h"
#include "widgets/roc_view.h"
#include "widgets/score_distribution_view.h"
#include "widgets/score_list_view.h"

#include "engine/metrics.h"

#include "engine/bin_edges.h"

#include <QApplication>
#include <QHBoxLayout>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

using nac::engine::BinScheme;
using nac::engine::LayerCoverage;

namespace {

constexpr int kNeurons = 256;
constexpr int kFitSamples = 1000;
constexpr std::uint32_t kSeed = 7;

// States of 1000 fit samples per neuron: sigmoid(alpha * product), products normal around a
// neuron-specific centre, so some neurons sit near 0.5, some saturate towards 0 or 1.
std::vector<std::vector<float>> demoStates()
{
    std::mt19937 random(kSeed);
    std::vector<std::vector<float>> states(kNeurons);
    for (int n = 0; n < kNeurons; ++n) {
        const double centre = 0.03 * std::sin(n * 0.37) + 0.01 * std::cos(n * 1.3);
        const double spread = 0.004 + 0.02 * (0.5 + 0.5 * std::sin(n * 0.11));
        std::normal_distribution<double> product(centre, spread);
        for (int i = 0; i < kFitSamples; ++i)
            states[std::size_t(n)].push_back(float(1.0 / (1.0 + std::exp(-100.0 * product(random)))));
    }
    return states;
}

LayerCoverage coverageOf(const std::vector<std::vector<float>>& states, double minActivated)
{
    LayerCoverage coverage;
    coverage.params.binEdgeCount = 50;
    coverage.params.minActivated = minActivated;
    coverage.params.alpha = 100.0;
    coverage.edges = nac::engine::makeBinEdges(BinScheme::Reference, 50);
    coverage.neuronCount = kNeurons;
    coverage.counts.assign(std::size_t(coverage.binCount()) * kNeurons, 0);
    for (int n = 0; n < kNeurons; ++n) {
        for (float state : states[std::size_t(n)]) {
            const int bin = nac::engine::findBin(coverage.edges, state);
            if (bin >= 0)
                ++coverage.counts[std::size_t(bin) * kNeurons + std::size_t(n)];
        }
    }
    coverage.phi.resize(coverage.counts.size());
    for (std::size_t i = 0; i < coverage.counts.size(); ++i)
        coverage.phi[i] = float(std::min(double(coverage.counts[i]) / minActivated, 1.0));
    return coverage;
}

// The evaluation views: score list, score histograms with the threshold, ROC.
bool grabEvaluation(const QString& output)
{
    std::mt19937 random(kSeed);
    std::normal_distribution<double> indScore(0.72, 0.08);
    std::normal_distribution<double> oodScore(0.45, 0.12);
    std::vector<double> ind;
    std::vector<double> ood;
    for (int i = 0; i < 1000; ++i)
        ind.push_back(std::clamp(indScore(random), 0.0, 1.0));
    for (int i = 0; i < 600; ++i)
        ood.push_back(std::clamp(oodScore(random), 0.0, 1.0));
    const double threshold = nac::engine::thresholdKeepingInd(ind, 0.95);
    const nac::engine::OodMetrics metrics = nac::engine::computeOodMetrics(ind, ood);
    std::vector<double> mspInd;
    for (double score : ind)
        mspInd.push_back(score * 0.6 + 0.2);
    std::vector<double> mspOod;
    for (double score : ood)
        mspOod.push_back(score * 0.5 + 0.35);
    const nac::engine::OodMetrics msp = nac::engine::computeOodMetrics(mspInd, mspOod);

    QWidget window;
    auto* list = new nac::widgets::ScoreListView;
    list->setLayerNames({QStringLiteral("avgpool"), QStringLiteral("layer3"), QStringLiteral("layer2"), QStringLiteral("layer1")});
    const char* labels[] = {"T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot"};
    for (int i = 0; i < 6; ++i) {
        nac::widgets::ScoredImageRow row;
        row.thumbnail = QImage(28, 28, QImage::Format_Grayscale8);
        for (int y = 0; y < 28; ++y)
            for (int x = 0; x < 28; ++x)
                row.thumbnail.setPixelColor(x, y, QColor::fromHsv(0, 0, (x * 9 + y * (i + 1) * 5) % 256));
        row.name = QStringLiteral("dropped_%1.png").arg(i);
        row.sampleIndex = i;
        row.predictedClass = (i * 3) % 10;
        row.predictedLabel = QString::fromLatin1(labels[row.predictedClass]);
        row.probability = 0.55 + 0.07 * i;
        row.score = i % 2 == 0 ? ind[std::size_t(i)] : ood[std::size_t(i)];
        row.layerScores = {row.score, row.score * 0.8, 0.5, 0.9 - 0.1 * i};
        row.notice = i == 4 ? QStringLiteral("converted to grayscale") : QString();
        list->addResult(row);
    }
    nac::widgets::ScoredImageRow failed;
    failed.name = QStringLiteral("notes.txt");
    failed.failed = true;
    failed.notice = QStringLiteral("not an image: unknown file format");
    list->addResult(failed);
    list->setThreshold(threshold);

    auto* distribution = new nac::widgets::ScoreDistributionView;
    distribution->setIndScores(ind, QStringLiteral("Fashion-MNIST held-out"));
    distribution->setOodScores(ood, QStringLiteral("MNIST"));
    distribution->setThreshold(threshold);
    auto* roc = new nac::widgets::RocView;
    roc->setCurves({{QStringLiteral("NAC-UE"), metrics.roc, metrics.auroc}, {QStringLiteral("MSP"), msp.roc, msp.auroc}});

    auto* plots = new QHBoxLayout;
    plots->addWidget(distribution, 3);
    plots->addWidget(roc, 2);
    auto* layout = new QVBoxLayout(&window);
    layout->addWidget(list, 2);
    layout->addLayout(plots, 3);
    window.resize(1400, 950);
    window.show();
    QApplication::processEvents();
    return window.grab().save(output);
}

}  // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    const QString output = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("/tmp/widgets_preview.png");
    if (argc > 2 && QString::fromLatin1(argv[2]) == QLatin1String("dark")) {
        // A dark theme, to check that the views follow the palette.
        QApplication::setStyle(QStringLiteral("Fusion"));
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
        dark.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
        dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
        dark.setColor(QPalette::AlternateBase, QColor(0x33, 0x33, 0x33));
        dark.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
        dark.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
        dark.setColor(QPalette::ButtonText, QColor(0xe0, 0xe0, 0xe0));
        dark.setColor(QPalette::Highlight, QColor(0x3d, 0x7a, 0xd6));
        dark.setColor(QPalette::Mid, QColor(0x60, 0x60, 0x60));
        dark.setColor(QPalette::PlaceholderText, QColor(0x90, 0x90, 0x90));
        dark.setColor(QPalette::Disabled, QPalette::Text, QColor(0x70, 0x70, 0x70));
        QApplication::setPalette(dark);
    }

    if (argc > 3 && QString::fromLatin1(argv[3]) == QLatin1String("evaluate"))
        return grabEvaluation(output) ? 0 : 1;

    const auto states = demoStates();
    const LayerCoverage coverage = coverageOf(states, 50.0);

    // Sort neurons by coverage area (sum of Phi), best covered first.
    std::vector<double> area(kNeurons, 0.0);
    for (int bin = 0; bin < coverage.binCount(); ++bin)
        for (int n = 0; n < kNeurons; ++n)
            area[std::size_t(n)] += coverage.phiAt(bin, n);
    std::vector<int> order(kNeurons);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return area[std::size_t(a)] > area[std::size_t(b)]; });

    QWidget window;
    window.setWindowTitle(QStringLiteral("NAC Studio widgets preview"));
    auto* heatmap = new nac::widgets::CoverageHeatmapView;
    heatmap->setLayer(QStringLiteral("layer3"), coverage, order, QStringLiteral("coverage area"));
    // A dropped image's states for a few neurons, as the app marks low-coverage neurons.
    QVector<QPointF> markers;
    for (int i = 0; i < 40; ++i) {
        const int neuron = order[std::size_t(i * 3)];
        markers.append(QPointF(neuron, i % 3 == 0 ? 0.97 : states[std::size_t(neuron)][std::size_t(i)]));
    }
    heatmap->setMarkers(markers);

    const int shown = order[5];
    auto* histogram = new nac::widgets::NeuronHistogramView;
    std::vector<std::uint32_t> counts;
    for (int bin = 0; bin < coverage.binCount(); ++bin)
        counts.push_back(coverage.countAt(bin, shown));
    histogram->setNeuron(QStringLiteral("layer3"), shown, coverage.edges, counts, 50.0, {0.97f});

    auto* panel = new nac::widgets::ParameterPanel;
    nac::engine::LayerParams avgpool;
    nac::engine::LayerParams layer3 = coverage.params;
    avgpool.minActivated = 10;
    avgpool.alpha = 3000;
    panel->setLayers({QStringLiteral("avgpool"), QStringLiteral("layer3")}, {avgpool, layer3}, {avgpool, layer3});
    panel->setSelectedLayer(1);

    auto* bottom = new QHBoxLayout;
    bottom->addWidget(histogram, 3);
    bottom->addWidget(panel, 2);
    auto* layout = new QVBoxLayout(&window);
    layout->addWidget(heatmap, 3);
    layout->addLayout(bottom, 2);
    window.resize(1400, 950);
    window.show();
    QApplication::processEvents();  // a one-shot tool: lay out and paint before grabbing
    const bool saved = window.grab().save(output);
    return saved ? 0 : 1;
}
