// Range and pixel-transform wrappers around any data set.
#include "engine/data/transform_dataset.h"

#include "engine/error.h"

#include <vector>

namespace nac::engine {
namespace {

class TransformedDataset : public Dataset {
public:
    TransformedDataset(std::unique_ptr<Dataset> inner, PixelTransform transform)
        : m_inner(std::move(inner)), m_transform(transform) {}

    std::size_t size() const override { return m_inner->size(); }
    std::string description() const override { return prefix() + m_inner->description(); }
    std::string sourceName(std::size_t index) const override { return prefix() + m_inner->sourceName(index); }
    std::string sampleIdentity(std::size_t index) const override { return prefix() + m_inner->sampleIdentity(index); }
    std::vector<std::string> openingNotes() const override { return m_inner->openingNotes(); }
    int label(std::size_t index) const override { return m_inner->label(index); }
    std::vector<std::string> classNames() const override { return m_inner->classNames(); }

    void load(std::size_t index, const InputSpec& spec, float* out, std::string* note) const override
    {
        m_inner->load(index, spec, out, note);
        const std::size_t plane = std::size_t(spec.height) * std::size_t(spec.width);
        if (m_transform == PixelTransform::Invert) {
            for (int c = 0; c < spec.channels; ++c) {
                const float mean = spec.mean.size() == 1 ? spec.mean[0] : spec.mean[std::size_t(c)];
                const float std = spec.std.size() == 1 ? spec.std[0] : spec.std[std::size_t(c)];
                float* values = out + std::size_t(c) * plane;
                for (std::size_t i = 0; i < plane; ++i) {
                    const float pixel = values[i] * std + mean;
                    values[i] = (1.0f - pixel - mean) / std;
                }
            }
            return;
        }
        if (m_transform == PixelTransform::Rotate90 && spec.height != spec.width)
            throw badInput("rot90 needs square images; " + m_inner->sourceName(index) + " is " + std::to_string(spec.width)
                           + "x" + std::to_string(spec.height) + " after resizing");
        std::vector<float> copy(out, out + std::size_t(spec.channels) * plane);
        const int h = spec.height;
        const int w = spec.width;
        for (int c = 0; c < spec.channels; ++c) {
            const float* src = copy.data() + std::size_t(c) * plane;
            float* dst = out + std::size_t(c) * plane;
            for (int y = 0; y < h; ++y)
                for (int x = 0; x < w; ++x) {
                    // Rotate90 (counter-clockwise): dst(y, x) = src(x, w-1-y); Rotate180: src(h-1-y, w-1-x).
                    const int sy = m_transform == PixelTransform::Rotate90 ? x : h - 1 - y;
                    const int sx = m_transform == PixelTransform::Rotate90 ? w - 1 - y : w - 1 - x;
                    dst[y * w + x] = src[sy * w + sx];
                }
        }
    }

private:
    std::string prefix() const
    {
        switch (m_transform) {
        case PixelTransform::Invert:
            return "invert:";
        case PixelTransform::Rotate90:
            return "rot90:";
        case PixelTransform::Rotate180:
            return "rot180:";
        }
        return "";
    }

    std::unique_ptr<Dataset> m_inner;
    PixelTransform m_transform;
};

class RangeDataset : public Dataset {
public:
    RangeDataset(std::unique_ptr<Dataset> inner, std::size_t first, std::size_t last)
        : m_inner(std::move(inner)), m_first(first), m_count(last - first + 1) {}

    std::size_t size() const override { return m_count; }
    std::string description() const override
    {
        return m_inner->description() + " images " + std::to_string(m_first) + "-" + std::to_string(m_first + m_count - 1);
    }
    std::string sourceName(std::size_t index) const override { return m_inner->sourceName(m_first + index); }
    std::string sampleIdentity(std::size_t index) const override { return m_inner->sampleIdentity(m_first + index); }
    std::vector<std::string> openingNotes() const override { return m_inner->openingNotes(); }
    int label(std::size_t index) const override { return m_inner->label(m_first + index); }
    std::vector<std::string> classNames() const override { return m_inner->classNames(); }
    void load(std::size_t index, const InputSpec& spec, float* out, std::string* note) const override
    {
        m_inner->load(m_first + index, spec, out, note);
    }

private:
    std::unique_ptr<Dataset> m_inner;
    std::size_t m_first;
    std::size_t m_count;
};

}  // namespace

std::unique_ptr<Dataset> makeTransformedDataset(std::unique_ptr<Dataset> inner, PixelTransform transform)
{
    return std::make_unique<TransformedDataset>(std::move(inner), transform);
}

std::unique_ptr<Dataset> makeRangeDataset(std::unique_ptr<Dataset> inner, std::size_t first, std::size_t last)
{
    if (first > last || last >= inner->size())
        throw badInput("image range " + std::to_string(first) + "-" + std::to_string(last) + " is outside "
                       + inner->description() + ", which has images 0-" + std::to_string(inner->size() - 1));
    return std::make_unique<RangeDataset>(std::move(inner), first, last);
}

}  // namespace nac::engine
