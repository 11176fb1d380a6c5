// Explaining one scored image on the engine thread: its coverage map for a layer, the fit images
// nearest to it in state space, and the numbers of NAC's steps for one neuron (teaching mode).
// The result is an immutable value the Explain panel shows.
#pragma once

#include "engine/coverage_profile.h"
#include "engine/dataset.h"

#include <QImage>
#include <QMetaType>
#include <QString>

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

namespace nac::engine {
class Model;
}

namespace nac::app {

// What the Explain panel asks for.
struct ExplainRequest {
    int requestId = 0;
    int sampleIndex = -1;     // ScoredItem::sampleIndex of a dropped/scored image (when identity is empty)
    QString identity;         // else: Dataset::sampleIdentity of a set's image, opened again with the model's input spec
    int layer = 0;            // index into the profile's layers
    double phiBelow = 1.0;    // a channel is weakly covered when its bin's Phi is below this
    int neighbourCount = 6;   // nearest fit images to show
};

// One fit image near the explained one.
struct FitNeighbourImage {
    QImage image;             // the fit image as the model saw it (denormalised); null when it could not be read
    QString identity;         // Dataset::sampleIdentity
    QString notice;           // why image is null
    double distance = 0.0;    // Euclidean distance in state space (the chosen layer)
    int label = -1;
};

// NAC's steps for one neuron of the chosen layer, with the image's real numbers (SPEC §1-§3).
struct NeuronWalkthrough {
    int neuron = -1;
    double pooledOutput = 0.0;    // sum over H, W of z (double sum of the float map)
    double pooledGradient = 0.0;  // sum over H, W of dKL/dz
    float rawProduct = 0.0f;      // the engine's sumHW(z) * sumHW(g) (float32, as scored)
    double alpha = 0.0;
    float state = 0.0f;           // sigmoid(alpha * raw)
    int bin = -1;                 // -1: in no bin
    double binLow = 0.0;
    double binHigh = 0.0;
    int binCount = 0;             // M - 1
    std::uint32_t count = 0;      // fit samples in that bin for this neuron
    double minActivated = 0.0;    // O
    float phi = 0.0f;             // min(count / O, 1)
    double layerScore = 0.0;      // mean Phi over the layer's neurons
    double total = 0.0;           // NAC-UE: mean over layers
    std::vector<double> perLayer; // every layer's score
};

struct ImageExplanation {
    ExplainRequest request;
    QString layerName;
    QString error;                // non-empty: nothing else is valid
    QImage image;                 // the model input, denormalised, at the input size
    int mapHeight = 0;            // the layer's resolution
    int mapWidth = 0;
    std::vector<float> layerMap;  // [mapHeight x mapWidth]
    std::vector<float> imageMap;  // layerMap upsampled (bilinear) to the image size
    float mapMax = 0.0f;
    int weakChannels = 0;
    int channelCount = 0;
    std::vector<int> topWeakChannels;  // weak channels by their share of the map, largest first (at most 8)
    std::vector<double> topWeakShares; // their share of the map's total
    std::vector<FitNeighbourImage> neighbours;
    NeuronWalkthrough walkthrough;     // for the largest weak channel (else neuron 0)
    double elapsedMs = 0.0;            // model run + map + neighbours
    double mapMs = 0.0;                // model run + map + upsampling only
};

// The model input as a picture: x * std + mean per channel, clamped to [0, 1]. Gray for one
// channel, RGB for three (other counts: the first channel as gray).
QImage imageFromInput(const float* input, const nac::engine::InputSpec& spec);

// Runs on the engine thread. model must have the profile's layers tapped. input: the image's
// normalised CHW pixels. Errors (a token layer, a broken image) come back in error.
std::shared_ptr<const ImageExplanation> explainImage(nac::engine::Model& model, const nac::engine::CoverageProfile& profile,
                                                     const float* input, const QString& source, const ExplainRequest& request);

}  // namespace nac::app

Q_DECLARE_METATYPE(nac::app::ExplainRequest)
Q_DECLARE_METATYPE(std::shared_ptr<const nac::app::ImageExplanation>)
