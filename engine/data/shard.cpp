// Contiguous shards of ordered image lists, for cluster job arrays.
#include "engine/data/shard.h"

#include "engine/error.h"
#include "engine/number_text.h"

#include <optional>

namespace nac::engine {

Shard parseShard(const std::string& text)
{
    const std::string example = " (give K/N with 0 <= K < N, e.g. --shard 0/4 for the first of four shards)";
    const auto slash = text.find('/');
    if (slash == std::string::npos)
        throw badInput("--shard '" + text + "' is not K/N" + example);
    const std::string indexText = text.substr(0, slash);
    const std::string countText = text.substr(slash + 1);
    // parseInteger accepts a sign; a shard has none.
    auto digitsOnly = [](const std::string& s) {
        if (s.empty())
            return false;
        for (char c : s)
            if (c < '0' || c > '9')
                return false;
        return true;
    };
    if (!digitsOnly(indexText) || !digitsOnly(countText))
        throw badInput("--shard '" + text + "': K and N must be whole numbers" + example);
    const std::optional<long long> index = parseInteger(indexText);  // nullopt: too large for a long long
    const std::optional<long long> count = parseInteger(countText);
    if (!count || std::size_t(*count) > kMaxShardCount)
        throw badInput("--shard '" + text + "': at most " + std::to_string(kMaxShardCount) + " shards");
    if (*count < 1)
        throw badInput("--shard '" + text + "': the number of shards N must be at least 1" + example);
    if (!index || *index >= *count)
        throw badInput("--shard '" + text + "': the shard index K must be below N (shards are numbered 0.." + std::to_string(*count - 1)
                       + ", as Slurm's SLURM_ARRAY_TASK_ID with --array=0-" + std::to_string(*count - 1) + ")");
    Shard shard;
    shard.index = std::size_t(*index);
    shard.count = std::size_t(*count);
    return shard;
}

ShardRange shardRange(std::size_t total, const Shard& shard)
{
    if (shard.count == 0 || shard.index >= shard.count)
        throw Error(ErrorKind::Internal, "shardRange: shard index out of range");
    // floor(k * total / N), without the product overflowing: rest * k < N * N.
    auto boundary = [&](std::size_t k) {
        const std::size_t whole = total / shard.count;
        const std::size_t rest = total % shard.count;
        return whole * k + rest * k / shard.count;
    };
    return {boundary(shard.index), boundary(shard.index + 1)};
}

std::vector<std::size_t> shardOf(const std::vector<std::size_t>& items, const Shard& shard)
{
    const ShardRange range = shardRange(items.size(), shard);
    return std::vector<std::size_t>(items.begin() + std::ptrdiff_t(range.first), items.begin() + std::ptrdiff_t(range.last));
}

FitPlan shardFitPlan(const FitPlan& plan, const Shard& shard)
{
    if (plan.fitIndices.size() < shard.count)
        throw badInput("--shard " + toString(shard) + ": the fit has only "
                       + std::to_string(plan.fitIndices.size()) + " images, fewer than the " + std::to_string(shard.count)
                       + " shards; use at most " + std::to_string(plan.fitIndices.size()) + " shards");
    FitPlan out;
    out.fitIndices = shardOf(plan.fitIndices, shard);
    out.heldoutIndices = shardOf(plan.heldoutIndices, shard);
    out.notes = plan.notes;
    return out;
}

std::string toString(const Shard& shard) { return std::to_string(shard.index) + "/" + std::to_string(shard.count); }

std::string describeShardBlock(const Shard& shard, std::size_t total)
{
    const ShardRange range = shardRange(total, shard);
    if (range.size() == 0)
        return "none of " + std::to_string(total);
    return std::to_string(range.first) + "-" + std::to_string(range.last - 1) + " of " + std::to_string(total);
}

}  // namespace nac::engine
