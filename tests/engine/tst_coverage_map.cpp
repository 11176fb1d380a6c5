// Tests for engine/coverage_map, engine/nearest_fit and engine/data/sample_identity on the real
// demo model: the coverage map against an eager autograd computation made here with LibTorch
// (submodules called one by one, no layer taps), the weak-channel rule against the bin counts,
// the bilinear upsampling against torch's interpolate, nearest fit samples against torch::cdist,
// and identities opened back into the same pixels.
#include "engine/coverage_map.h"
#include "engine/data/data_source.h"
#include "engine/data/sample_identity.h"
#include "engine/error.h"
#include "engine/model.h"
#include "engine/nearest_fit.h"

#include <QtTest/QtTest>

#include <QTemporaryDir>

#include <torch/script.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>

using namespace nac::engine;

namespace {

// float32 sums in another order (eager batch vs tapped graph) differ by about 1e-6 relative.
constexpr double kRelativeTolerance = 1e-4;

std::string demoModelPath() { return NAC_SOURCE_DIR "/resources/demo/fashion_resnet18.pt"; }
std::string samplePath(const char* name) { return std::string(NAC_SOURCE_DIR "/resources/samples/") + name; }

std::vector<float> loadImage(const Dataset& dataset, std::size_t index, const InputSpec& spec)
{
    std::vector<float> pixels(spec.valuesPerImage());
    dataset.load(index, spec, pixels.data());
    return pixels;
}

bool closeRelative(double a, double b, double scale) { return std::abs(a - b) <= kRelativeTolerance * std::max(scale, 1e-12); }

template <typename F>
void expectBadInput(F&& f, const QString& fragment)
{
    try {
        f();
    } catch (const Error& e) {
        QCOMPARE(e.kind(), ErrorKind::BadInput);
        QVERIFY2(QString::fromStdString(e.what()).contains(fragment, Qt::CaseInsensitive), e.what());
        return;
    }
    QFAIL("expected Error(BadInput)");
}

}  // namespace

class TestCoverageMap : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Model> m_model;
    std::unique_ptr<CoverageProfile> m_profile;
    const std::vector<std::string> m_layers{"layer2", "layer3", "avgpool"};

private Q_SLOTS:
    void initTestCase()
    {
        m_model = Model::load(demoModelPath(), "cpu");
        m_model->setTappedLayers(m_layers);
        // A small fit: 48 noise images and 6 Fashion-MNIST samples, so some bins are well covered
        // and others not at all.
        const InputSpec& spec = m_model->inputSpec();
        SampleSet fit = m_model->emptySampleSet();
        auto noise = openDataset("noise:uniform:48:seed=5");
        std::vector<std::string> files{samplePath("fmnist-test-00002-trouser.png"), samplePath("fmnist-test-00008-sandal.png"),
                                       samplePath("fmnist-test-00013-dress.png"), samplePath("fmnist-test-00018-bag.png"),
                                       samplePath("fmnist-test-00019-tshirt-top.png"), samplePath("mnist-0001-digit0.png")};
        auto images = openImageFiles(files);
        std::vector<float> pixels;
        std::vector<std::string> sources;
        for (const Dataset* set : {static_cast<const Dataset*>(noise.get()), static_cast<const Dataset*>(images.get())})
            for (std::size_t i = 0; i < set->size(); ++i) {
                const std::vector<float> one = loadImage(*set, i, spec);
                pixels.insert(pixels.end(), one.begin(), one.end());
                sources.push_back(set->sourceName(i));
                fit.identities.push_back(set->sampleIdentity(i));
            }
        m_model->computeStates(pixels.data(), int(sources.size()), std::vector<int>(sources.size(), -1), sources, fit);
        std::vector<LayerParams> params(3);
        params[0] = {50, 4.0, 0.01, BinScheme::Reference};  // raw products of layer2 are tens: states spread around 0.5
        params[1] = {50, 4.0, 0.1, BinScheme::Reference};
        params[2] = {50, 4.0, 100.0, BinScheme::Reference};
        m_profile = std::make_unique<CoverageProfile>(m_model->tappedLayers(), std::move(fit), params);
    }

    // computeSpatial's pooled products are computeStates()'s bits for a lone image.
    void spatialStatesEqualComputeStates()
    {
        const InputSpec& spec = m_model->inputSpec();
        const std::vector<float> image = loadImage(*openImageFiles({samplePath("fmnist-test-00000-ankle-boot.png")}), 0, spec);
        const Model::SpatialSample spatial = m_model->computeSpatial(image.data(), "boot");
        SampleSet lone = m_model->emptySampleSet();
        m_model->computeStates(image.data(), 1, {-1}, {"boot"}, lone);
        QCOMPARE(spatial.layers.size(), m_layers.size());
        for (std::size_t l = 0; l < m_layers.size(); ++l)
            QVERIFY(spatial.states.rawProducts[l] == lone.rawProducts[l]);
        QVERIFY(spatial.states.logits == lone.logits);
        QCOMPARE(spatial.layers[0].shape, (std::vector<std::int64_t>{32, 14, 14}));
        QCOMPARE(spatial.layers[1].shape, (std::vector<std::int64_t>{64, 7, 7}));
        QCOMPARE(spatial.layers[2].shape, (std::vector<std::int64_t>{128, 1, 1}));
    }

    // The map against z and dKL/dz computed here by eager autograd on the submodules.
    void mapMatchesEagerAutograd_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<double>("phiBelow");
        QTest::newRow("boot, Phi < 1") << "fmnist-test-00000-ankle-boot.png" << 1.0;
        QTest::newRow("inverted sneaker, Phi < 1") << "inverted-fmnist-test-00009-sneaker.png" << 1.0;
        QTest::newRow("texture, Phi < 0.5") << "texture-test-0000.png" << 0.5;
        QTest::newRow("digit, Phi < 0.3") << "mnist-0000-digit9.png" << 0.3;
    }
    void mapMatchesEagerAutograd()
    {
        QFETCH(QString, file);
        QFETCH(double, phiBelow);
        const InputSpec& spec = m_model->inputSpec();
        const std::vector<float> image = loadImage(*openImageFiles({samplePath(qPrintable(file))}), 0, spec);
        const Model::SpatialSample spatial = m_model->computeSpatial(image.data(), file.toStdString());

        // Eager: the demo's forward (tools/demo_arch.py) called module by module, batch of two copies.
        torch::jit::Module module = torch::jit::load(demoModelPath());
        module.eval();
        torch::AutoGradMode gradMode(true);
        auto call = [&](const char* name, const torch::Tensor& x) { return module.attr(name).toModule().forward({x}).toTensor(); };
        torch::Tensor x = torch::from_blob(const_cast<float*>(image.data()), {1, 1, 28, 28}, torch::kFloat32).repeat({2, 1, 1, 1});
        torch::Tensor h = torch::relu(call("bn1", call("conv1", x)));
        h = call("layer1", h);
        torch::Tensor z2 = call("layer2", h).detach().requires_grad_(true);
        torch::Tensor z3 = call("layer3", z2);
        torch::Tensor zp = call("avgpool", call("layer4", z3));
        torch::Tensor logits = call("fc", torch::flatten(zp, 1));
        torch::Tensor loss = (-torch::log_softmax(logits, 1).mean(1)).sum();
        std::vector<torch::Tensor> grads = torch::autograd::grad({loss}, {z2, z3, zp});
        std::vector<torch::Tensor> zs{z2.detach(), z3.detach(), zp.detach()};

        for (std::size_t l = 0; l < m_layers.size(); ++l) {
            const torch::Tensor z = zs[l][0];
            const torch::Tensor g = grads[l][0];
            // The pooled product, independently.
            const torch::Tensor raw = z.sum({1, 2}) * g.sum({1, 2});
            const float* engineRaw = spatial.states.rawRow(l, 0);
            const double rawScale = raw.abs().max().item<double>();
            for (int c = 0; c < int(raw.size(0)); ++c)
                QVERIFY2(closeRelative(engineRaw[c], raw[c].item<double>(), rawScale),
                         qPrintable(QString("layer %1 channel %2: %3 vs %4").arg(l).arg(c).arg(engineRaw[c]).arg(raw[c].item<double>())));

            // The weak channels, by their definition: state's bin has count < O * phiBelow, or no bin.
            const LayerCoverage& coverage = m_profile->coverage(l);
            std::vector<int> weak;
            for (int c = 0; c < coverage.neuronCount; ++c) {
                const float state = 1.0f / (1.0f + std::exp(-float(coverage.params.alpha) * engineRaw[c]));
                int bin = -1;
                for (int k = 0; k + 1 < int(coverage.edges.size()); ++k)
                    if (double(state) >= coverage.edges[std::size_t(k)] && double(state) < coverage.edges[std::size_t(k) + 1])
                        bin = k;
                if (bin < 0 || std::min(double(coverage.countAt(bin, c)) / coverage.params.minActivated, 1.0) < phiBelow)
                    weak.push_back(c);
            }
            const CoverageMap map = coverageMap(*m_profile, l, spatial.layers[l].shape, spatial.layers[l].output,
                                                spatial.layers[l].gradient, engineRaw, phiBelow);
            QCOMPARE(map.weakChannels, weak);
            QCOMPARE(map.layer, m_layers[l]);
            QCOMPARE(map.height, int(z.size(1)));
            QCOMPARE(map.width, int(z.size(2)));

            torch::Tensor expected = torch::zeros({z.size(1), z.size(2)});
            if (!weak.empty()) {
                const torch::Tensor index = torch::tensor(std::vector<std::int64_t>(weak.begin(), weak.end()));
                expected = (z.index_select(0, index) * g.index_select(0, index)).abs().sum(0);
            }
            expected = expected.contiguous();
            const double scale = expected.abs().max().item<double>();
            for (int p = 0; p < int(expected.numel()); ++p)
                QVERIFY2(closeRelative(map.values[std::size_t(p)], expected.view(-1)[p].item<double>(), scale),
                         qPrintable(QString("layer %1 position %2: %3 vs %4")
                                        .arg(l).arg(p).arg(map.values[std::size_t(p)]).arg(expected.view(-1)[p].item<double>())));
            // The map must have something to compare: weak channels in layer2 (for the boot, a
            // Fashion-MNIST image like the fit's six, some covered ones as well).
            if (l == 0)
                QVERIFY2(!weak.empty() && (!file.contains(QStringLiteral("boot")) || int(weak.size()) < coverage.neuronCount),
                         qPrintable(QString("%1 of %2 layer2 channels weakly covered").arg(weak.size()).arg(coverage.neuronCount)));
        }
    }

    void upsampleMatchesTorch_data()
    {
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("outHeight");
        QTest::addColumn<int>("outWidth");
        QTest::newRow("7x7 to 28x28") << 7 << 7 << 28 << 28;
        QTest::newRow("14x14 to 28x28") << 14 << 14 << 28 << 28;
        QTest::newRow("4x4 to 28x28") << 4 << 4 << 28 << 28;
        QTest::newRow("3x5 to 17x9") << 3 << 5 << 17 << 9;
        QTest::newRow("1x1 to 28x28") << 1 << 1 << 28 << 28;
    }
    void upsampleMatchesTorch()
    {
        QFETCH(int, height);
        QFETCH(int, width);
        QFETCH(int, outHeight);
        QFETCH(int, outWidth);
        std::vector<float> values(std::size_t(height * width));
        for (std::size_t i = 0; i < values.size(); ++i)
            values[i] = float(std::sin(0.7 * double(i)) + 1.5);
        const std::vector<float> ours = upsampleBilinear(values, height, width, outHeight, outWidth);
        const torch::Tensor input = torch::from_blob(values.data(), {1, 1, height, width}, torch::kFloat32);
        const torch::Tensor theirs = torch::nn::functional::interpolate(
                                         input, torch::nn::functional::InterpolateFuncOptions()
                                                    .size(std::vector<std::int64_t>{outHeight, outWidth})
                                                    .mode(torch::kBilinear)
                                                    .align_corners(false))
                                         .contiguous()
                                         .view(-1);
        QCOMPARE(int(ours.size()), int(theirs.numel()));
        for (int i = 0; i < int(ours.size()); ++i)
            QVERIFY2(std::abs(ours[std::size_t(i)] - theirs[i].item<float>()) < 1e-5f,
                     qPrintable(QString("pixel %1: %2 vs %3").arg(i).arg(ours[std::size_t(i)]).arg(theirs[i].item<float>())));
    }

    void invalidInputs()
    {
        const Model::SpatialSample spatial = m_model->computeSpatial(
            loadImage(*openDataset("noise:gaussian:1:seed=2"), 0, m_model->inputSpec()).data(), "noise");
        const auto& layer = spatial.layers[0];
        expectBadInput([&] { coverageMap(*m_profile, 0, layer.shape, layer.output, layer.gradient, spatial.states.rawRow(0, 0), 0.0); },
                       "(0, 1]");
        expectBadInput([&] { coverageMap(*m_profile, 0, layer.shape, layer.output, layer.gradient, spatial.states.rawRow(0, 0), 1.5); },
                       "(0, 1]");
        expectBadInput([&] { coverageMap(*m_profile, 7, layer.shape, layer.output, layer.gradient, spatial.states.rawRow(0, 0)); },
                       "no layer");
        expectBadInput([&] { coverageMap(*m_profile, 1, layer.shape, layer.output, layer.gradient, spatial.states.rawRow(0, 0)); },
                       "channel count");
        expectBadInput([&] { upsampleBilinear({1.0f, 2.0f}, 1, 3, 4, 4); }, "resample");
        expectBadInput([&] { nearestFitSamples(*m_profile, spatial.states, 0, 0); }, "at least 1");
        expectBadInput([&] { nearestFitSamples(*m_profile, spatial.states, 3, 2); }, "does not exist");
        expectBadInput([&] { nearestFitSamples(*m_profile, spatial.states, 0, 2, {5}); }, "no layer");
    }

    // Nearest fit samples against torch::cdist on the same states; a fit sample finds itself first.
    void nearestFitMatchesCdist()
    {
        const SampleSet& fit = m_profile->fitSamples();
        auto statesOf = [&](const SampleSet& set, const std::vector<std::size_t>& layers) {
            std::vector<torch::Tensor> parts;
            for (std::size_t l : layers) {
                const torch::Tensor raw = torch::from_blob(const_cast<float*>(set.rawProducts[l].data()),
                                                           {std::int64_t(set.sampleCount()), set.neuronCounts[l]}, torch::kFloat32);
                parts.push_back(torch::sigmoid(raw * float(m_profile->params(l).alpha)).to(torch::kFloat64));
            }
            return torch::cat(parts, 1);
        };
        for (const std::vector<std::size_t>& layers : {std::vector<std::size_t>{0, 1, 2}, std::vector<std::size_t>{1}}) {
            const std::size_t query = 50;
            const std::vector<FitNeighbour> near = nearestFitSamples(*m_profile, fit, query, 5, layers);
            QCOMPARE(near.size(), std::size_t(5));
            QCOMPARE(near[0].fitIndex, query);
            QCOMPARE(near[0].distance, 0.0);
            const torch::Tensor all = statesOf(fit, layers);
            const torch::Tensor distances = torch::cdist(all.narrow(0, std::int64_t(query), 1), all).view(-1);
            const torch::Tensor order = std::get<1>(distances.sort(/*stable=*/true, 0, false));
            for (std::size_t i = 0; i < near.size(); ++i) {
                QVERIFY2(std::abs(near[i].distance - distances[std::int64_t(near[i].fitIndex)].item<double>()) < 1e-5,
                         qPrintable(QString("neighbour %1").arg(i)));
                if (i > 0)
                    QVERIFY(near[i].distance >= near[i - 1].distance);
                QVERIFY2(std::abs(near[i].distance - distances[order[std::int64_t(i)].item<std::int64_t>()].item<double>()) < 1e-5,
                         qPrintable(QString("rank %1").arg(i)));
            }
        }
        // k larger than the fit set gives every fit sample once.
        QCOMPARE(nearestFitSamples(*m_profile, fit, 0, 1000).size(), fit.sampleCount());
    }

    void identityOpensTheSameImage_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<int>("index");
        QTest::newRow("noise") << "noise:gaussian:9:seed=4" << 7;
        QTest::newRow("inverted noise") << "invert:noise:uniform:3:seed=1" << 2;
        QTest::newRow("rotated image file") << "rot90:" NAC_SOURCE_DIR "/resources/samples/fmnist-test-00013-dress.png" << 0;
        QTest::newRow("idx") << "IDX" << 2;
        QTest::newRow("inverted idx range") << "invert:IDX@1-3" << 1;
    }
    void identityOpensTheSameImage()
    {
        QFETCH(QString, spec);
        QFETCH(int, index);
        QTemporaryDir dir;
        const std::string idxPath = (dir.path() + "/tiny-images-idx3-ubyte").toStdString();
        {
            // An IDX file of 4 gray 2x3 images: magic 0x00000803, then the sizes, big-endian.
            std::ofstream out(idxPath, std::ios::binary);
            const unsigned char header[] = {0, 0, 8, 3, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 3};
            out.write(reinterpret_cast<const char*>(header), sizeof header);
            for (int i = 0; i < 24; ++i)
                out.put(char(i * 10));
        }
        spec.replace("IDX", QString::fromStdString(idxPath));
        const auto dataset = openDataset(spec.toStdString());
        const std::string identity = dataset->sampleIdentity(std::size_t(index));
        const auto again = openSampleIdentity(identity);
        QCOMPARE(again->size(), std::size_t(1));
        QCOMPARE(again->sampleIdentity(0), identity);
        InputSpec spec28;
        spec28.height = 12;
        spec28.width = 12;
        QVERIFY(loadImage(*again, 0, spec28) == loadImage(*dataset, std::size_t(index), spec28));
    }

    // Which identities name an image of a file that can be opened once for many of its images.
    void splitFileIdentityTakesFilesNotNoise()
    {
        std::string base;
        std::size_t index = 0;
        QVERIFY(splitFileIdentity("/d/mnist-images-idx3-ubyte.gz#4321", base, index));
        QCOMPARE(base, std::string("/d/mnist-images-idx3-ubyte.gz"));
        QCOMPARE(index, std::size_t(4321));
        QVERIFY(splitFileIdentity("invert:/d/a#b.idx#0", base, index));  // the last '#' separates the index
        QCOMPARE(base, std::string("invert:/d/a#b.idx"));
        QCOMPARE(index, std::size_t(0));
        QVERIFY(!splitFileIdentity("noise:uniform:seed=3#7", base, index));
        QVERIFY(!splitFileIdentity("rot90:noise:gaussian:seed=1#2", base, index));
        QVERIFY(!splitFileIdentity("/pictures/shoe.png", base, index));
        QVERIFY(!splitFileIdentity("/d/file.idx#", base, index));
        QVERIFY(!splitFileIdentity("/d/file.idx#1234567890123", base, index));  // more than 12 digits
    }

    void identityErrors()
    {
        expectBadInput([] { openSampleIdentity(""); }, "no stored identity");
        expectBadInput([] { openSampleIdentity("/no/such/file.idx#3"); }, "/no/such/file.idx#3");
        expectBadInput([] { openSampleIdentity("invert:/no/such/picture.png"); }, "does not exist");
    }
};

QTEST_APPLESS_MAIN(TestCoverageMap)
#include "tst_coverage_map.moc"
