// MSP, MaxLogit and Energy from logits, computed in double with the usual max-shift for stability.
#include "engine/scoring.h"

#include <algorithm>
#include <cmath>

namespace nac::engine {

double maxSoftmax(const float* row, int classCount)
{
    const double top = double(*std::max_element(row, row + classCount));
    double sum = 0.0;
    for (int c = 0; c < classCount; ++c)
        sum += std::exp(double(row[c]) - top);
    return 1.0 / sum;
}

BaselineScores baselineScores(const std::vector<float>& logits, int classCount)
{
    BaselineScores out;
    if (classCount <= 0)
        return out;
    const std::size_t count = logits.size() / std::size_t(classCount);
    out.msp.reserve(count);
    out.maxLogit.reserve(count);
    out.energy.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const float* row = logits.data() + i * std::size_t(classCount);
        const double top = double(*std::max_element(row, row + classCount));
        const double msp = maxSoftmax(row, classCount);  // = 1 / sum_c exp(p_c - top)
        out.msp.push_back(msp);
        out.maxLogit.push_back(top);
        out.energy.push_back(top - std::log(msp));
    }
    return out;
}

}  // namespace nac::engine
