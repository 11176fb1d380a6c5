// The class-balanced fitting subset of SPEC §3, with a shuffle that gives the same order everywhere.
#include "engine/data/data_source.h"

#include <algorithm>
#include <random>
#include <map>
#include <vector>

namespace nac::engine {

namespace {

// A uniform draw from [0, max], by masking and rejection as numpy's legacy random_interval does.
std::uint32_t drawUpTo(std::mt19937& generator, std::uint32_t max) {
    if (max == 0)
        return 0;
    std::uint32_t mask = max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    std::uint32_t value = 0;
    do {
        value = std::uint32_t(generator()) & mask;
    } while (value > max);
    return value;
}

// Fisher-Yates from the back, with a generator seeded afresh from seed. std::shuffle is
// implementation-defined, so this is spelt out to give the same order with every library.
// The steps are those of numpy's RandomState(seed).shuffle (std::mt19937(seed) seeds like
// RandomState(seed); checked against numpy 1.24 for lists below 2^32 items). That matches the
// reference's choice only when the data set lists the images in the reference's order, so SPEC §3's
// advice stands: export index lists from Python for exact matching.
void seededShuffle(std::vector<std::size_t>& indices, std::uint32_t seed) {
    std::mt19937 generator(seed);
    for (std::size_t i = indices.size(); i-- > 1;)
        std::swap(indices[i], indices[drawUpTo(generator, std::uint32_t(i))]);
}

}  // namespace

std::vector<std::size_t> classBalancedSubset(const Dataset& dataset, std::size_t count, std::uint32_t seed,
                                             const std::vector<std::size_t>& exclude) {
    const std::size_t size = dataset.size();
    std::vector<bool> excluded(size, false);
    for (std::size_t index : exclude) {
        if (index < size)  // indices beyond the data set cannot be chosen anyway
            excluded[index] = true;
    }
    std::vector<std::size_t> remaining;
    for (std::size_t index = 0; index < size; ++index) {
        if (!excluded[index])
            remaining.push_back(index);
    }
    if (count >= remaining.size())
        return remaining;

    std::map<int, std::vector<std::size_t>> classMembers;  // label -> its indices in data-set order
    for (std::size_t index : remaining) {
        const int label = dataset.label(index);
        if (label >= 0)
            classMembers[label].push_back(index);
    }

    if (classMembers.empty()) {
        // No labels: one shuffle of everything, the first count kept, in data-set order.
        seededShuffle(remaining, seed);
        remaining.resize(count);
        std::sort(remaining.begin(), remaining.end());
        return remaining;
    }

    // As the reference: each class's indices shuffled with a fresh generator seeded by seed (a new
    // RandomState(seed) per class), the first perClass kept, classes in ascending label order.
    // Images without a label (-1) are not chosen when others have labels.
    const std::size_t perClass = count / classMembers.size();
    std::vector<std::size_t> chosen;
    for (auto& [label, members] : classMembers) {
        seededShuffle(members, seed);
        members.resize(std::min(perClass, members.size()));
        chosen.insert(chosen.end(), members.begin(), members.end());
    }
    return chosen;
}

}  // namespace nac::engine
