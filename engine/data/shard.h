// Shard K of N of a command's ordered images, so that N cluster jobs (`nac fit --shard K/N`,
// `nac score --shard K/N`) together do exactly the work of one unsharded run.
#pragma once

#include "engine/data/fit_plan.h"

#include <cstddef>
#include <string>
#include <vector>

namespace nac::engine {

// Shard index of count (0 <= index < count).
struct Shard {
    std::size_t index = 0;
    std::size_t count = 1;
};

// The most shards a command may be split into (a job array larger than this is a typo).
constexpr std::size_t kMaxShardCount = 100000;

// "K/N" (decimal digits only, e.g. "2/8") as a shard. Throws Error(BadInput) naming the problem
// when the text is malformed, N < 1, N > kMaxShardCount, or K >= N.
Shard parseShard(const std::string& text);

// The half-open range [first, last) of positions 0..total-1 that shard takes: contiguous blocks
// in order, shard k getting positions [k * total / N, (k + 1) * total / N), so the blocks of
// shards 0..N-1 laid end to end are 0..total-1 and their sizes differ by at most one.
struct ShardRange {
    std::size_t first = 0;
    std::size_t last = 0;
    std::size_t size() const { return last - first; }
};
ShardRange shardRange(std::size_t total, const Shard& shard);

// The shard's block of items, in their order.
std::vector<std::size_t> shardOf(const std::vector<std::size_t>& items, const Shard& shard);

// Shard of a fit plan: its block of the fit images and its block of the held-out images, each in
// plan order. Merging the N shards' profiles in shard order (`nac merge`) therefore gives the
// fit and held-out samples of the unsharded plan in the unsharded order. Throws Error(BadInput)
// when the plan has fewer fit images than shards (a shard would fit nothing); held-out blocks
// may be empty. The plan's notes are kept.
FitPlan shardFitPlan(const FitPlan& plan, const Shard& shard);

// "K/N".
std::string toString(const Shard& shard);
// The shard's block of total positions, for notes: "250-499 of 1000" or "none of 3".
std::string describeShardBlock(const Shard& shard, std::size_t total);

}  // namespace nac::engine
