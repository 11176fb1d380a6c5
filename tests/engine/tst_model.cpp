// Tests for engine/model: loading real TorchScript files (scripted, traced, side-file metadata),
// layer taps at any depth and through helper methods, the closed-form gradient of the last pooled
// layer, batch-size independence, and every bad model or layer a user can give.
#include "engine/error.h"
#include "engine/fitter.h"
#include "engine/model.h"

#include <QtTest/QtTest>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <numeric>
#include <random>

#include <sys/stat.h>
#include <unistd.h>

using namespace nac::engine;

namespace {

constexpr float kRawTolerance = 1e-5f;       // relative, for the same model computed two ways
constexpr double kClosedFormTolerance = 1e-5; // hand-computed float32 network

QString modelPath(const QString& name) { return QStringLiteral(NAC_TEST_MODELS_DIR "/") + name; }

std::vector<float> randomImages(std::uint32_t seed, std::size_t count, const InputSpec& spec)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> pixels(count * spec.valuesPerImage());
    for (float& v : pixels)
        v = normal(rng);
    return pixels;
}

SampleSet computeAll(Model& model, const std::vector<float>& pixels, int count, int batch)
{
    SampleSet out = model.emptySampleSet();
    const std::size_t per = model.inputSpec().valuesPerImage();
    for (int begin = 0; begin < count; begin += batch) {
        const int n = std::min(batch, count - begin);
        model.computeStates(pixels.data() + std::size_t(begin) * per, n, std::vector<int>(std::size_t(n), -1),
                            std::vector<std::string>(std::size_t(n), "img"), out);
    }
    return out;
}

// The probe batch of tools/make_test_models.py's eager_expected(): two images,
// x[i] = sin(0.37 i) + 0.25 cos(0.011 i) over the flat [2, C, H, W] index i.
std::vector<float> probeBatch(const InputSpec& spec)
{
    std::vector<float> probe(2 * spec.valuesPerImage());
    for (std::size_t i = 0; i < probe.size(); ++i)
        probe[i] = float(std::sin(0.37 * double(i)) + 0.25 * std::cos(0.011 * double(i)));
    return probe;
}

std::vector<float> jsonFloats(const QJsonArray& array)
{
    std::vector<float> out;
    for (const QJsonValue& v : array)
        out.push_back(float(v.toDouble()));
    return out;
}

// Images already in memory, for the fitter's batch loop.
class VectorDataset final : public Dataset {
public:
    VectorDataset(std::vector<float> pixels, std::size_t count) : m_pixels(std::move(pixels)), m_count(count) {}
    std::size_t size() const override { return m_count; }
    std::string description() const override { return "memory"; }
    std::string sourceName(std::size_t index) const override { return "img" + std::to_string(index); }
    int label(std::size_t) const override { return -1; }
    void load(std::size_t index, const InputSpec& spec, float* out, std::string*) const override
    {
        const std::size_t per = spec.valuesPerImage();
        std::copy_n(m_pixels.begin() + std::ptrdiff_t(index * per), per, out);
    }

private:
    std::vector<float> m_pixels;
    std::size_t m_count;
};

bool closeRelative(const std::vector<float>& a, const std::vector<float>& b, float tolerance)
{
    if (a.size() != b.size())
        return false;
    float scale = 0.0f;
    for (float v : a)
        scale = std::max(scale, std::abs(v));
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::abs(a[i] - b[i]) > tolerance * std::max(scale, 1e-12f))
            return false;
    return true;
}

void expectBadInput(const std::function<void()>& action, const QStringList& mentions)
{
    try {
        action();
        QFAIL("expected an error");
    } catch (const Error& e) {
        QVERIFY2(e.kind() == ErrorKind::BadInput, e.what());
        for (const QString& m : mentions)
            QVERIFY2(QString(e.what()).contains(m), qPrintable(QString("'%1' lacks '%2'").arg(e.what(), m)));
    }
}

}  // namespace

class TestModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void loadsModels_data();
    void loadsModels();
    void badModels_data();
    void badModels();
    void inputOverride();
    void moduleTree();
    void tapsAtAnyDepth_data();
    void tapsAtAnyDepth();
    void badLayers_data();
    void badLayers();
    void untappableModules();
    void batchDependentModelRefused();
    void scriptedAndTracedAgree();
    void closedFormGradient();
    void batchSizeIndependent_data();
    void batchSizeIndependent();
    void loneImageEqualsBatch_data();
    void loneImageEqualsBatch();
    void nanActivations();
    void vitTokenPooling();
    void inplaceAfterTap_data();
    void inplaceAfterTap();
    void memoryFormat_data();
    void memoryFormat();
    void automaticBatchSize();
    void devices();
    void cudaMatchesCpu();
    void hostileSidecars_data();
    void hostileSidecars();
    void expectedHashBeforeLoading();
    void logitsWidthChecked();
};

void TestModel::initTestCase()
{
    if (!QFile::exists(modelPath("models.json")))
        QSKIP("test models missing: run the make_test_models CTest fixture (ctest -R make_test_models)");
}

void TestModel::loadsModels_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("classes");
    QTest::addColumn<QString>("origin");
    QTest::newRow("scripted resnet18") << "resnet18_scripted.pt" << 10 << "embedded";
    QTest::newRow("traced resnet18") << "resnet18_traced.pt" << 10 << "embedded";
    QTest::newRow("mobilenet v2") << "mobilenet_v2_scripted.pt" << 10 << "embedded";
    QTest::newRow("side-file metadata") << "backbone_head.pt" << 10 << ".nac.json";
    QTest::newRow("tiny fixed") << "tiny_fixed.pt" << 4 << "embedded";
}

void TestModel::loadsModels()
{
    QFETCH(QString, file);
    QFETCH(int, classes);
    QFETCH(QString, origin);
    auto model = Model::load(modelPath(file).toStdString(), "cpu");
    QCOMPARE(model->classCount(), classes);
    QVERIFY2(QString::fromStdString(model->metadata().origin).contains(origin), model->metadata().origin.c_str());
    QCOMPARE(QString::fromStdString(model->sha256()).size(), 64);
    QCOMPARE(QString::fromStdString(model->deviceName()), QStringLiteral("cpu"));
}

void TestModel::badModels_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("missing") << "does_not_exist.pt" << "does not exist";
    QTest::newRow("empty") << "empty.pt" << "empty";
    QTest::newRow("truncated") << "truncated.pt" << "TorchScript";
    QTest::newRow("text file") << "not_a_model.pt" << "TorchScript";
    QTest::newRow("tuple output") << "tuple_output.pt" << "[batch, classes]";
    QTest::newRow("spatial output") << "spatial_output.pt" << "[batch, classes]";
    QTest::newRow("no metadata") << "no_metadata.pt" << "--input";
    QTest::newRow("dropout traced in training mode") << "train_dropout_traced.pt" << "aten::dropout with training=True";
    QTest::newRow("BatchNorm traced in training mode") << "train_batchnorm_traced.pt" << "batch_norm with training=True";
    QTest::newRow("a folder") << "" << "folder";
    QTest::newRow("embedded nac.json deflate bomb") << "metadata_bomb.pt" << "embedded nac.json declares";
    QTest::newRow("/dev/zero") << "/dev/zero" << "not a regular file";
}

void TestModel::badModels()
{
    QFETCH(QString, file);
    QFETCH(QString, mentions);
    const std::string path = file.startsWith('/') ? file.toStdString() : modelPath(file).toStdString();
    expectBadInput([&] { Model::load(path, "cpu"); }, {mentions});
}

void TestModel::inputOverride()
{
    InputSpec spec;
    spec.channels = 1;
    spec.height = 28;
    spec.width = 28;
    auto model = Model::load(modelPath("no_metadata.pt").toStdString(), "cpu", &spec);
    QCOMPARE(model->metadata().origin, std::string("none"));
    // A 3-channel input for a 1-channel model fails the dry run with a message naming the input.
    spec.channels = 3;
    expectBadInput([&] { Model::load(modelPath("no_metadata.pt").toStdString(), "cpu", &spec); }, {"3x28x28"});
    spec.channels = 1;
    spec.mean = {0.1f, 0.2f};
    expectBadInput([&] { Model::load(modelPath("no_metadata.pt").toStdString(), "cpu", &spec); }, {"mean"});
}

void TestModel::moduleTree()
{
    auto model = Model::load(modelPath("resnet18_scripted.pt").toStdString(), "cpu");
    const auto& tree = model->moduleTree();
    std::map<std::string, ModuleNode> byPath;
    for (const ModuleNode& node : tree)
        byPath[node.path] = node;
    QVERIFY(byPath.count("layer4.1.conv2"));
    QVERIFY(byPath["layer1"].tappable);
    QCOMPARE(byPath["layer1"].neuronCount, 64);
    QCOMPARE(byPath["layer3"].outputShape, (std::vector<std::int64_t>{1, 256, 2, 2}));
    QCOMPARE(byPath["avgpool"].neuronCount, 512);
    QCOMPARE(byPath["layer2.0"].typeName, std::string("BasicBlock"));
    // BasicBlock calls its ReLU twice: not tappable, and the reason says so.
    QVERIFY(!byPath["layer1.0.relu"].tappable);
    QVERIFY(QString::fromStdString(byPath["layer1.0.relu"].notTappableReason).contains("2 times"));
}

void TestModel::tapsAtAnyDepth_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("layers");
    QTest::addColumn<QList<int>>("neurons");
    QTest::newRow("resnet stages") << "resnet18_scripted.pt" << QStringList{"avgpool", "layer3", "layer2", "layer1"}
                                   << QList<int>{512, 256, 128, 64};
    QTest::newRow("resnet nested") << "resnet18_traced.pt" << QStringList{"layer4.1", "layer2.0.conv1", "layer1"}
                                   << QList<int>{512, 128, 64};
    QTest::newRow("mobilenet features.N") << "mobilenet_v2_scripted.pt"
                                          << QStringList{"features.7", "features.3.conv", "features.3.conv.0.0"}
                                          << QList<int>{64, 24, 144};
    QTest::newRow("helper method") << "helper_method.pt" << QStringList{"pool", "body.2", "body"} << QList<int>{32, 16, 32};
    QTest::newRow("backbone wrapper") << "backbone_head.pt" << QStringList{"backbone.avgpool", "backbone.stage1"}
                                      << QList<int>{16, 8};
}

void TestModel::tapsAtAnyDepth()
{
    QFETCH(QString, file);
    QFETCH(QStringList, layers);
    QFETCH(QList<int>, neurons);
    auto model = Model::load(modelPath(file).toStdString(), "cpu");
    std::vector<std::string> names;
    for (const QString& l : layers)
        names.push_back(l.toStdString());
    model->setTappedLayers(names);
    QCOMPARE(model->tappedLayers().size(), std::size_t(layers.size()));
    for (int i = 0; i < layers.size(); ++i) {
        QCOMPARE(QString::fromStdString(model->tappedLayers()[std::size_t(i)].name), layers[i]);
        QCOMPARE(model->tappedLayers()[std::size_t(i)].neuronCount, neurons[i]);
    }
    const std::vector<float> pixels = randomImages(1, 3, model->inputSpec());
    const SampleSet states = computeAll(*model, pixels, 3, 3);
    QCOMPARE(states.sampleCount(), std::size_t(3));
    for (std::size_t l = 0; l < names.size(); ++l)
        QCOMPARE(states.rawProducts[l].size(), std::size_t(3 * neurons[int(l)]));
    QCOMPARE(states.logits.size(), std::size_t(3 * model->classCount()));
}

void TestModel::badLayers_data()
{
    QTest::addColumn<QStringList>("layers");
    QTest::addColumn<QStringList>("mentions");
    QTest::newRow("missing layer") << QStringList{"avgpool", "layer9"} << QStringList{"layer9", "does not exist", "layer4"};
    QTest::newRow("shared module") << QStringList{"layer1.0.relu"} << QStringList{"layer1.0.relu", "2 times"};
    QTest::newRow("twice") << QStringList{"layer1", "layer1"} << QStringList{"layer1", "twice"};
    QTest::newRow("none") << QStringList{} << QStringList{"no layers"};
    QTest::newRow("whole model") << QStringList{""} << QStringList{"whole model"};
}

void TestModel::badLayers()
{
    QFETCH(QStringList, layers);
    QFETCH(QStringList, mentions);
    auto model = Model::load(modelPath("resnet18_scripted.pt").toStdString(), "cpu");
    model->setTappedLayers({"avgpool"});
    std::vector<std::string> names;
    for (const QString& l : layers)
        names.push_back(l.toStdString());
    expectBadInput([&] { model->setTappedLayers(names); }, mentions);
    // The previous taps still work.
    QCOMPARE(model->tappedLayers().size(), std::size_t(1));
}

void TestModel::batchDependentModelRefused()
{
    // No dropout or BatchNorm node in its graph, so it loads; its outputs depend on the batch,
    // which the test batches of setTappedLayers() reveal, in every memory format.
    for (Model::MemoryFormat format : {Model::MemoryFormat::Contiguous, Model::MemoryFormat::ChannelsLast}) {
        auto model = Model::load(modelPath("batch_statistics.pt").toStdString(), "cpu");
        model->setMemoryFormat(format);
        expectBadInput([&] { model->setTappedLayers({"avgpool"}); }, {"batch_statistics.pt", "training mode", "larger batch",
                                                                       "model.eval()"});
    }
    // An eval-mode model with BatchNorm passes the same check.
    auto fine = Model::load(modelPath("resnet18_traced.pt").toStdString(), "cpu");
    fine->setTappedLayers({"layer4", "avgpool"});
    QCOMPARE(fine->tappedLayers().size(), std::size_t(2));
}

void TestModel::untappableModules()
{
    auto model = Model::load(modelPath("odd_modules.pt").toStdString(), "cpu");
    expectBadInput([&] { model->setTappedLayers({"unused"}); }, {"unused", "never called", "Layers that can be tapped", "avgpool"});
    expectBadInput([&] { model->setTappedLayers({"pair"}); }, {"pair", "not a tensor"});
    expectBadInput([&] { model->setTappedLayers({"energy"}); }, {"energy", "[]", "no neuron dimension"});
    model->setTappedLayers({"features", "avgpool"});
    QCOMPARE(model->tappedLayers().size(), std::size_t(2));
}

void TestModel::scriptedAndTracedAgree()
{
    // Same architecture and weights, one scripted and one traced: the taps must give the same states.
    auto scripted = Model::load(modelPath("resnet18_scripted.pt").toStdString(), "cpu");
    auto traced = Model::load(modelPath("resnet18_traced.pt").toStdString(), "cpu");
    const std::vector<std::string> layers{"avgpool", "layer3", "layer2", "layer1"};
    scripted->setTappedLayers(layers);
    traced->setTappedLayers(layers);
    const std::vector<float> pixels = randomImages(2, 4, scripted->inputSpec());
    const SampleSet a = computeAll(*scripted, pixels, 4, 4);
    const SampleSet b = computeAll(*traced, pixels, 4, 4);
    for (std::size_t l = 0; l < layers.size(); ++l)
        QVERIFY2(closeRelative(a.rawProducts[l], b.rawProducts[l], kRawTolerance), layers[l].c_str());
    QVERIFY(closeRelative(a.logits, b.logits, kRawTolerance));
}

void TestModel::closedFormGradient()
{
    // tiny_fixed: conv(1->3, 3x3, pad 1) -> ReLU -> avgpool -> fc(3->4), weights in a JSON file.
    QFile file(modelPath("tiny_fixed.weights.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject w = QJsonDocument::fromJson(file.readAll()).object();
    const QJsonArray probe = w["probe_input"].toArray();
    std::vector<float> image;
    for (const QJsonValue& row : probe)
        for (const QJsonValue& v : row.toArray())
            image.push_back(float(v.toDouble()));
    QCOMPARE(int(image.size()), 16);

    // Forward by hand in double.
    double pooled[3];
    const QJsonArray convW = w["conv_weight"].toArray();
    const QJsonArray convB = w["conv_bias"].toArray();
    for (int c = 0; c < 3; ++c) {
        double sum = 0.0;
        for (int y = 0; y < 4; ++y)
            for (int x = 0; x < 4; ++x) {
                double acc = convB[c].toDouble();
                for (int ky = 0; ky < 3; ++ky)
                    for (int kx = 0; kx < 3; ++kx) {
                        const int iy = y + ky - 1;
                        const int ix = x + kx - 1;
                        if (iy >= 0 && iy < 4 && ix >= 0 && ix < 4)
                            acc += convW[c].toArray()[0].toArray()[ky].toArray()[kx].toDouble() * image[std::size_t(iy * 4 + ix)];
                    }
                sum += std::max(acc, 0.0);
            }
        pooled[c] = sum / 16.0;
    }
    const QJsonArray fcW = w["fc_weight"].toArray();
    const QJsonArray fcB = w["fc_bias"].toArray();
    double logits[4];
    double maxLogit = -1e300;
    for (int k = 0; k < 4; ++k) {
        logits[k] = fcB[k].toDouble();
        for (int c = 0; c < 3; ++c)
            logits[k] += fcW[k].toArray()[c].toDouble() * pooled[c];
        maxLogit = std::max(maxLogit, logits[k]);
    }
    double denom = 0.0;
    for (double l : logits)
        denom += std::exp(l - maxLogit);
    // dL/dz = W^T (softmax(p) - 1/C) for the avgpool output; raw product = z * dL/dz (1x1 sum-pool).
    double expectedRaw[3];
    for (int c = 0; c < 3; ++c) {
        double g = 0.0;
        for (int k = 0; k < 4; ++k)
            g += fcW[k].toArray()[c].toDouble() * (std::exp(logits[k] - maxLogit) / denom - 0.25);
        expectedRaw[c] = pooled[c] * g;
    }

    auto model = Model::load(modelPath("tiny_fixed.pt").toStdString(), "cpu");
    model->setTappedLayers({"avgpool"});
    // The model's metadata normalises nothing (mean 0, std 1): feed the probe as it is.
    const SampleSet states = computeAll(*model, image, 1, 1);
    for (int k = 0; k < 4; ++k)
        QVERIFY(std::abs(states.logits[std::size_t(k)] - logits[k]) < kClosedFormTolerance);
    for (int c = 0; c < 3; ++c)
        QVERIFY2(std::abs(states.rawProducts[0][std::size_t(c)] - expectedRaw[c]) < kClosedFormTolerance,
                 qPrintable(QString("neuron %1: %2 vs %3").arg(c).arg(states.rawProducts[0][std::size_t(c)]).arg(expectedRaw[c])));
}

void TestModel::loneImageEqualsBatch_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("layers");
    // The demo model is where a batch of one used to round differently (8 of 1000 scores moved).
    QTest::newRow("demo ResNet-18") << QStringLiteral(NAC_SOURCE_DIR "/resources/demo/fashion_resnet18.pt")
                                    << QStringList{"avgpool", "layer3", "layer2", "layer1"};
    QTest::newRow("traced ResNet-18") << modelPath("resnet18_traced.pt") << QStringList{"avgpool", "layer3"};
    QTest::newRow("MobileNetV2") << modelPath("mobilenet_v2_scripted.pt") << QStringList{"features.18", "features.14"};
}

// With the default (plain, contiguous) execution an image's logits and states are the same bits
// alone, at any position of a batch, and in batches of any size: an image dropped on the app
// scores exactly as it does inside a folder.
void TestModel::loneImageEqualsBatch()
{
    QFETCH(QString, file);
    QFETCH(QStringList, layers);
    auto model = Model::load(file.toStdString(), "cpu");
    std::vector<std::string> names;
    for (const QString& layer : layers)
        names.push_back(layer.toStdString());
    model->setTappedLayers(names);
    QVERIFY(!model->channelsLast());
    constexpr int kImages = 9;
    const std::vector<float> pixels = randomImages(21, kImages, model->inputSpec());
    const SampleSet whole = computeAll(*model, pixels, kImages, kImages);
    for (int batch : {1, 2, 4}) {
        const SampleSet split = computeAll(*model, pixels, kImages, batch);
        QCOMPARE(split.logits, whole.logits);
        for (std::size_t l = 0; l < names.size(); ++l)
            QCOMPARE(split.rawProducts[l], whole.rawProducts[l]);
    }
}

void TestModel::batchSizeIndependent_data()
{
    QTest::addColumn<int>("mode");
    QTest::newRow("plain graph") << int(Model::GraphMode::Plain);
    QTest::newRow("frozen graph") << int(Model::GraphMode::Frozen);
}

void TestModel::batchSizeIndependent()
{
    QFETCH(int, mode);
    auto model = Model::load(modelPath("helper_method.pt").toStdString(), "cpu");
    model->setGraphMode(Model::GraphMode(mode));
    // `body` feeds adaptive_avg_pool2d: LibTorch 1.13's optimised executor lost its gradient from
    // the second run on (all-zero states), so every batch must give the same, non-zero values.
    model->setTappedLayers({"pool", "body.2", "body"});
    const std::vector<float> pixels = randomImages(3, 7, model->inputSpec());
    const SampleSet whole = computeAll(*model, pixels, 7, 7);
    const SampleSet ones = computeAll(*model, pixels, 7, 1);
    const SampleSet threes = computeAll(*model, pixels, 7, 3);
    for (std::size_t l = 0; l < 3; ++l) {
        QVERIFY(closeRelative(whole.rawProducts[l], ones.rawProducts[l], kRawTolerance));
        QVERIFY(closeRelative(whole.rawProducts[l], threes.rawProducts[l], kRawTolerance));
        const std::size_t neurons = std::size_t(whole.neuronCounts[l]);
        for (std::size_t i = 0; i < 7; ++i) {
            bool anyNonZero = false;
            for (std::size_t n = 0; n < neurons; ++n)
                anyNonZero = anyNonZero || ones.rawProducts[l][i * neurons + n] != 0.0f;
            QVERIFY2(anyNonZero, qPrintable(QString("layer %1, image %2: all states are zero").arg(l).arg(i)));
        }
    }
}

// SPEC §1.5 for a torchvision ViT: tokens summed over dimension 1, the CLS token of encoder.ln;
// the states must equal those make_test_models.py computed with hooks and autograd.grad.
void TestModel::vitTokenPooling()
{
    const std::string ln = "encoder.ln";
    const std::string block = "encoder.layers.encoder_layer_1.ln_2";
    auto model = Model::load(modelPath("vit_tiny.pt").toStdString(), "cpu");
    for (const ModuleNode& node : model->moduleTree()) {
        if (node.path == ln)
            QCOMPARE(node.pooling, Pooling::ClsToken);
        if (node.path == block || node.path == "encoder.layers.encoder_layer_0")
            QCOMPARE(node.pooling, Pooling::TokenSum);
        if (node.path == "conv_proj")
            QCOMPARE(node.pooling, Pooling::Spatial);
        if (node.path == ln || node.path == block)
            QCOMPARE(node.neuronCount, 16);
    }
    model->setTappedLayers({ln, block});
    QCOMPARE(model->tappedLayers()[0].pooling, Pooling::ClsToken);
    QCOMPARE(model->tappedLayers()[1].pooling, Pooling::TokenSum);
    QCOMPARE(model->tappedLayers()[0].neuronCount, 16);

    QFile file(modelPath("vit_tiny.expected.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject expected = QJsonDocument::fromJson(file.readAll()).object();
    const std::vector<float> probe = probeBatch(model->inputSpec());
    const SampleSet states = computeAll(*model, probe, 2, 2);
    QVERIFY(closeRelative(states.logits, jsonFloats(expected["logits"].toArray()), 1e-4f));
    const QJsonObject raw = expected["raw_products"].toObject();
    QVERIFY2(closeRelative(states.rawProducts[0], jsonFloats(raw[QString::fromStdString(ln)].toArray()), 1e-4f), "encoder.ln");
    QVERIFY2(closeRelative(states.rawProducts[1], jsonFloats(raw[QString::fromStdString(block)].toArray()), 1e-4f), "ln_2");

    // A profile's pooling is kept when scoring: an explicit choice overrides the automatic one.
    model->setTappedLayers({ln}, {Pooling::Spatial});
    QCOMPARE(model->tappedLayers()[0].neuronCount, 17);  // 16 patches + the CLS token, as "neurons"
    expectBadInput([&] { model->setTappedLayers({"conv_proj"}, {Pooling::TokenSum}); }, {"conv_proj", "tokens"});
}

void TestModel::inplaceAfterTap_data()
{
    QTest::addColumn<int>("graph");
    QTest::newRow("plain") << int(Model::GraphMode::Plain);
    QTest::newRow("frozen") << int(Model::GraphMode::Frozen);
}

// Autograd starts at the taps, which makes the first tap a leaf tensor; this model then applies
// relu_ to it, which autograd refuses for a leaf. The engine must notice, rerun with an input
// that requires grad, and give the states eager PyTorch gives (make_test_models.py computed them
// with hooks and autograd.grad). A second tap in front of `features` must not change them.
void TestModel::inplaceAfterTap()
{
    QFETCH(int, graph);
    QFile file(modelPath("inplace_after_tap.expected.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject expected = QJsonDocument::fromJson(file.readAll()).object();
    auto model = Model::load(modelPath("inplace_after_tap.pt").toStdString(), "cpu");
    model->setGraphMode(Model::GraphMode(graph));
    const std::vector<float> probe = probeBatch(model->inputSpec());
    const std::vector<float> raw = jsonFloats(expected["raw_products"].toObject()["features"].toArray());
    QCOMPARE(raw.size(), std::size_t(2 * 16));

    model->setTappedLayers({"features"});
    const SampleSet single = computeAll(*model, probe, 2, 2);
    QVERIFY(closeRelative(single.logits, jsonFloats(expected["logits"].toArray()), 1e-4f));
    QVERIFY2(closeRelative(single.rawProducts[0], raw, 1e-4f), "features alone");

    model->setTappedLayers({"stem", "features"});
    const SampleSet both = computeAll(*model, probe, 2, 1);
    QVERIFY2(closeRelative(both.rawProducts[1], raw, 1e-4f), "features behind stem");
}

void TestModel::memoryFormat_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("format");
    QTest::addColumn<int>("graph");
    QTest::addColumn<QStringList>("layers");
    QTest::addColumn<bool>("channelsLast");
    QTest::addColumn<bool>("frozen");
    const int autoFormat = int(Model::MemoryFormat::Auto);
    const int autoGraph = int(Model::GraphMode::Plain);  // the default
    const int frozenGraph = int(Model::GraphMode::Frozen);
    const QStringList resnet{"avgpool", "layer3", "layer1.0"};
    QTest::newRow("resnet18 defaults") << "resnet18_scripted.pt" << autoFormat << autoGraph << resnet << true << false;
    QTest::newRow("resnet18 frozen") << "resnet18_scripted.pt" << autoFormat << frozenGraph << resnet << true << true;
    QTest::newRow("resnet18 channels-last, plain")
        << "resnet18_scripted.pt" << int(Model::MemoryFormat::ChannelsLast) << int(Model::GraphMode::Plain) << resnet << true
        << false;
    QTest::newRow("resnet18 contiguous, frozen")
        << "resnet18_scripted.pt" << int(Model::MemoryFormat::Contiguous) << int(Model::GraphMode::Frozen) << resnet << false
        << true;
    QTest::newRow("traced frozen") << "resnet18_traced.pt" << autoFormat << frozenGraph << resnet << true << true;
    // .view() of a channels-last map throws: the check falls back to contiguous (still frozen).
    QTest::newRow("view auto") << "view_flatten.pt" << autoFormat << autoGraph << QStringList{"features"} << false << false;
    QTest::newRow("view forced") << "view_flatten.pt" << int(Model::MemoryFormat::ChannelsLast) << frozenGraph
                                 << QStringList{"features"} << false << true;
    QTest::newRow("relu_ after tap") << "inplace_after_tap.pt" << autoFormat << frozenGraph << QStringList{"features"} << true
                                     << true;
}

// Channels-last is a layout, not a different computation: states and logits must equal the
// contiguous run's (to float32 rounding), and a model that cannot run it stays contiguous.
void TestModel::memoryFormat()
{
    QFETCH(QString, file);
    QFETCH(int, format);
    QFETCH(int, graph);
    QFETCH(QStringList, layers);
    QFETCH(bool, channelsLast);
    QFETCH(bool, frozen);
    std::vector<std::string> names;
    for (const QString& layer : layers)
        names.push_back(layer.toStdString());

    auto reference = Model::load(modelPath(file).toStdString(), "cpu");
    reference->setMemoryFormat(Model::MemoryFormat::Contiguous);
    reference->setGraphMode(Model::GraphMode::Plain);
    reference->setTappedLayers(names);
    QVERIFY(!reference->channelsLast());
    QVERIFY(reference->graphMode() == Model::GraphMode::Plain);
    auto model = Model::load(modelPath(file).toStdString(), "cpu");
    model->setMemoryFormat(Model::MemoryFormat(format));
    model->setGraphMode(Model::GraphMode(graph));
    model->setTappedLayers(names);
    QCOMPARE(model->channelsLast(), channelsLast);
    QCOMPARE(model->graphMode() == Model::GraphMode::Frozen, frozen);

    const std::vector<float> pixels = randomImages(11, 5, model->inputSpec());
    const SampleSet a = computeAll(*reference, pixels, 5, 5);
    const SampleSet b = computeAll(*model, pixels, 5, 2);
    QVERIFY(closeRelative(a.logits, b.logits, kRawTolerance));
    for (std::size_t l = 0; l < names.size(); ++l)
        QVERIFY2(closeRelative(a.rawProducts[l], b.rawProducts[l], 1e-4f), names[l].c_str());

    // Choosing other layers re-decides; switching to contiguous puts the weights back.
    model->setMemoryFormat(Model::MemoryFormat::Contiguous);
    model->setGraphMode(Model::GraphMode::Plain);
    model->setTappedLayers(names);
    QVERIFY(!model->channelsLast());
    QVERIFY(model->graphMode() == Model::GraphMode::Plain);
    const SampleSet c = computeAll(*model, pixels, 5, 5);
    for (std::size_t l = 0; l < names.size(); ++l)
        QVERIFY(closeRelative(a.rawProducts[l], c.rawProducts[l], kRawTolerance));
}

// The automatic batch size comes from the measured memory per image, stays within the budget,
// evens the batches out over the workers, and gives the same states as a fixed batch.
void TestModel::automaticBatchSize()
{
    const std::vector<std::string> layers{"layer1", "avgpool"};
    auto model = Model::load(modelPath("resnet18_scripted.pt").toStdString(), "cpu");
    model->setTappedLayers(layers);
    const std::size_t perImage = model->bytesPerImage();
    QVERIFY(perImage > 0);
    InputSpec larger = model->inputSpec();
    larger.height = larger.width = 64;  // four times the pixels
    auto big = Model::load(modelPath("resnet18_scripted.pt").toStdString(), "cpu", &larger);
    big->setTappedLayers(layers);
    QVERIFY2(big->bytesPerImage() > 2 * perImage,
             qPrintable(QString("%1 bytes at 32x32, %2 at 64x64").arg(perImage).arg(big->bytesPerImage())));

    RunOptions options;
    options.threads = 2;
    options.workers = 2;
    for (std::size_t images : {std::size_t(1), std::size_t(3), std::size_t(1000), std::size_t(1001), std::size_t(5000)}) {
        const int batch = effectiveBatchSize(*model, options, images);
        QVERIFY(batch >= 1 && batch <= kAutoBatchLimit);
        QVERIFY(std::size_t(batch) * perImage <= std::size_t(1024) * 1024 * 1024);
        QVERIFY(std::size_t(batch) <= images);
        if (images >= 1000) {
            const std::size_t batches = (images + std::size_t(batch) - 1) / std::size_t(batch);
            QVERIFY2(batches % 2 == 0, qPrintable(QString("%1 images: %2 batches of %3").arg(images).arg(batches).arg(batch)));
            QVERIFY(images - (batches - 1) * std::size_t(batch) + batches > std::size_t(batch));  // last batch nearly full
        }
    }
    // Weights that outweigh 64 images' activations make the batch grow; small ones keep 64.
    QVERIFY(model->parameterBytes() > 40 * 1024 * 1024);  // ResNet-18: 11.2 M parameters
    if (model->parameterBytes() > 128 * perImage)
        QVERIFY(effectiveBatchSize(*model, options, 0) > 64);
    auto small = Model::load(modelPath("helper_method.pt").toStdString(), "cpu");
    small->setTappedLayers({"pool"});
    QVERIFY(small->bytesPerImage() > 0);
    QCOMPARE(effectiveBatchSize(*small, options, 0), 64);
    options.batchSize = 64;
    QCOMPARE(effectiveBatchSize(*model, options, 1000), 64);

    constexpr std::size_t kImages = 37;
    const VectorDataset data(randomImages(21, kImages, model->inputSpec()), kImages);
    std::vector<std::size_t> indices(kImages);
    std::iota(indices.begin(), indices.end(), std::size_t(0));
    options.batchSize = 0;
    const SampleSet automatic = computeSampleSet(*model, data, indices, options);
    options.batchSize = 5;
    const SampleSet fixed = computeSampleSet(*model, data, indices, options);
    QCOMPARE(automatic.sampleCount(), kImages);
    for (std::size_t l = 0; l < layers.size(); ++l)
        QVERIFY(closeRelative(automatic.rawProducts[l], fixed.rawProducts[l], kRawTolerance));
}

void TestModel::nanActivations()
{
    auto model = Model::load(modelPath("nan_output.pt").toStdString(), "cpu");
    std::vector<std::string> tappable;
    for (const ModuleNode& node : model->moduleTree())
        if (node.tappable)
            tappable.push_back(node.path);
    QVERIFY(!tappable.empty());
    model->setTappedLayers({tappable.back()});
    const std::vector<float> pixels = randomImages(4, 2, model->inputSpec());
    expectBadInput([&] { computeAll(*model, pixels, 2, 2); }, {"NaN"});
}

void TestModel::devices()
{
    expectBadInput([&] { Model::load(modelPath("tiny_fixed.pt").toStdString(), "gpu"); }, {"gpu"});
    if (cudaDevices().empty())
        expectBadInput([&] { Model::load(modelPath("tiny_fixed.pt").toStdString(), "cuda"); }, {"no CUDA"});
    auto model = Model::load(modelPath("tiny_fixed.pt").toStdString(), "auto");
    QCOMPARE(model->onCuda(), !cudaDevices().empty());
}

void TestModel::cudaMatchesCpu()
{
    if (cudaDevices().empty())
        QSKIP("no CUDA device on this machine");
    auto cpu = Model::load(modelPath("resnet18_scripted.pt").toStdString(), "cpu");
    auto gpu = Model::load(modelPath("resnet18_scripted.pt").toStdString(), "cuda");
    cpu->setTappedLayers({"avgpool", "layer3"});
    gpu->setTappedLayers({"avgpool", "layer3"});
    const std::vector<float> pixels = randomImages(5, 4, cpu->inputSpec());
    const SampleSet a = computeAll(*cpu, pixels, 4, 4);
    const SampleSet b = computeAll(*gpu, pixels, 4, 4);
    for (std::size_t l = 0; l < 2; ++l)
        QVERIFY(closeRelative(a.rawProducts[l], b.rawProducts[l], 1e-3f));
}

// Issue 9: a <model>.nac.json that is not a small regular file of sane JSON is refused before it
// is read whole or parsed recursively.
void TestModel::hostileSidecars_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("/dev/zero") << "devzero" << "not a regular file";
    QTest::newRow("FIFO") << "fifo" << "not a regular file";
    QTest::newRow("folder") << "folder" << "is a folder";
    QTest::newRow("3.2 GB (sparse)") << "huge" << "3200000000 bytes";
    QTest::newRow("nested 100000 deep") << "deep" << "levels deep";
    QTest::newRow("fractional height") << "fraction" << "'height' is 28.9";
}

void TestModel::hostileSidecars()
{
    QFETCH(QString, kind);
    QFETCH(QString, mentions);
    QTemporaryDir dir;
    const QString model = dir.filePath("m.pt");
    QVERIFY(QFile::copy(modelPath("no_metadata.pt"), model));
    const QString side = model + ".nac.json";
    if (kind == "devzero") {
        QVERIFY(QFile::link("/dev/zero", side));
    } else if (kind == "fifo") {
        QVERIFY(::mkfifo(qPrintable(side), 0600) == 0);
    } else if (kind == "folder") {
        QVERIFY(QDir(dir.path()).mkdir("m.pt.nac.json"));
    } else if (kind == "huge") {
        QFile file(side);
        QVERIFY(file.open(QIODevice::WriteOnly) && file.resize(3200000000LL));
    } else {
        QFile file(side);
        QVERIFY(file.open(QIODevice::WriteOnly));
        if (kind == "deep")
            file.write("{\"x\":" + QByteArray(100000, '[') + QByteArray(100000, ']') + "}");
        else
            file.write(R"({"input": {"channels": 1, "height": 28.9, "width": 28, "mean": [0.5], "std": [0.5]}})");
    }
    QElapsedTimer timer;
    timer.start();
    expectBadInput([&] { Model::load(model.toStdString(), "cpu"); }, {side, mentions});
    QVERIFY2(timer.elapsed() < 30000, "refusing took too long");
}

void TestModel::expectedHashBeforeLoading()
{
    const std::string good = modelPath("tiny_fixed.pt").toStdString();
    const std::string hash = Model::load(good, "cpu")->sha256();
    QCOMPARE(Model::load(good, "cpu", nullptr, hash)->sha256(), hash);
    // A file that is not even an archive: the hash message, not LibTorch's, shows that the hash
    // was compared before LibTorch read anything.
    const std::string text = modelPath("not_a_model.pt").toStdString();
    expectBadInput([&] { Model::load(text, "cpu", nullptr, hash); }, {"not_a_model.pt", "another model", "not loaded"});
    expectBadInput([&] { Model::load(modelPath("helper_method.pt").toStdString(), "cpu", nullptr, hash); },
                   {"helper_method.pt", hash.substr(0, 12).c_str()});
}

void TestModel::logitsWidthChecked()
{
    // width_changes.pt: [B,10] logits for the dry runs, [B,5] once an input value exceeds 1.5.
    const std::string path = modelPath("width_changes.pt").toStdString();
    auto model = Model::load(path, "cpu");
    QCOMPARE(model->classCount(), 10);
    model->setTappedLayers({"avgpool"});
    std::vector<float> pixels(std::size_t(2 * 28 * 28), 0.5f);
    SampleSet calm = model->emptySampleSet();
    model->computeStates(pixels.data(), 2, {-1, -1}, {"a", "b"}, calm);
    QCOMPARE(calm.logits.size(), std::size_t(20));
    pixels[7] = 2.0f;
    SampleSet out = model->emptySampleSet();
    expectBadInput([&] { model->computeStates(pixels.data(), 2, {-1, -1}, {"a", "b"}, out); },
                   {"width_changes.pt", "[2, 5]", "[2, 10]"});
    QVERIFY(out.logits.empty());
}

QTEST_APPLESS_MAIN(TestModel)
#include "tst_model.moc"
