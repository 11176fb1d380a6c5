// Parameter search over cached raw products: per-layer score tables, then one AUROC per combination.
#include "engine/tuner.h"

#include "engine/error.h"
#include "engine/number_text.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

namespace nac::engine {
namespace {

std::vector<double> parseValues(const std::string& key, const std::string& text, const std::string& whole)
{
    std::vector<double> values;
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, '/')) {
        const std::optional<double> value = parseReal(item);
        if (!value)
            throw badInput("grid '" + whole + "': " + key + " value '" + item + "' is not a number (write decimals with '.')");
        values.push_back(*value);
    }
    if (values.empty())
        throw badInput("grid '" + whole + "': " + key + " has no values");
    return values;
}

// Per-layer candidate: its parameters and the layer score of every validation sample.
struct Candidate {
    LayerParams params;
    std::vector<double> indScores;
    std::vector<double> oodScores;
};

}  // namespace

LayerGrid parseLayerGrid(const std::string& text)
{
    const auto colon = text.find(':');
    if (colon == std::string::npos || colon == 0)
        throw badInput("grid '" + text + "' must look like layer:O=10/50,M=50/500,alpha=100/3000");
    LayerGrid grid;
    grid.layer = text.substr(0, colon);
    std::stringstream stream(text.substr(colon + 1));
    std::string item;
    while (std::getline(stream, item, ',')) {
        const auto eq = item.find('=');
        if (eq == std::string::npos)
            throw badInput("grid '" + text + "': '" + item + "' has no '='");
        const std::string key = item.substr(0, eq);
        const std::vector<double> values = parseValues(key, item.substr(eq + 1), text);
        if (key == "M") {
            for (double v : values) {
                if (v != std::floor(v))
                    throw badInput("grid '" + text + "': M must be whole numbers");
                grid.binEdgeCounts.push_back(int(v));
            }
        } else if (key == "O" || key == "r") {
            grid.minActivated = values;
        } else if (key == "alpha") {
            grid.alphas = values;
        } else {
            throw badInput("grid '" + text + "': unknown key '" + key + "' (use M, O, alpha)");
        }
    }
    return grid;
}

double aurocOnly(const std::vector<double>& ind, const std::vector<double>& ood)
{
    if (ind.empty() || ood.empty())
        throw badInput("AUROC needs InD and OOD samples");
    // Mann-Whitney: P(conf_ind > conf_ood) + 0.5 P(equal), by one sort of the pooled scores.
    std::vector<std::pair<double, int>> pooled;
    pooled.reserve(ind.size() + ood.size());
    for (double v : ind)
        pooled.emplace_back(v, 0);
    for (double v : ood)
        pooled.emplace_back(v, 1);
    std::sort(pooled.begin(), pooled.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    double oodBelow = 0.0;  // OOD samples with a strictly lower confidence
    double favourable = 0.0;
    for (std::size_t i = 0; i < pooled.size();) {
        std::size_t j = i;
        double indTied = 0.0;
        double oodTied = 0.0;
        while (j < pooled.size() && pooled[j].first == pooled[i].first) {
            (pooled[j].second == 0 ? indTied : oodTied) += 1.0;
            ++j;
        }
        favourable += indTied * (oodBelow + 0.5 * oodTied);
        oodBelow += oodTied;
        i = j;
    }
    return favourable / (double(ind.size()) * double(ood.size()));
}

TuneResult tuneParameters(const CoverageProfile& profile, const SampleSet& indValidation, const SampleSet& oodValidation,
                          const std::vector<LayerGrid>& grids, const CancelToken& cancel, const ProgressCallback& progress)
{
    const auto started = std::chrono::steady_clock::now();
    const std::size_t layers = profile.layerCount();
    for (const LayerGrid& g : grids)
        if (profile.layerIndex(g.layer) < 0)
            throw badInput("grid for layer '" + g.layer + "', which the profile does not cover");
    if (indValidation.sampleCount() == 0 || oodValidation.sampleCount() == 0)
        throw badInput("tuning needs InD and OOD validation samples");

    TuneResult result;
    {
        const ScoreTable ind = profile.score(indValidation);
        const ScoreTable ood = profile.score(oodValidation);
        result.defaultAuroc = aurocOnly(ind.total, ood.total);
    }

    // Per layer: every (M, alpha) is re-binned once; every O only recomputes Phi.
    CoverageProfile work = profile;
    std::vector<std::vector<Candidate>> candidates(layers);
    for (std::size_t l = 0; l < layers; ++l) {
        const LayerParams current = profile.params(l);
        LayerGrid grid;
        for (const LayerGrid& g : grids)
            if (g.layer == profile.layers()[l].name)
                grid = g;
        const std::vector<int> ms = grid.binEdgeCounts.empty() ? std::vector<int>{current.binEdgeCount} : grid.binEdgeCounts;
        const std::vector<double> os = grid.minActivated.empty() ? std::vector<double>{current.minActivated} : grid.minActivated;
        const std::vector<double> alphas = grid.alphas.empty() ? std::vector<double>{current.alpha} : grid.alphas;
        for (int m : ms) {
            for (double alpha : alphas) {
                ++result.histogramsBuilt;
                for (double o : os) {
                    if (isCanceled(cancel))
                        throw Error(ErrorKind::Canceled, "canceled");
                    LayerParams p = current;
                    p.binEdgeCount = m;
                    p.alpha = alpha;
                    p.minActivated = o;
                    work.setParams(l, p);
                    Candidate c;
                    c.params = p;
                    c.indScores = work.score(indValidation).perLayer[l];
                    c.oodScores = work.score(oodValidation).perLayer[l];
                    candidates[l].push_back(std::move(c));
                }
            }
        }
    }

    // Cartesian product in the reference's order (first layer's grid outermost); the first
    // combination with the best AUROC wins. Summed layer scores rank like their mean.
    std::size_t total = 1;
    for (const auto& c : candidates)
        total *= c.size();
    result.combinations = total;
    std::vector<std::size_t> choice(layers, 0);
    std::vector<double> ind(indValidation.sampleCount());
    std::vector<double> ood(oodValidation.sampleCount());
    double best = -1.0;
    auto lastReport = std::chrono::steady_clock::now();
    for (std::size_t combo = 0; combo < total; ++combo) {
        if (isCanceled(cancel))
            throw Error(ErrorKind::Canceled, "canceled");
        std::fill(ind.begin(), ind.end(), 0.0);
        std::fill(ood.begin(), ood.end(), 0.0);
        for (std::size_t l = 0; l < layers; ++l) {
            const Candidate& c = candidates[l][choice[l]];
            for (std::size_t i = 0; i < ind.size(); ++i)
                ind[i] += c.indScores[i];
            for (std::size_t i = 0; i < ood.size(); ++i)
                ood[i] += c.oodScores[i];
        }
        const double auroc = aurocOnly(ind, ood);
        if (auroc > best) {
            best = auroc;
            result.best.clear();
            for (std::size_t l = 0; l < layers; ++l)
                result.best.push_back(candidates[l][choice[l]].params);
        }
        // Advance the mixed-radix counter, last layer fastest.
        for (std::size_t l = layers; l-- > 0;) {
            if (++choice[l] < candidates[l].size())
                break;
            choice[l] = 0;
        }
        const auto now = std::chrono::steady_clock::now();
        if (progress && (combo + 1 == total || std::chrono::duration<double>(now - lastReport).count() > 0.1)) {
            lastReport = now;
            progress(makeProgress(combo + 1, total, std::chrono::duration<double>(now - started).count(), "tune",
                                  "combinations"));
        }
    }
    result.bestAuroc = best;
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

}  // namespace nac::engine
