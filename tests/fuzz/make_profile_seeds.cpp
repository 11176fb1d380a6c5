// Writes the .nacprofile seeds of fuzz_profile_io with the real writer (saveProfile): small
// profiles, in the harness's input layout (a first byte 1, then the file without its checksum,
// which the harness appends), and one whole file (a first byte 0). Not part of the build by
// default: cmake --build <dir> --target fuzz_make_profile_seeds, then run it with the folder.
#include "engine/profile_io.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

using namespace nac::engine;

namespace {

CoverageProfile makeProfile(std::size_t fitCount, std::size_t heldoutCount, bool twoLayers) {
    SampleSet fit;
    fit.layerNames = {"avgpool"};
    fit.neuronCounts = {3};
    if (twoLayers) {
        fit.layerNames.push_back("encoder.ln");
        fit.neuronCounts.push_back(2);
    }
    fit.rawProducts.resize(fit.layerNames.size());
    fit.classCount = 2;
    auto add = [](SampleSet& set, std::size_t count, const std::string& prefix) {
        for (std::size_t i = 0; i < count; ++i) {
            for (std::size_t l = 0; l < set.layerNames.size(); ++l)
                for (int n = 0; n < set.neuronCounts[l]; ++n)
                    set.rawProducts[l].push_back(0.01f * float(int(i * 7 + std::size_t(n) * 3) % 11 - 5));
            set.logits.push_back(float(i % 3));
            set.logits.push_back(-1.0f);
            set.labels.push_back(int(i % 2));
            set.sources.push_back(prefix + std::to_string(i));
        }
    };
    add(fit, fitCount, "fit#");
    SampleSet heldout = fit.emptyLike();
    add(heldout, heldoutCount, "held#");
    std::vector<LayerInfo> layers = {{"avgpool", {1, 3, 1, 1}, 3, Pooling::Spatial}};
    LayerParams params;
    params.binEdgeCount = 4;
    params.minActivated = 1;
    params.alpha = 100;
    std::vector<LayerParams> allParams = {params};
    if (twoLayers) {
        layers.push_back({"encoder.ln", {1, 5, 2}, 2, Pooling::ClsToken});
        params.scheme = BinScheme::Linear;
        params.binEdgeCount = 5;
        allParams.push_back(params);
    }
    CoverageProfile profile(layers, fit, allParams);
    profile.setHeldoutSamples(heldout);
    profile.modelSha256 = std::string(64, 'b');
    profile.modelPath = "m.pt";
    profile.datasetDescription = "noise:uniform:4";
    profile.createdBy = "seed";
    return profile;
}

bool writeSeed(const std::string& folder, const std::string& name, const CoverageProfile& profile, bool whole) {
    const std::string scratch = folder + "/" + name + ".tmp";
    saveProfile(profile, scratch);
    std::ifstream in(scratch, std::ios::binary);
    std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    std::remove(scratch.c_str());
    if (!whole)
        file.resize(file.size() - 32);  // the harness appends the checksum
    std::ofstream out(folder + "/" + name, std::ios::binary | std::ios::trunc);
    out.put(whole ? '\0' : '\1');
    out.write(file.data(), std::streamsize(file.size()));
    return bool(out);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s CORPUS_FOLDER\n", argv[0]);
        return 2;
    }
    const std::string folder = argv[1];
    const bool ok = writeSeed(folder, "one-layer", makeProfile(4, 0, false), false)
                    && writeSeed(folder, "two-layers-heldout", makeProfile(3, 2, true), false)
                    && writeSeed(folder, "no-samples", makeProfile(0, 0, false), false)
                    && writeSeed(folder, "whole-file", makeProfile(2, 1, false), true);
    return ok ? 0 : 1;
}
