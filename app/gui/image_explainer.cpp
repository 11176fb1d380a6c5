// Coverage map, nearest fit images and the steps of NAC for one image (engine thread).
#include "app/gui/image_explainer.h"

#include "engine/bin_edges.h"
#include "engine/coverage_map.h"
#include "engine/data/data_source.h"
#include "engine/data/sample_identity.h"
#include "engine/error.h"
#include "engine/model.h"
#include "engine/nearest_fit.h"

#include <QElapsedTimer>

#include <algorithm>
#include <map>
#include <numeric>

namespace nac::app {

using namespace nac::engine;

QImage imageFromInput(const float* input, const InputSpec& spec)
{
    const int plane = spec.height * spec.width;
    auto at = [](const std::vector<float>& values, int c) { return values.size() == 1 ? values[0] : values[std::size_t(c)]; };
    auto pixel = [&](int c, int i) {
        const float value = input[std::size_t(c) * std::size_t(plane) + std::size_t(i)] * at(spec.std, c) + at(spec.mean, c);
        return uchar(std::clamp(value, 0.0f, 1.0f) * 255.0f + 0.5f);
    };
    const bool colour = spec.channels == 3;
    QImage image(spec.width, spec.height, colour ? QImage::Format_RGB888 : QImage::Format_Grayscale8);
    for (int y = 0; y < spec.height; ++y) {
        uchar* line = image.scanLine(y);
        for (int x = 0; x < spec.width; ++x) {
            const int i = y * spec.width + x;
            if (colour)
                for (int c = 0; c < 3; ++c)
                    line[3 * x + c] = pixel(c, i);
            else
                line[x] = pixel(0, i);
        }
    }
    return image;
}

namespace {

NeuronWalkthrough walkThrough(const CoverageProfile& profile, const SampleSet& states, std::size_t layer, int neuron,
                              const Model::SpatialLayer& spatial)
{
    NeuronWalkthrough steps;
    const LayerCoverage& coverage = profile.coverage(layer);
    steps.neuron = neuron;
    const std::size_t positions = spatial.output.size() / std::size_t(std::max(1, coverage.neuronCount));
    for (std::size_t p = 0; p < positions; ++p) {
        steps.pooledOutput += spatial.output[std::size_t(neuron) * positions + p];
        steps.pooledGradient += spatial.gradient[std::size_t(neuron) * positions + p];
    }
    steps.rawProduct = states.rawRow(layer, 0)[neuron];
    steps.alpha = coverage.params.alpha;
    steps.state = profile.stateOf(layer, steps.rawProduct);
    steps.bin = findBin(coverage.edges, steps.state);
    steps.binCount = coverage.binCount();
    steps.minActivated = coverage.params.minActivated;
    if (steps.bin >= 0) {
        steps.binLow = coverage.edges[std::size_t(steps.bin)];
        steps.binHigh = coverage.edges[std::size_t(steps.bin) + 1];
        steps.count = coverage.countAt(steps.bin, neuron);
        steps.phi = coverage.phiAt(steps.bin, neuron);
    }
    const ScoreTable scores = profile.score(states);
    steps.total = scores.total.at(0);
    for (const auto& perLayer : scores.perLayer)
        steps.perLayer.push_back(perLayer.at(0));
    steps.layerScore = steps.perLayer.at(layer);
    return steps;
}

}  // namespace

std::shared_ptr<const ImageExplanation> explainImage(Model& model, const CoverageProfile& profile, const float* input,
                                                     const QString& source, const ExplainRequest& request)
{
    auto out = std::make_shared<ImageExplanation>();
    out->request = request;
    QElapsedTimer timer;
    timer.start();
    try {
        if (request.layer < 0 || std::size_t(request.layer) >= profile.layerCount())
            throw badInput("choose one of the profile's " + std::to_string(profile.layerCount()) + " layers");
        const std::size_t layer = std::size_t(request.layer);
        out->layerName = QString::fromStdString(profile.layers()[layer].name);
        const InputSpec& spec = model.inputSpec();
        out->image = imageFromInput(input, spec);

        const Model::SpatialSample spatial = model.computeSpatial(input, source.toStdString());
        const Model::SpatialLayer& tensors = spatial.layers.at(layer);
        const CoverageMap map = coverageMap(profile, layer, tensors.shape, tensors.output, tensors.gradient,
                                            spatial.states.rawRow(layer, 0), request.phiBelow);
        out->mapHeight = map.height;
        out->mapWidth = map.width;
        out->layerMap = map.values;
        out->imageMap = upsampleBilinear(map.values, map.height, map.width, spec.height, spec.width);
        out->mapMax = map.maxValue();
        out->mapMs = double(timer.nsecsElapsed()) / 1e6;
        out->weakChannels = int(map.weakChannels.size());
        out->channelCount = map.channelCount;
        const double total = std::accumulate(map.channelTotals.begin(), map.channelTotals.end(), 0.0);
        std::vector<std::size_t> order(map.weakChannels.size());
        std::iota(order.begin(), order.end(), std::size_t(0));
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return map.channelTotals[a] > map.channelTotals[b]; });
        for (std::size_t i = 0; i < order.size() && i < 8; ++i) {
            out->topWeakChannels.push_back(map.weakChannels[order[i]]);
            out->topWeakShares.push_back(total > 0 ? map.channelTotals[order[i]] / total : 0.0);
        }
        out->walkthrough = walkThrough(profile, spatial.states, layer,
                                       out->topWeakChannels.empty() ? 0 : out->topWeakChannels.front(), tensors);

        const SampleSet& fit = profile.fitSamples();
        if (request.neighbourCount > 0 && fit.sampleCount() > 0) {
            const std::vector<FitNeighbour> nearest =
                nearestFitSamples(profile, spatial.states, 0, std::size_t(request.neighbourCount), {layer});
            std::vector<std::string> identities;
            for (const FitNeighbour& near : nearest)
                identities.push_back(near.fitIndex < fit.identities.size() ? fit.identities[near.fitIndex] : std::string());
            // Images of one IDX file are read through one range "FILE@0-LAST": a compressed file is
            // then decompressed once, not once per neighbour.
            std::map<std::string, std::size_t> lastIndex;
            for (const std::string& identity : identities) {
                std::string base;
                std::size_t index = 0;
                if (splitFileIdentity(identity, base, index)) {
                    std::size_t& last = lastIndex[base];
                    last = std::max(last, index);
                }
            }
            std::map<std::string, std::unique_ptr<Dataset>> opened;
            for (const auto& [base, last] : lastIndex) {
                try {
                    opened[base] = openDataset(base + "@0-" + std::to_string(last));
                } catch (const std::exception&) {
                    // openSampleIdentity below says what is wrong, image by image.
                }
            }
            for (std::size_t i = 0; i < nearest.size(); ++i) {
                const FitNeighbour& near = nearest[i];
                FitNeighbourImage neighbour;
                neighbour.distance = near.distance;
                neighbour.label = fit.labels.at(near.fitIndex);
                const std::string& identity = identities[i];
                neighbour.identity = QString::fromStdString(identity.empty() ? fit.sources.at(near.fitIndex) : identity);
                try {
                    std::vector<float> pixels(spec.valuesPerImage());
                    std::string base;
                    std::size_t index = 0;
                    if (splitFileIdentity(identity, base, index) && opened.count(base) && opened[base]) {
                        opened[base]->load(index, spec, pixels.data());
                    } else {
                        const auto dataset = openSampleIdentity(identity);
                        dataset->load(0, spec, pixels.data());
                    }
                    neighbour.image = imageFromInput(pixels.data(), spec);
                } catch (const std::exception& e) {
                    neighbour.notice = QString::fromLocal8Bit(e.what());
                }
                out->neighbours.push_back(std::move(neighbour));
            }
        }
    } catch (const std::exception& e) {
        out->error = QString::fromLocal8Bit(e.what());
    }
    out->elapsedMs = double(timer.nsecsElapsed()) / 1e6;
    return out;
}

}  // namespace nac::app
