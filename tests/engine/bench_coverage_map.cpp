// Benchmark (not a test): how long one image's coverage map takes on the demo model, split into
// the model run (Model::computeSpatial: forward and gradient with the unpooled taps kept), the
// map (weak channels and |z * dKL/dz| summed) and the upsampling to the image.
// Usage: bench_coverage_map [repeats=50] [threads=0 (all cores)]
#include "engine/coverage_map.h"
#include "engine/data/data_source.h"
#include "engine/model.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace nac::engine;
using Clock = std::chrono::steady_clock;

namespace {
double msSince(Clock::time_point start) { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); }

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}
}  // namespace

int main(int argc, char** argv)
{
    const int repeats = argc > 1 ? std::max(1, std::atoi(argv[1])) : 50;
    const int threads = argc > 2 ? std::atoi(argv[2]) : 0;
    try {
        auto model = Model::load(NAC_SOURCE_DIR "/resources/demo/fashion_resnet18.pt", "cpu");
        model->setThreads(threads);
        std::vector<std::string> layers;
        for (const LayerDefault& layer : model->metadata().layers)
            layers.push_back(layer.name);
        model->setTappedLayers(layers);
        const InputSpec& spec = model->inputSpec();

        // A profile fitted on 200 noise images (the map's cost does not depend on the fit set).
        auto fitData = openDataset("noise:uniform:200:seed=1");
        std::vector<float> pixels(spec.valuesPerImage() * fitData->size());
        std::vector<std::string> sources;
        for (std::size_t i = 0; i < fitData->size(); ++i) {
            fitData->load(i, spec, pixels.data() + i * spec.valuesPerImage());
            sources.push_back(fitData->sourceName(i));
        }
        SampleSet fit = model->emptySampleSet();
        model->computeStates(pixels.data(), int(sources.size()), std::vector<int>(sources.size(), -1), sources, fit);
        std::vector<LayerParams> params;
        for (const LayerDefault& layer : model->metadata().layers)
            params.push_back(layer.params);
        CoverageProfile profile(model->tappedLayers(), std::move(fit), params);

        auto image = openImageFiles({NAC_SOURCE_DIR "/resources/samples/fmnist-test-00000-ankle-boot.png"});
        std::vector<float> input(spec.valuesPerImage());
        image->load(0, spec, input.data());

        std::vector<double> runMs, mapMs, upsampleMs, totalMs;
        for (int r = 0; r < repeats + 3; ++r) {
            const Clock::time_point start = Clock::now();
            const Model::SpatialSample sample = model->computeSpatial(input.data(), "boot");
            const double run = msSince(start);
            Clock::time_point step = Clock::now();
            std::vector<CoverageMap> maps;
            for (std::size_t l = 0; l < sample.layers.size(); ++l)
                if (profile.layers()[l].pooling == Pooling::Spatial)
                    maps.push_back(coverageMap(profile, l, sample.layers[l].shape, sample.layers[l].output,
                                               sample.layers[l].gradient, sample.states.rawRow(l, 0)));
            const double map = msSince(step);
            step = Clock::now();
            for (const CoverageMap& m : maps)
                upsampleBilinear(m.values, m.height, m.width, spec.height, spec.width);
            const double upsample = msSince(step);
            if (r < 3)
                continue;  // warm-up
            runMs.push_back(run);
            mapMs.push_back(map);
            upsampleMs.push_back(upsample);
            totalMs.push_back(msSince(start));
        }
        std::printf("coverage map of one image, demo model (%s), layers:", model->path().c_str());
        for (const std::string& name : layers)
            std::printf(" %s", name.c_str());
        std::printf(" (all maps of one image per repeat)\nthreads %d, repeats %d\n", threads, repeats);
        std::printf("model run (forward + gradient, unpooled taps): median %.2f ms, max %.2f ms\n", median(runMs),
                    *std::max_element(runMs.begin(), runMs.end()));
        std::printf("maps (weak channels, |z * dKL/dz| summed):     median %.3f ms\n", median(mapMs));
        std::printf("bilinear upsampling to %dx%d:                 median %.3f ms\n", spec.height, spec.width, median(upsampleMs));
        std::printf("total per image:                               median %.2f ms, max %.2f ms\n", median(totalMs),
                    *std::max_element(totalMs.begin(), totalMs.end()));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_coverage_map: %s\n", e.what());
        return 1;
    }
}
