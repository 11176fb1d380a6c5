// NAC-ME over checkpoints: the same steps as `nac me` (app/cli/nac_main.cpp commandMe), for
// several layers at once, with the result kept as a value for the NAC-ME view.
#include "app/gui/nac_me_job.h"

#include "engine/data/data_source.h"
#include "engine/data/fit_plan.h"
#include "engine/dataset.h"
#include "engine/error.h"
#include "engine/fitter.h"
#include "engine/layer_params.h"
#include "engine/metrics.h"
#include "engine/model.h"
#include "engine/number_text.h"
#include "engine/sample_set.h"

#include <QFileInfo>

#include <algorithm>
#include <cmath>

namespace nac::app {

using nac::engine::badInput;

std::vector<double> NacMeSeries::coverageOf(int layer) const
{
    std::vector<double> values;
    for (const NacMeCheckpoint& checkpoint : checkpoints)
        values.push_back(checkpoint.layers[std::size_t(layer)].coverage);
    return values;
}

std::vector<double> NacMeSeries::accuracies() const
{
    std::vector<double> values;
    for (const NacMeCheckpoint& checkpoint : checkpoints)
        values.push_back(checkpoint.accuracy);
    return values;
}

NacMeSeries computeNacMeSeries(const NacMeRequest& request, const nac::engine::CancelToken& token,
                               const nac::engine::ProgressCallback& progress, const nac::engine::NoteCallback& note)
{
    if (request.checkpoints.isEmpty())
        throw badInput("NAC-ME needs one or more model checkpoints (.pt): add files or a folder of them");
    for (const QString& path : request.checkpoints)
        if (!QFileInfo(path).isFile())
            throw badInput("checkpoint " + path.toStdString() + " does not exist or is not a file");
    if (request.dataSpec.trimmed().isEmpty())
        throw badInput("NAC-ME needs the training data the checkpoints were trained on: give a data set");
    if (request.sampleCount < 0)
        throw badInput("the number of images must be 0 (all) or more");
    const std::string device = request.device.isEmpty() ? std::string("cpu") : request.device.toStdString();

    NacMeSeries series;
    series.params = request.params;
    series.correctOnly = request.correctOnly;
    std::vector<std::string> layers;
    std::unique_ptr<nac::engine::Dataset> dataset;
    std::vector<std::size_t> indices;
    const std::size_t checkpointCount = std::size_t(request.checkpoints.size());
    for (std::size_t c = 0; c < checkpointCount; ++c) {
        if (nac::engine::isCanceled(token))
            throw nac::engine::Error(nac::engine::ErrorKind::Canceled, "canceled");
        const QString path = request.checkpoints[int(c)];
        auto model = nac::engine::Model::load(path.toStdString(), device);
        if (layers.empty()) {
            for (const QString& layer : request.layers)
                if (!layer.trimmed().isEmpty())
                    layers.push_back(layer.trimmed().toStdString());
            if (layers.empty())
                for (const nac::engine::LayerDefault& d : model->metadata().layers)
                    layers.push_back(d.name);
            if (layers.empty())
                throw badInput(QFileInfo(path).fileName().toStdString()
                               + " names no default layers in its nac.json: give the layers to cover");
            for (const std::string& layer : layers) {
                nac::engine::validateLayerParams(layer, request.params);
                series.layers.append(QString::fromStdString(layer));
            }
        }
        model->setTappedLayers(layers);
        if (!dataset) {
            // Checkpoints of one model share its classes: the data is opened and planned once (as `nac me`).
            std::vector<std::string> notes;
            dataset = nac::engine::alignLabelsToModel(nac::engine::openDataset(request.dataSpec.toStdString()),
                                                      model->metadata().classes, model->classCount(), notes);
            if (note) {
                for (const std::string& text : dataset->openingNotes())
                    note(text);
                for (const std::string& text : notes)
                    note(text);
            }
            nac::engine::FitPlanRequest plan;
            plan.seed = request.seed;
            plan.allSamples = request.sampleCount == 0;
            if (request.sampleCount > 0)
                plan.sampleCount = std::size_t(request.sampleCount);
            const nac::engine::FitPlan fitPlan = nac::engine::planFit(*dataset, plan, nullptr);
            if (note)
                for (const std::string& text : fitPlan.notes)
                    note(text);
            indices = fitPlan.fitIndices;
            series.dataDescription = QString::fromStdString(dataset->description());
            series.samplesPlanned = indices.size();
        }
        nac::engine::RunOptions options;
        options.cancel = token;
        options.stage = QFileInfo(path).fileName().toStdString();
        if (progress) {
            // Progress over all checkpoints: this one's images after the earlier ones'.
            const std::size_t before = c * indices.size();
            const std::size_t total = checkpointCount * indices.size();
            options.progress = [&progress, before, total](const nac::engine::Progress& p) {
                nac::engine::Progress all = nac::engine::makeProgress(before + p.itemsDone, total, p.elapsedSeconds, p.stage);
                all.itemsPerSecond = p.itemsPerSecond;
                all.etaSeconds = all.itemsPerSecond > 0 ? double(total - all.itemsDone) / all.itemsPerSecond : 0.0;
                progress(all);
            };
        }
        const nac::engine::SampleSet samples = nac::engine::computeSampleSet(*model, *dataset, indices, options);
        NacMeCheckpoint checkpoint;
        checkpoint.path = path;
        checkpoint.sha256 = QString::fromStdString(model->sha256());
        for (std::size_t l = 0; l < layers.size(); ++l) {
            checkpoint.layers.push_back(nac::engine::nacMeScore(samples.withLayers({l}), request.params, request.correctOnly));
            checkpoint.accuracy = checkpoint.layers.back().accuracy;
        }
        series.checkpoints.push_back(std::move(checkpoint));
    }
    const std::vector<double> accuracy = series.accuracies();
    const bool labelled = std::all_of(accuracy.begin(), accuracy.end(), [](double a) { return a >= 0; });
    for (int l = 0; l < series.layers.size(); ++l)
        series.spearman.push_back(series.checkpoints.size() >= 2 && labelled
                                      ? nac::engine::spearmanCorrelation(series.coverageOf(l), accuracy)
                                      : std::numeric_limits<double>::quiet_NaN());
    return series;
}

QString nacMeCsv(const NacMeSeries& series)
{
    auto field = [](const QString& text) {
        if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) && !text.contains(QLatin1Char('\n')))
            return text;
        QString quoted = text;
        quoted.replace(QLatin1Char('"'), QStringLiteral("\"\""));
        return QLatin1Char('"') + quoted + QLatin1Char('"');
    };
    auto number = [](double value) { return QString::fromStdString(nac::engine::formatReal(value, 8)); };
    QString csv = QStringLiteral("checkpoint,sha256,accuracy,samples_used");
    for (const QString& layer : series.layers)
        csv += QStringLiteral(",G_") + field(layer);
    csv += QLatin1Char('\n');
    for (const NacMeCheckpoint& checkpoint : series.checkpoints) {
        csv += field(checkpoint.path) + QLatin1Char(',') + checkpoint.sha256 + QLatin1Char(',')
               + (checkpoint.accuracy >= 0 ? number(checkpoint.accuracy) : QString()) + QLatin1Char(',')
               + QString::number(checkpoint.layers.empty() ? 0 : checkpoint.layers.front().samplesUsed);
        for (const nac::engine::NacMeResult& layer : checkpoint.layers)
            csv += QLatin1Char(',') + number(layer.coverage);
        csv += QLatin1Char('\n');
    }
    for (int l = 0; l < series.layers.size() && std::size_t(l) < series.spearman.size(); ++l) {
        const double rho = series.spearman[std::size_t(l)];
        csv += QStringLiteral("# spearman ") + series.layers[l] + QStringLiteral(": ")
               + (std::isnan(rho) ? QStringLiteral("undefined") : number(rho)) + QLatin1Char('\n');
    }
    return csv;
}

}  // namespace nac::app
