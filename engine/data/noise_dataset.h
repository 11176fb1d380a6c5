// Private to nac_data: deterministic synthetic noise images ("noise:gaussian:N[:seed=S]").
#pragma once

#include "engine/dataset.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace nac::engine {

// N images of noise made at the requested input size: Gaussian pixels (mean 0.5, std 0.25, clipped
// to [0,1]) or uniform pixels in [0,1], normalised afterwards like any image. Image i depends only
// on (seed, i) and the InputSpec, not on which images were loaded before it. Labels are -1.
class NoiseDataset final : public Dataset {
public:
    enum class Kind {
        Gaussian = 1,
        Uniform,
    };

    // Parses "noise:gaussian:N[:seed=S]" or "noise:uniform:N[:seed=S]" (N from 1 to 10,000,000,
    // S a 32-bit unsigned number, 1 when omitted). Throws Error(BadInput) naming the spec.
    explicit NoiseDataset(const std::string& spec);

    std::size_t size() const override { return m_count; }
    std::string description() const override;
    std::string sourceName(std::size_t index) const override;
    std::string sampleIdentity(std::size_t index) const override;
    int label(std::size_t index) const override;
    void load(std::size_t index, const InputSpec& spec, float* out, std::string* note) const override;

    Kind kind() const { return m_kind; }
    std::uint32_t seed() const { return m_seed; }

private:
    const char* kindName() const;

    Kind m_kind = Kind::Gaussian;
    std::size_t m_count = 0;
    std::uint32_t m_seed = 1;
};

}  // namespace nac::engine
