// The evaluation workbench's engine side: runs the model once over each added set, keeps the raw
// products and the bins of every image, and re-scores all sets and their metrics from that cache.
#pragma once

#include "app/gui/evaluation_types.h"

#include "engine/fitter.h"
#include "engine/sample_set.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nac::engine {
class CoverageProfile;
class Model;
}  // namespace nac::engine

namespace nac::app {

// Lives on the engine thread (owned by EngineWorker); not thread-safe. Nothing here runs the model
// except add(). evaluate() follows `nac eval` (app/cli/nac_main.cpp) number for number: the same
// data readers, label alignment, states, NAC-UE score (SPEC §3) and computeOodMetrics (SPEC §5).
class SetEvaluator {
public:
    SetEvaluator();
    ~SetEvaluator();

    // Opens request.spec, runs the model (its tapped layers must be the profile's) over every
    // image and keeps the results; a set of the same name is replaced. notes receives what the
    // readers decided (label alignment, conversions). Throws nac::engine::Error: BadInput naming
    // the spec and the problem, Canceled when options.cancel was set.
    void add(const EvaluationSetRequest& request, nac::engine::Model& model, nac::engine::RunOptions options,
             std::vector<std::string>& notes);
    bool remove(const QString& name);
    bool setRole(const QString& name, SetRole role);
    void clear();
    bool isEmpty() const { return m_sets.empty(); }
    bool contains(const QString& name) const;
    // The requests of every set, in the order they were added.
    QList<EvaluationSetRequest> requests() const;
    // Sets whose states were computed for other layers than the profile's (a new fit): they must be added again.
    QList<EvaluationSetRequest> staleFor(const nac::engine::CoverageProfile& profile) const;

    // Scores every set under the profile's current parameters and computes, for each OOD set and
    // method, the metrics against the InD side (the InD sets pooled, else the held-out InD images).
    // Bins are reused when a layer's edges and alpha did not change (an O change only looks up Phi).
    std::shared_ptr<EvaluationResults> evaluate(const nac::engine::CoverageProfile& profile, int generation);

private:
    struct StoredSet;
    struct LayerBins;
    void updateBins(StoredSet& set, const nac::engine::CoverageProfile& profile, bool* rebinned);

    std::vector<std::unique_ptr<StoredSet>> m_sets;
    int m_version = 0;  // changes with every add, removal and role change (the InD side may change)
};

// NAC-UE totals from cached bins: the same sums in the same order as CoverageProfile::score, so the
// results are the same bits. bins[l] is row-major [samples x neurons], -1 for a state in no bin.
std::vector<double> scoresFromBins(const nac::engine::CoverageProfile& profile,
                                   const std::vector<std::vector<std::int32_t>>& bins, std::size_t sampleCount);

}  // namespace nac::app
