// The fit subset and held-out images shared by `nac fit` and NAC Studio.
#include "engine/data/fit_plan.h"

#include "engine/data/data_source.h"
#include "engine/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <set>

namespace nac::engine {
namespace {

// "55000-59999" -> {55000, 59999}.
std::optional<ReservedRange> parseRange(const std::string& text)
{
    const auto dash = text.find('-');
    if (dash == std::string::npos || dash == 0)
        return std::nullopt;
    ReservedRange range;
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    auto first = std::from_chars(begin, begin + dash, range.first);
    auto last = std::from_chars(begin + dash + 1, end, range.last);
    if (first.ec != std::errc() || first.ptr != begin + dash || last.ec != std::errc() || last.ptr != end
        || range.last < range.first)
        return std::nullopt;
    return range;
}

std::string countText(std::size_t count, const char* one, const char* many)
{
    return std::to_string(count) + " " + (count == 1 ? one : many);
}

// Notes on how the class-balanced rule turned `asked` into `chosen.size()` images.
void noteSubset(const Dataset& dataset, std::size_t asked, std::size_t available, const std::vector<std::size_t>& chosen,
                const std::string& what, std::vector<std::string>& notes)
{
    if (asked >= available) {
        if (asked > available)
            notes.push_back(what + ": " + std::to_string(asked) + " images asked for, but " + dataset.description() + " has "
                            + std::to_string(available) + " to choose from: using all " + std::to_string(available));
        return;
    }
    if (chosen.size() == asked)
        return;
    std::set<int> classes;
    for (std::size_t i = 0; i < dataset.size() && classes.size() < 100000; ++i)
        if (dataset.label(i) >= 0)
            classes.insert(dataset.label(i));
    notes.push_back(what + ": " + std::to_string(asked) + " images asked for over " + countText(classes.size(), "class", "classes")
                    + "; the reference takes floor(" + std::to_string(asked) + " / " + std::to_string(classes.size())
                    + ") = " + std::to_string(classes.empty() ? 0 : asked / classes.size())
                    + " per class (fewer where a class has fewer images): " + std::to_string(chosen.size()) + " images");
}

}  // namespace

std::optional<ReservedRange> reservedHeldoutRange(const ModelMetadata& metadata, std::size_t datasetSize)
{
    nlohmann::json extra;
    try {
        extra = nlohmann::json::parse(metadata.extraJson);
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
    if (!extra.is_object() || !extra.contains("training") || !extra["training"].is_object())
        return std::nullopt;
    const nlohmann::json& training = extra["training"];
    if (!training.contains("heldout_indices") || !training["heldout_indices"].is_string())
        return std::nullopt;
    const std::optional<ReservedRange> range = parseRange(training["heldout_indices"].get<std::string>());
    if (!range || range->last + 1 != datasetSize)
        return std::nullopt;
    return range;
}

FitPlan planFit(const Dataset& dataset, const FitPlanRequest& request, const ModelMetadata* metadata)
{
    FitPlan plan;
    const std::size_t size = dataset.size();
    if (size == 0)
        throw badInput("no images to fit in " + dataset.description());
    if (!request.allSamples && request.sampleCount == 0)
        throw badInput("the number of fit samples must be at least 1");

    std::optional<ReservedRange> reserved;
    if (metadata && !request.heldoutData)
        reserved = reservedHeldoutRange(*metadata, size);
    std::vector<std::size_t> notForFit;
    if (reserved) {
        for (std::size_t i = reserved->first; i <= reserved->last; ++i)
            notForFit.push_back(i);
        plan.notes.push_back("the model's nac.json marks images " + std::to_string(reserved->first) + "-"
                             + std::to_string(reserved->last) + " of " + dataset.description()
                             + " as never trained on: the fit leaves them out"
                             + (request.heldoutCount > 0 ? " and the held-out images come from them" : ""));
    }
    const std::size_t available = size - notForFit.size();
    if (available == 0)
        throw badInput("no images are left to fit in " + dataset.description());
    const std::size_t asked = request.allSamples ? available : request.sampleCount;
    plan.fitIndices = classBalancedSubset(dataset, asked, request.seed, notForFit);
    if (plan.fitIndices.empty())
        throw badInput("no images to fit in " + dataset.description() + " (labelled images are needed in every class chosen)");
    if (!request.allSamples)
        noteSubset(dataset, asked, available, plan.fitIndices, "fit", plan.notes);

    const std::uint32_t heldoutSeed = request.seed + 1;
    if (request.heldoutData) {
        const Dataset& other = *request.heldoutData;
        if (request.heldoutCount == 0) {
            plan.heldoutIndices.resize(other.size());
            for (std::size_t i = 0; i < other.size(); ++i)
                plan.heldoutIndices[i] = i;
        } else {
            plan.heldoutIndices = classBalancedSubset(other, request.heldoutCount, heldoutSeed);
            noteSubset(other, request.heldoutCount, other.size(), plan.heldoutIndices, "held-out", plan.notes);
        }
        if (plan.heldoutIndices.empty())
            throw badInput("no held-out images in " + other.description());
        return plan;
    }
    if (request.heldoutCount == 0)
        return plan;
    std::vector<std::size_t> notHeldout;
    if (reserved) {
        for (std::size_t i = 0; i < size; ++i)
            if (i < reserved->first || i > reserved->last)
                notHeldout.push_back(i);
    } else {
        notHeldout = plan.fitIndices;
    }
    plan.heldoutIndices = classBalancedSubset(dataset, request.heldoutCount, heldoutSeed, notHeldout);
    // classBalancedSubset leaves out the excluded indices; keep the split disjoint whatever it returns.
    std::vector<std::size_t> sortedFit = plan.fitIndices;
    std::sort(sortedFit.begin(), sortedFit.end());
    plan.heldoutIndices.erase(std::remove_if(plan.heldoutIndices.begin(), plan.heldoutIndices.end(),
                                             [&](std::size_t i) { return std::binary_search(sortedFit.begin(), sortedFit.end(), i); }),
                              plan.heldoutIndices.end());
    if (plan.heldoutIndices.empty())
        throw badInput("held-out images: none are left in " + dataset.description() + " after the "
                       + std::to_string(plan.fitIndices.size()) + " fit images; fit fewer, or give held-out data");
    noteSubset(dataset, request.heldoutCount, size - notHeldout.size(), plan.heldoutIndices, "held-out", plan.notes);
    return plan;
}

}  // namespace nac::engine
