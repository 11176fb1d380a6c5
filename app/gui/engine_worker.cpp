// The engine thread's worker: model, data set, chunked fits with live snapshots, re-binning on
// parameter changes, scoring of dropped images. Every engine call of the GUI happens here.
#include "app/gui/engine_worker.h"

#include "app/gui/set_evaluator.h"
#include "app/gui/device_list.h"

#include "engine/data/data_source.h"
#include "engine/data/fit_plan.h"
#include "engine/data/sample_identity.h"
#include "engine/error.h"
#include "engine/fitter.h"
#include "engine/metrics.h"
#include "engine/model.h"
#include "engine/profile_io.h"
#include "engine/sample_set.h"
#include "engine/scoring.h"

#include <QFileInfo>
#include <QImageReader>
#include <QMetaObject>

#include <algorithm>
#include <cmath>
#include <exception>
#include <numeric>
#include <random>

namespace nac::app {

using nac::engine::CoverageProfile;
using nac::engine::Error;
using nac::engine::ErrorKind;
using nac::engine::LayerInfo;
using nac::engine::LayerParams;
using nac::engine::ParamChange;
using nac::engine::SampleSet;

namespace {

constexpr int kFirstChunkImages = 64;      // a first snapshot quickly, then request.chunkSize
constexpr int kScoreBatchImages = 64;
constexpr qint64 kProgressIntervalNs = 50'000'000;  // at most 20 progress signals a second
constexpr double kInDKeepFraction = 0.95;  // threshold keeps 95% of held-out InD images
constexpr int kThumbnailPx = 48;  // the list shows 40 px; 5000 dropped images stay under 50 MB
constexpr qint64 kMaxThumbnailSourcePixels = 50'000'000;  // as the engine's image limit

QString fromStd(const std::string& text)
{
    return QString::fromStdString(text);
}

QImage makeThumbnail(const QString& path)
{
    QImageReader reader(path);
    const QSize size = reader.size();
    if (!size.isValid() || qint64(size.width()) * qint64(size.height()) > kMaxThumbnailSourcePixels)
        return QImage();
    reader.setScaledSize(size.scaled(kThumbnailPx, kThumbnailPx, Qt::KeepAspectRatio).expandedTo(QSize(1, 1)));
    return reader.read();
}

double percentileBelow(const std::vector<double>& sortedScores, double score)
{
    if (sortedScores.empty() || !std::isfinite(score))
        return std::numeric_limits<double>::quiet_NaN();
    const auto below = std::lower_bound(sortedScores.begin(), sortedScores.end(), score) - sortedScores.begin();
    return double(below) / double(sortedScores.size());
}

std::shared_ptr<ModelInfo> makeModelInfo(nac::engine::Model& model, const QString& path)
{
    auto info = std::make_shared<ModelInfo>();
    info->path = QFileInfo(path).absoluteFilePath();
    info->name = model.metadata().name.empty() ? QFileInfo(path).fileName() : fromStd(model.metadata().name);
    info->sha256 = fromStd(model.sha256());
    info->device = fromStd(model.deviceName());
    info->input = model.inputSpec();
    for (const std::string& name : model.metadata().classes)
        info->classNames.append(fromStd(name));
    info->classCount = model.classCount();
    info->modules = model.moduleTree();
    for (const auto& layer : model.metadata().layers) {
        info->defaultLayers.append(fromStd(layer.name));
        info->defaultParams.push_back(layer.params);
    }
    info->metadataOrigin = fromStd(model.metadata().origin);
    return info;
}

}  // namespace

// --- ParamMailbox ---

bool ParamMailbox::post(Request request)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    const bool wasEmpty = !m_pending.has_value();
    m_pending = std::move(request);
    return wasEmpty;
}

std::optional<ParamMailbox::Request> ParamMailbox::take()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    std::optional<Request> request = std::move(m_pending);
    m_pending.reset();
    return request;
}

// --- EngineWorker ---

struct EngineWorker::FitJob {
    int jobId = 0;
    nac::engine::CancelToken token;
    FitRequest request;
    std::vector<LayerInfo> layers;
    std::vector<LayerParams> params;
    std::vector<std::size_t> fitIndices;     // the reference's class-balanced order
    std::vector<std::size_t> order;          // positions into fitIndices, shuffled for live views
    std::size_t nextPosition = 0;
    std::unique_ptr<SampleSet> fit;
    bool skippedAny = false;                 // images were skipped: the chunk order cannot be undone
    bool conversionsNoted = false;           // the images' conversions were told (first chunk)
    std::vector<std::size_t> heldoutIndices;
    std::size_t nextHeldout = 0;
    std::unique_ptr<SampleSet> heldout;
    std::int64_t imagesDone = 0;
    std::int64_t imagesTotal = 0;
    QElapsedTimer timer;
    qint64 lastProgressNs = -kProgressIntervalNs;
    int chunks = 0;
    QStringList skipped;
};

EngineWorker::EngineWorker(std::shared_ptr<ParamMailbox> mailbox, QObject* parent)
    : QObject(parent)
    , m_mailbox(std::move(mailbox))
    , m_evaluator(std::make_unique<SetEvaluator>())
{
}

EngineWorker::~EngineWorker() = default;

qint64 EngineWorker::nowNs()
{
    static QElapsedTimer clock = [] {
        QElapsedTimer timer;
        timer.start();
        return timer;
    }();
    return clock.nsecsElapsed();
}

void EngineWorker::initialize()
{
    QStringList devices{QStringLiteral("cpu")};
    try {
        devices = availableDevices();
    } catch (const std::exception& e) {
        Q_EMIT warning(tr("Could not list CUDA devices (%1); using the CPU.").arg(QString::fromLocal8Bit(e.what())));
    } catch (...) {
        Q_EMIT warning(tr("Could not list CUDA devices; using the CPU."));
    }
    Q_EMIT devicesFound(devices);
}

void EngineWorker::finish(int jobId, JobKind kind, JobOutcome outcome, const QString& message, const QElapsedTimer& timer,
                          bool needsInputSpec)
{
    JobResult result;
    result.jobId = jobId;
    result.kind = kind;
    result.outcome = outcome;
    result.message = message;
    result.elapsedMs = double(timer.nsecsElapsed()) / 1e6;
    result.needsInputSpec = needsInputSpec;
    Q_EMIT jobFinished(result);
}

// Runs fn, turning every exception into one Failed/Canceled outcome (the last-chance catch).
// fn returns the Completed message.
template <typename Fn>
static bool runGuarded(Fn&& fn, QString* message, JobOutcome* outcome)
{
    try {
        *message = fn();
        *outcome = JobOutcome::Completed;
        return true;
    } catch (const Error& e) {
        *outcome = e.kind() == ErrorKind::Canceled ? JobOutcome::Canceled : JobOutcome::Failed;
        *message = e.kind() == ErrorKind::Canceled ? QObject::tr("Canceled.") : QString::fromStdString(e.what());
    } catch (const std::bad_alloc&) {
        *outcome = JobOutcome::Failed;
        *message = QObject::tr("Out of memory. Try fewer images or a smaller model.");
    } catch (const std::exception& e) {
        *outcome = JobOutcome::Failed;
        *message = QObject::tr("Unexpected error: %1").arg(QString::fromLocal8Bit(e.what()));
    } catch (...) {
        *outcome = JobOutcome::Failed;
        *message = QObject::tr("Unexpected error of an unknown kind.");
    }
    return false;
}

template <typename Body>
void EngineWorker::runJob(int jobId, JobKind kind, Body&& body, const bool* needsInputSpec)
{
    QElapsedTimer timer;
    timer.start();
    QString message;
    JobOutcome outcome = JobOutcome::Completed;
    runGuarded(std::forward<Body>(body), &message, &outcome);
    finish(jobId, kind, outcome, message, timer, needsInputSpec && *needsInputSpec);
}

void EngineWorker::loadModel(int jobId, const QString& path, const QString& device, const QString& inputSpec)
{
    bool metadataMissing = false;
    runJob(jobId, JobKind::LoadModel,
        [&]() -> QString {
            if (path.trimmed().isEmpty())
                throw nac::engine::badInput("no model file was given");
            if (!QFileInfo(path).isFile())
                throw nac::engine::badInput("model file " + path.toStdString() + " does not exist");
            const std::string dev = device.isEmpty() ? std::string("cpu") : device.toStdString();
            std::unique_ptr<nac::engine::Model> model;
            if (!inputSpec.isEmpty()) {
                const QStringList parts = inputSpec.split(QLatin1Char(';'));
                if (parts.size() != 3)
                    throw nac::engine::badInput("input spec '" + inputSpec.toStdString()
                                                + "' must be CxHxW;mean;std, e.g. 1x28x28;0.5;0.5");
                nac::engine::InputSpec spec;
                nac::engine::parseInputShape(parts[0].trimmed().toStdString(), spec);
                spec.mean = nac::engine::parseFloatList(parts[1].trimmed().toStdString(), "mean");
                spec.std = nac::engine::parseFloatList(parts[2].trimmed().toStdString(), "std");
                nac::engine::validateInputSpec(spec);
                model = nac::engine::Model::load(path.toStdString(), dev, &spec);
            } else {
                try {
                    model = nac::engine::Model::load(path.toStdString(), dev);
                } catch (const Error& e) {
                    // The engine's words for a model without nac.json (see Model::load).
                    const std::string text = e.what();
                    metadataMissing = e.kind() == ErrorKind::BadInput && text.find("nac.json") != std::string::npos
                        && text.find("input is unknown") != std::string::npos;
                    if (metadataMissing)
                        throw nac::engine::badInput(QFileInfo(path).fileName().toStdString()
                                                    + " has no nac.json metadata, so its input size and normalisation are "
                                                      "unknown; give them (input shape, mean, std) to open it");
                    throw;
                }
            }
            std::shared_ptr<ModelInfo> info = makeModelInfo(*model, path);

            if (m_fit)
                finishFit(JobOutcome::Canceled, tr("The model was replaced."));
            const bool sameModel = m_modelInfo && m_modelInfo->sha256 == info->sha256;
            const bool sameInput = m_modelInfo && m_modelInfo->input.channels == info->input.channels
                && m_modelInfo->input.height == info->input.height && m_modelInfo->input.width == info->input.width
                && m_modelInfo->input.mean == info->input.mean && m_modelInfo->input.std == info->input.std;
            m_model = std::move(model);
            m_modelInfo = info;
            if (!sameModel) {
                m_profile.reset();
                m_firingCache.clear();
            }
            if ((!sameModel || !sameInput) && !m_evaluator->isEmpty()) {
                m_evaluator->clear();
                Q_EMIT evaluationReady(std::make_shared<EvaluationResults>());
            }
            if (!sameInput) {
                m_dropped.reset();
                m_droppedPixels.clear();
                m_droppedSources.clear();
            }
            Q_EMIT modelLoaded(m_modelInfo);
            if (m_profile) {
                tapProfileLayers();
                if (m_dropped)
                    recomputeDroppedStates();
            }
            return tr("Loaded %1 on %2.").arg(QFileInfo(path).fileName(), info->device);
        },
        &metadataMissing);
}

void EngineWorker::openDataset(int jobId, const QString& spec)
{
    runJob(jobId, JobKind::OpenDataset,
        [&]() -> QString {
            std::unique_ptr<nac::engine::Dataset> dataset = nac::engine::openDataset(spec.toStdString());
            if (m_fit)
                finishFit(JobOutcome::Canceled, tr("The data set was replaced."));
            auto info = std::make_shared<DatasetInfo>();
            info->spec = spec;
            info->description = fromStd(dataset->description());
            info->imageCount = std::int64_t(dataset->size());
            for (const std::string& text : dataset->openingNotes())
                Q_EMIT warning(fromStd(text));
            m_dataset = std::move(dataset);
            m_datasetInfo = info;
            Q_EMIT datasetOpened(info);
            return tr("Opened %1.").arg(info->description);
        });
}

void EngineWorker::startFit(int jobId, const FitRequest& request, const nac::engine::CancelToken& token)
{
    if (m_fit)
        finishFit(JobOutcome::Canceled, tr("Replaced by a new fit."));
    QElapsedTimer timer;
    timer.start();
    QString message;
    JobOutcome outcome = JobOutcome::Completed;
    const bool started = runGuarded(
        [&]() -> QString {
            if (!m_model)
                throw nac::engine::badInput("no model is loaded: open one with File > Open Model");
            if (!m_dataset)
                throw nac::engine::badInput("no data set is open: open the training images with File > Open Dataset");
            if (request.layers.isEmpty())
                throw nac::engine::badInput("no layers are chosen: check at least one layer in the layer tree");
            if (request.params.size() != std::size_t(request.layers.size()))
                throw Error(ErrorKind::Internal, "fit request: one parameter set per layer is needed");
            if (request.sampleCount < 1)
                throw nac::engine::badInput("the number of fit samples must be at least 1");
            std::vector<std::string> names;
            for (int l = 0; l < request.layers.size(); ++l) {
                names.push_back(request.layers[l].toStdString());
                nac::engine::validateLayerParams(names.back(), request.params[std::size_t(l)]);
            }
            m_model->setTappedLayers(names);

            auto job = std::make_unique<FitJob>();
            job->jobId = jobId;
            job->token = token;
            job->request = request;
            job->layers = m_model->tappedLayers();
            job->params = request.params;
            // One plan with `nac fit`: the same settings fit the same images.
            std::vector<std::string> labelNotes;
            m_dataset = nac::engine::alignLabelsToModel(std::move(m_dataset), m_model->metadata().classes,
                                                        m_model->classCount(), labelNotes);
            nac::engine::FitPlanRequest planRequest;
            planRequest.sampleCount = std::size_t(request.sampleCount);
            planRequest.seed = request.seed;
            planRequest.heldoutCount = std::size_t(std::max(request.heldoutCount, 0));
            const nac::engine::FitPlan plan = nac::engine::planFit(*m_dataset, planRequest, &m_model->metadata());
            job->fitIndices = plan.fitIndices;
            job->heldoutIndices = plan.heldoutIndices;
            for (const std::string& text : labelNotes)
                Q_EMIT warning(fromStd(text));
            for (const std::string& text : plan.notes)
                Q_EMIT warning(fromStd(text));
            job->order.resize(job->fitIndices.size());
            std::iota(job->order.begin(), job->order.end(), std::size_t(0));
            std::mt19937 shuffle(request.seed + 7);  // fixed: the same fit fills in the same way
            std::shuffle(job->order.begin(), job->order.end(), shuffle);
            job->imagesTotal = std::int64_t(job->fitIndices.size() + job->heldoutIndices.size());
            job->timer.start();
            m_fit = std::move(job);
            return QString();
        },
        &message, &outcome);
    if (!started) {
        tapProfileLayers();
        finish(jobId, JobKind::Fit, outcome, message, timer);
        return;
    }
    JobProgress first;
    first.jobId = jobId;
    first.kind = JobKind::Fit;
    first.stage = QStringLiteral("fit");
    first.imagesTotal = m_fit->imagesTotal;
    Q_EMIT progress(first);
    QMetaObject::invokeMethod(this, [this, jobId] {
        if (m_fit && m_fit->jobId == jobId)
            fitStep();
    }, Qt::QueuedConnection);
}

SampleSet EngineWorker::computeChunk(const std::vector<std::size_t>& indices, const QString& stage)
{
    FitJob& job = *m_fit;
    nac::engine::RunOptions options;
    options.threads = m_threads;
    options.cancel = job.token;
    options.stage = stage.toStdString();
    const std::int64_t before = job.imagesDone;
    options.progress = [this, &job, before, stage](const nac::engine::Progress& p) {
        const qint64 now = job.timer.nsecsElapsed();
        const std::int64_t done = before + std::int64_t(p.itemsDone);
        if (now - job.lastProgressNs < kProgressIntervalNs && done < job.imagesTotal)
            return;
        job.lastProgressNs = now;
        JobProgress out;
        out.jobId = job.jobId;
        out.kind = JobKind::Fit;
        out.stage = stage;
        out.imagesDone = done;
        out.imagesTotal = job.imagesTotal;
        out.elapsedSeconds = double(now) / 1e9;
        out.imagesPerSecond = out.elapsedSeconds > 0 ? double(done) / out.elapsedSeconds : 0.0;
        out.etaSeconds = out.imagesPerSecond > 0 ? double(job.imagesTotal - done) / out.imagesPerSecond : 0.0;
        Q_EMIT progress(out);
    };
    options.warning = [&job](const std::string& text) { job.skipped.append(QString::fromStdString(text)); };
    // Conversions (resizing, gray to colour) are the same for every chunk: told once per fit.
    if (!job.conversionsNoted) {
        options.note = [this, &job](const std::string& text) {
            job.conversionsNoted = true;
            Q_EMIT warning(tr("Images converted for the model: %1").arg(QString::fromStdString(text)));
        };
    }
    const int skippedBefore = int(job.skipped.size());
    SampleSet out = nac::engine::computeSampleSet(*m_model, *m_dataset, indices, options);
    job.imagesDone = before + std::int64_t(indices.size());
    if (job.skipped.size() > skippedBefore) {
        job.skippedAny = true;
        Q_EMIT warning(tr("Skipped %1 unreadable image(s) so far; the first: %2").arg(job.skipped.size()).arg(job.skipped.front()));
    }
    return out;
}

void EngineWorker::fitStep()
{
    FitJob& job = *m_fit;
    if (nac::engine::isCanceled(job.token)) {
        finishFit(JobOutcome::Canceled, tr("Fit canceled after %1 of %2 images.").arg(job.imagesDone).arg(job.imagesTotal));
        return;
    }
    QString message;
    JobOutcome outcome = JobOutcome::Completed;
    bool done = false;
    const bool ok = runGuarded(
        [&]() -> QString {
            if (job.nextPosition < job.order.size()) {
                // Chunks grow with the fit (half of what is there), so re-building the histograms after
                // each chunk costs O(n log n) in all, not O(n^2), for fits of tens of thousands of images.
                const std::size_t fitted = job.fit ? job.fit->sampleCount() : 0;
                const std::size_t count = job.chunks == 0
                    ? std::size_t(kFirstChunkImages)
                    : std::max(std::size_t(std::max(job.request.chunkSize, 1)), fitted / 2);
                const std::size_t end = std::min(job.order.size(), job.nextPosition + count);
                std::vector<std::size_t> indices;
                for (std::size_t p = job.nextPosition; p < end; ++p)
                    indices.push_back(job.fitIndices[job.order[p]]);
                SampleSet chunk = computeChunk(indices, QStringLiteral("fit"));
                if (!job.fit)
                    job.fit = std::make_unique<SampleSet>(std::move(chunk));
                else
                    job.fit->append(chunk);
                job.nextPosition = end;
                ++job.chunks;
                QElapsedTimer build;
                build.start();
                auto profile = std::make_unique<CoverageProfile>(job.layers, *job.fit, job.params);
                nac::engine::stampProfile(*profile, *m_model, *m_dataset);
                profile->createdBy = "nac-studio";
                m_profile = std::move(profile);
                m_firingCache.clear();
                emitSnapshot(SnapshotReason::FitProgress, ParamChange::Rebinned, double(build.nsecsElapsed()) / 1e6);
                rescoreDropped();
                return QString();
            }
            if (job.nextHeldout < job.heldoutIndices.size()) {
                const std::size_t end = std::min(job.heldoutIndices.size(),
                                                 job.nextHeldout + std::size_t(std::max(job.request.chunkSize, 1)));
                std::vector<std::size_t> indices(job.heldoutIndices.begin() + std::ptrdiff_t(job.nextHeldout),
                                                 job.heldoutIndices.begin() + std::ptrdiff_t(end));
                SampleSet chunk = computeChunk(indices, QStringLiteral("held-out"));
                if (!job.heldout)
                    job.heldout = std::make_unique<SampleSet>(std::move(chunk));
                else
                    job.heldout->append(chunk);
                job.nextHeldout = end;
                if (job.nextHeldout < job.heldoutIndices.size())
                    return QString();
            }
            // Done: put the fit samples back in the reference's order (same profile as `nac fit`).
            QElapsedTimer build;
            build.start();
            SampleSet fit = std::move(*job.fit);
            if (!job.skippedAny && fit.sampleCount() == job.order.size()) {
                std::vector<std::size_t> inverse(job.order.size());
                for (std::size_t k = 0; k < job.order.size(); ++k)
                    inverse[job.order[k]] = k;
                fit = fit.subset(inverse);
            }
            auto profile = std::make_unique<CoverageProfile>(job.layers, std::move(fit), job.params);
            if (job.heldout)
                profile->setHeldoutSamples(std::move(*job.heldout));
            nac::engine::stampProfile(*profile, *m_model, *m_dataset);
            profile->createdBy = "nac-studio";
            m_profile = std::move(profile);
            m_firingCache.clear();
            done = true;
            const double seconds = double(job.timer.nsecsElapsed()) / 1e9;
            const std::size_t heldoutCount = m_profile->heldoutSamples().sampleCount();
            QString text = tr("Fitted %1 images").arg(m_profile->fitSamples().sampleCount());
            if (heldoutCount > 0)
                text += tr(" (+%1 held out)").arg(heldoutCount);
            text += tr(" in %1 s, %2 images/s on %3.")
                        .arg(seconds, 0, 'f', 1)
                        .arg(seconds > 0 ? double(job.imagesTotal) / seconds : 0.0, 0, 'f', 0)
                        .arg(m_modelInfo ? m_modelInfo->device : QStringLiteral("cpu"));
            // The snapshot is sent by finishFit, after m_fit is cleared, so it says "complete".
            m_lastFitMs = double(build.nsecsElapsed()) / 1e6;
            return text;
        },
        &message, &outcome);
    if (!ok) {
        finishFit(outcome, outcome == JobOutcome::Canceled
                               ? tr("Fit canceled after %1 of %2 images.").arg(job.imagesDone).arg(job.imagesTotal)
                               : message);
        return;
    }
    if (done) {
        finishFit(JobOutcome::Completed, message);
        return;
    }
    const int jobId = job.jobId;
    QMetaObject::invokeMethod(this, [this, jobId] {
        if (m_fit && m_fit->jobId == jobId)
            fitStep();
    }, Qt::QueuedConnection);
}

void EngineWorker::finishFit(JobOutcome outcome, const QString& message)
{
    if (!m_fit)
        return;
    std::unique_ptr<FitJob> job = std::move(m_fit);
    JobResult result;
    result.jobId = job->jobId;
    result.kind = JobKind::Fit;
    result.outcome = outcome;
    result.message = message;
    result.elapsedMs = double(job->timer.nsecsElapsed()) / 1e6;
    // Whatever the outcome, the views get a final snapshot of what there is, and the model taps the
    // profile's layers again so that dropped images can be scored against it.
    try {
        tapProfileLayers();
        if (m_profile) {
            emitSnapshot(SnapshotReason::FitDone, ParamChange::Rebinned, outcome == JobOutcome::Completed ? m_lastFitMs : 0.0);
            rescoreDropped();
            reevaluateSets();
        }
    } catch (const std::exception& e) {
        Q_EMIT warning(tr("After the fit: %1").arg(QString::fromLocal8Bit(e.what())));
    } catch (...) {
        Q_EMIT warning(tr("After the fit: unexpected error."));
    }
    Q_EMIT jobFinished(result);
}

void EngineWorker::stopFit()
{
    if (m_fit)
        finishFit(JobOutcome::Canceled, tr("Fit canceled."));
}

void EngineWorker::tapProfileLayers()
{
    if (!m_model || !m_profile)
        return;
    std::vector<std::string> wanted;
    for (const LayerInfo& layer : m_profile->layers())
        wanted.push_back(layer.name);
    std::vector<std::string> tapped;
    for (const LayerInfo& layer : m_model->tappedLayers())
        tapped.push_back(layer.name);
    if (tapped != wanted)
        m_model->tapLayersOf(m_profile->layers());
}

void EngineWorker::emitSnapshot(SnapshotReason reason, ParamChange change, double workerMs)
{
    if (!m_profile)
        return;
    QElapsedTimer timer;
    timer.start();
    const CoverageProfile& profile = *m_profile;
    auto snapshot = std::make_shared<ProfileSnapshot>();
    snapshot->generation = ++m_generation;
    snapshot->reason = reason;
    snapshot->change = change;
    snapshot->fitCount = std::int64_t(profile.fitSamples().sampleCount());
    snapshot->fitTarget = m_fit ? std::int64_t(m_fit->fitIndices.size()) : snapshot->fitCount;
    snapshot->complete = !m_fit;
    snapshot->datasetDescription = fromStd(profile.datasetDescription);
    snapshot->modelPath = fromStd(profile.modelPath);

    const SampleSet& fit = profile.fitSamples();
    const bool haveHeldout = profile.heldoutSamples().sampleCount() > 0;
    const nac::engine::ScoreTable table = profile.score(haveHeldout ? profile.heldoutSamples() : fit);
    m_heldoutSorted.clear();
    if (haveHeldout) {
        snapshot->heldoutScores = table.total;
        snapshot->heldoutBaselines =
            nac::engine::baselineScores(profile.heldoutSamples().logits, profile.heldoutSamples().classCount);
        snapshot->threshold = nac::engine::thresholdKeepingInd(table.total, kInDKeepFraction);
        for (const std::vector<double>& layerScores : table.perLayer)
            snapshot->heldoutLayerReference.push_back(nac::engine::thresholdKeepingInd(layerScores, kInDKeepFraction));
        m_heldoutSorted = table.total;
        std::sort(m_heldoutSorted.begin(), m_heldoutSorted.end());
    }
    double shareSum = 0.0;
    snapshot->layers.resize(profile.layerCount());
    for (std::size_t l = 0; l < profile.layerCount(); ++l) {
        LayerSnapshot& out = snapshot->layers[l];
        out.info = profile.layers()[l];
        out.coverage = profile.coverage(l);
        out.defaults = m_modelInfo ? m_modelInfo->defaultsFor(fromStd(out.info.name)) : LayerParams{};
        out.coverageArea = out.coverage.coverageArea();
        const int neurons = out.coverage.neuronCount;
        const int bins = out.coverage.binCount();
        out.neuronArea.assign(std::size_t(neurons), 0.0f);
        for (int k = 0; k < bins; ++k)
            for (int n = 0; n < neurons; ++n)
                out.neuronArea[std::size_t(n)] += out.coverage.phiAt(k, n);
        for (float& area : out.neuronArea)
            area /= float(out.coverage.params.binEdgeCount);
        // state > 0.5 exactly when z * dKL/dz > 0 (alpha > 0), so the share does not depend on the
        // parameters: it is computed once per fit size and layer, not on every parameter change.
        const std::size_t samples = fit.sampleCount();
        if (m_firingCache.size() != profile.layerCount() || m_firingCacheSamples != samples
            || m_firingCache[l].size() != std::size_t(neurons)) {
            if (m_firingCache.size() != profile.layerCount() || m_firingCacheSamples != samples) {
                m_firingCache.assign(profile.layerCount(), {});
                m_firingCacheSamples = samples;
            }
            std::vector<float>& fraction = m_firingCache[l];
            fraction.assign(std::size_t(neurons), 0.0f);
            for (std::size_t i = 0; i < samples; ++i) {
                const float* raw = fit.rawRow(l, i);
                for (int n = 0; n < neurons; ++n)
                    if (raw[n] > 0.0f)
                        fraction[std::size_t(n)] += 1.0f;
            }
            if (samples > 0)
                for (float& f : fraction)
                    f /= float(samples);
        }
        out.firingFraction = m_firingCache[l];
        const std::vector<double>& layerScores = table.perLayer[l];
        if (!layerScores.empty())
            out.meanScore = std::accumulate(layerScores.begin(), layerScores.end(), 0.0) / double(layerScores.size());
        if (std::isfinite(out.meanScore))
            shareSum += out.meanScore;
    }
    for (LayerSnapshot& layer : snapshot->layers)
        layer.scoreShare = shareSum > 0 ? layer.meanScore / shareSum : std::numeric_limits<double>::quiet_NaN();
    snapshot->workerMs = workerMs + double(timer.nsecsElapsed()) / 1e6;
    Q_EMIT snapshotReady(snapshot);
}

void EngineWorker::recomputeDroppedStates()
{
    if (!m_model || !m_dropped || m_droppedSources.empty())
        return;
    const std::size_t perImage = m_model->inputSpec().valuesPerImage();
    const std::size_t count = m_droppedSources.size();
    if (m_droppedPixels.size() != count * perImage)
        return;
    SampleSet fresh = m_model->emptySampleSet();
    for (std::size_t begin = 0; begin < count; begin += kScoreBatchImages) {
        const std::size_t end = std::min(count, begin + kScoreBatchImages);
        std::vector<int> labels(end - begin, -1);
        std::vector<std::string> sources(m_droppedSources.begin() + std::ptrdiff_t(begin),
                                         m_droppedSources.begin() + std::ptrdiff_t(end));
        m_model->computeStates(m_droppedPixels.data() + begin * perImage, int(end - begin), labels, sources, fresh);
    }
    *m_dropped = std::move(fresh);
}

void EngineWorker::rescoreDropped()
{
    if (!m_profile || !m_dropped || m_dropped->sampleCount() == 0)
        return;
    std::vector<std::string> profileLayers;
    for (const LayerInfo& layer : m_profile->layers())
        profileLayers.push_back(layer.name);
    if (m_dropped->layerNames != profileLayers) {
        std::vector<std::string> tapped;
        for (const LayerInfo& layer : m_model->tappedLayers())
            tapped.push_back(layer.name);
        if (tapped != profileLayers)
            return;  // mid-fit with other layers: scored when the profile and the taps agree again
        recomputeDroppedStates();
    }
    auto out = std::make_shared<DroppedScores>();
    out->generation = m_generation;
    out->scores = m_profile->score(*m_dropped);
    out->explanations.reserve(m_dropped->sampleCount());
    for (std::size_t i = 0; i < m_dropped->sampleCount(); ++i)
        out->explanations.push_back(m_profile->explain(*m_dropped, i));
    // m_heldoutSorted belongs to the last snapshot, which was made with the profile as it is now.
    for (double score : out->scores.total)
        out->percentileInHeldout.push_back(percentileBelow(m_heldoutSorted, score));
    out->baselines = nac::engine::baselineScores(m_dropped->logits, m_dropped->classCount);
    Q_EMIT droppedScoresReady(out);
}

void EngineWorker::applyPendingParams()
{
    std::optional<ParamMailbox::Request> request = m_mailbox->take();
    if (!request)
        return;
    try {
        auto paramsFor = [&](const std::string& name, const LayerParams& current) {
            for (int i = 0; i < request->layers.size(); ++i)
                if (request->layers[i].toStdString() == name && std::size_t(i) < request->params.size())
                    return request->params[std::size_t(i)];
            return current;
        };
        if (m_fit)
            for (std::size_t l = 0; l < m_fit->layers.size(); ++l)
                m_fit->params[l] = paramsFor(m_fit->layers[l].name, m_fit->params[l]);
        if (!m_profile)
            return;
        std::vector<LayerParams> params = m_profile->allParams();
        for (std::size_t l = 0; l < params.size(); ++l) {
            params[l] = paramsFor(m_profile->layers()[l].name, params[l]);
            nac::engine::validateLayerParams(m_profile->layers()[l].name, params[l]);
        }
        QElapsedTimer timer;
        timer.start();
        const ParamChange change = m_profile->setAllParams(params);
        const double rebinMs = double(timer.nsecsElapsed()) / 1e6;
        if (change == ParamChange::None)
            return;
        emitSnapshot(SnapshotReason::ParamsChanged, change, rebinMs);
        rescoreDropped();
        reevaluateSets(request->postedNs);
        Q_EMIT paramsApplied(double(nowNs() - request->postedNs) / 1e6, rebinMs);
    } catch (const std::exception& e) {
        Q_EMIT warning(tr("Parameters not applied: %1").arg(QString::fromLocal8Bit(e.what())));
    } catch (...) {
        Q_EMIT warning(tr("Parameters not applied: unexpected error."));
    }
}

void EngineWorker::scoreImages(int jobId, const QStringList& paths, const nac::engine::CancelToken& token)
{
    QElapsedTimer timer;  // progress and the decoding time the results report
    timer.start();
    runJob(jobId, JobKind::ScoreImages,
        [&]() -> QString {
            if (!m_model)
                throw nac::engine::badInput("no model is loaded: open one with File > Open Model before scoring images");
            if (paths.isEmpty())
                throw nac::engine::badInput("no image files were given");
            std::vector<std::string> files;
            for (const QString& path : paths)
                files.push_back(path.toStdString());
            std::unique_ptr<nac::engine::Dataset> dataset = nac::engine::openImageFiles(files);
            const nac::engine::InputSpec spec = m_model->inputSpec();
            const std::size_t perImage = spec.valuesPerImage();

            if (!m_dropped)
                m_dropped = std::make_unique<SampleSet>(m_model->emptySampleSet());
            if (m_dropped->layerNames != m_model->emptySampleSet().layerNames)
                recomputeDroppedStates();

            auto scored = std::make_shared<ScoredImages>();
            scored->batchId = ++m_batchId;
            scored->items.resize(files.size());
            std::vector<float> pixels;
            std::vector<std::size_t> goodItems;
            int failed = 0;
            int converted = 0;
            qint64 lastProgress = -kProgressIntervalNs;
            for (std::size_t i = 0; i < files.size(); ++i) {
                if (nac::engine::isCanceled(token))
                    throw Error(ErrorKind::Canceled, "canceled");
                ScoredItem& item = scored->items[i];
                item.source = paths[int(i)];
                item.name = QFileInfo(paths[int(i)]).fileName();
                std::vector<float> buffer(perImage);
                std::string note;
                try {
                    dataset->load(i, spec, buffer.data(), &note);
                    item.ok = true;
                    item.notice = fromStd(note);
                    if (!note.empty())
                        ++converted;
                    pixels.insert(pixels.end(), buffer.begin(), buffer.end());
                    goodItems.push_back(i);
                } catch (const Error& e) {
                    if (e.kind() == ErrorKind::Canceled)
                        throw;
                    item.ok = false;
                    // The engine names the full path; the row already shows the file.
                    item.notice = fromStd(e.what());
                    const QString full = QString::fromStdString(files[i]);
                    if (item.notice.startsWith(full))
                        item.notice = item.name + item.notice.mid(full.size());
                    ++failed;
                }
                if (item.ok)
                    item.thumbnail = makeThumbnail(item.source);
                const qint64 now = timer.nsecsElapsed();
                if (now - lastProgress >= kProgressIntervalNs) {
                    lastProgress = now;
                    JobProgress p;
                    p.jobId = jobId;
                    p.kind = JobKind::ScoreImages;
                    p.stage = QStringLiteral("score");
                    p.imagesDone = std::int64_t(i);
                    p.imagesTotal = std::int64_t(files.size());
                    p.elapsedSeconds = double(now) / 1e9;
                    p.imagesPerSecond = p.elapsedSeconds > 0 ? double(i) / p.elapsedSeconds : 0.0;
                    p.etaSeconds = p.imagesPerSecond > 0 ? double(files.size() - i) / p.imagesPerSecond : 0.0;
                    Q_EMIT progress(p);
                }
            }

            // The model, in batches; a batch the model rejects (NaN states) marks its images failed.
            const std::size_t base = m_dropped->sampleCount();
            std::size_t added = 0;
            for (std::size_t begin = 0; begin < goodItems.size(); begin += kScoreBatchImages) {
                if (nac::engine::isCanceled(token))
                    throw Error(ErrorKind::Canceled, "canceled");
                const std::size_t end = std::min(goodItems.size(), begin + kScoreBatchImages);
                std::vector<int> labels(end - begin, -1);
                std::vector<std::string> sources;
                for (std::size_t k = begin; k < end; ++k)
                    sources.push_back(files[goodItems[k]]);
                SampleSet part = m_model->emptySampleSet();
                try {
                    m_model->computeStates(pixels.data() + begin * perImage, int(end - begin), labels, sources, part);
                } catch (const Error& e) {
                    if (e.kind() != ErrorKind::BadInput)
                        throw;
                    for (std::size_t k = begin; k < end; ++k) {
                        ScoredItem& item = scored->items[goodItems[k]];
                        item.ok = false;
                        item.notice = tr("the model could not score it: %1").arg(fromStd(e.what()));
                        ++failed;
                    }
                    continue;
                }
                for (std::size_t k = begin; k < end; ++k) {
                    ScoredItem& item = scored->items[goodItems[k]];
                    const std::size_t sample = k - begin;
                    item.sampleIndex = int(base + added + sample);
                    item.predictedClass = part.predictedClass(sample);
                    if (m_modelInfo && item.predictedClass >= 0 && item.predictedClass < m_modelInfo->classNames.size())
                        item.predictedLabel = m_modelInfo->classNames[item.predictedClass];
                    item.probability = nac::engine::maxSoftmax(part.logitRow(sample), part.classCount);
                    m_droppedSources.push_back(files[goodItems[k]]);
                }
                m_droppedPixels.insert(m_droppedPixels.end(), pixels.begin() + std::ptrdiff_t(begin * perImage),
                                       pixels.begin() + std::ptrdiff_t(end * perImage));
                added += part.sampleCount();
                m_dropped->append(part);
            }
            scored->loadMs = double(timer.nsecsElapsed()) / 1e6;
            Q_EMIT imagesScored(scored);
            rescoreDropped();

            const int good = int(files.size()) - failed;
            QString text = tr("Scored %n image(s)", nullptr, good);
            if (failed > 0)
                text += tr("; %n could not be used", nullptr, failed);
            if (converted > 0)
                text += tr("; %n converted to fit the model's input", nullptr, converted);
            if (!m_profile)
                text += tr("; scores follow when the fit has its first images");
            return text + QLatin1Char('.');
        });
}

void EngineWorker::clearScoredImages()
{
    m_dropped.reset();
    m_droppedPixels.clear();
    m_droppedSources.clear();
}

void EngineWorker::explainDroppedImage(const ExplainRequest& request)
{
    std::shared_ptr<const ImageExplanation> result;
    auto refuse = [&](const QString& why) {
        auto out = std::make_shared<ImageExplanation>();
        out->request = request;
        out->error = why;
        result = out;
    };
    try {
        const std::size_t perImage = m_model ? m_model->inputSpec().valuesPerImage() : 0;
        if (!m_model || !m_profile)
            refuse(tr("No coverage profile yet: fit one (F5) or open one, then explain the image."));
        else if (m_fit)
            refuse(tr("A fit is running; the image can be explained when it has ended."));
        else if (!request.identity.isEmpty()) {
            // A workbench set's image: opened again from its identity and prepared as dropped
            // images are (Dataset::load with the model's input spec), so its scores are the set's.
            std::unique_ptr<nac::engine::Dataset> image;
            std::vector<float> pixels(perImage);
            QString problem;
            try {
                image = nac::engine::openSampleIdentity(request.identity.toStdString());
                image->load(0, m_model->inputSpec(), pixels.data());
            } catch (const std::exception& e) {
                problem = QString::fromLocal8Bit(e.what());
            }
            if (!problem.isEmpty()) {
                // openSampleIdentity names the image; a reader's message may not.
                refuse(problem.contains(request.identity) ? problem : tr("cannot read the image %1: %2").arg(request.identity, problem));
            } else {
                tapProfileLayers();
                result = nac::app::explainImage(*m_model, *m_profile, pixels.data(), request.identity, request);
            }
        } else if (request.sampleIndex < 0 || std::size_t(request.sampleIndex) >= m_droppedSources.size()
                 || (std::size_t(request.sampleIndex) + 1) * perImage > m_droppedPixels.size())
            refuse(tr("That image is no longer among the scored images; score it again."));
        else {
            tapProfileLayers();
            result = nac::app::explainImage(*m_model, *m_profile, m_droppedPixels.data() + std::size_t(request.sampleIndex) * perImage,
                                            QString::fromStdString(m_droppedSources[std::size_t(request.sampleIndex)]), request);
        }
    } catch (const std::exception& e) {
        refuse(QString::fromLocal8Bit(e.what()));
    } catch (...) {
        refuse(tr("unexpected error while explaining the image"));
    }
    Q_EMIT explanationReady(result);
}

void EngineWorker::saveProfile(int jobId, const QString& path)
{
    runJob(jobId, JobKind::SaveProfile,
        [&]() -> QString {
            if (!m_profile)
                throw nac::engine::badInput("there is no profile to save yet: fit one first (F5)");
            if (m_fit)
                throw nac::engine::badInput("a fit is running; save the profile when it is done, or cancel it first");
            nac::engine::saveProfile(*m_profile, path.toStdString());
            return tr("Saved the profile to %1.").arg(path);
        });
}

void EngineWorker::loadProfile(int jobId, const QString& path)
{
    runJob(jobId, JobKind::LoadProfile,
        [&]() -> QString {
            CoverageProfile profile = nac::engine::loadProfile(path.toStdString());
            // The views re-bin live and show the fit images' firing shares: both need raw products.
            if (profile.fitCache() == nac::engine::FitCache::Histograms)
                throw nac::engine::badInput("profile " + path.toStdString() + " keeps histograms only (fitted with `nac fit --cache "
                                            "histograms`); NAC Studio re-bins live and needs the raw products: fit it with "
                                            "--cache exact, or use it with nac score, eval and merge");
            // Scores are only comparable with the preprocessing the fit used: the model runs
            // with the profile's input spec (older profiles without one keep the model's).
            const nac::engine::InputSpec* fitted = profile.hasInput ? &profile.input : nullptr;
            const bool sameModel = m_model && m_model->sha256() == profile.modelSha256;
            if (!sameModel || (fitted && m_model->inputSpec() != *fitted)) {
                // The open model with other preprocessing, or the profile's own model, when it is
                // still where it was fitted.
                const QString modelPath = sameModel ? fromStd(m_model->path()) : fromStd(profile.modelPath);
                if (modelPath.isEmpty() || !QFileInfo(modelPath).isFile()) {
                    if (m_model)
                        nac::engine::checkProfileMatchesModel(profile, m_model->sha256(), m_model->path());
                    throw nac::engine::badInput("profile " + path.toStdString() + " was fitted on model "
                                                + profile.modelPath + ", which cannot be found; open that model first");
                }
                const QString device = m_modelInfo ? m_modelInfo->device : QStringLiteral("cpu");
                std::unique_ptr<nac::engine::Model> model =
                    nac::engine::Model::load(modelPath.toStdString(), device.toStdString(), fitted);
                nac::engine::checkProfileMatchesModel(profile, model->sha256(), model->path());
                std::shared_ptr<ModelInfo> info = makeModelInfo(*model, modelPath);
                if (m_fit)
                    finishFit(JobOutcome::Canceled, tr("A profile was loaded."));
                m_model = std::move(model);
                m_modelInfo = info;
                m_dropped.reset();
                m_droppedPixels.clear();
                m_droppedSources.clear();
                if (!m_evaluator->isEmpty()) {
                    m_evaluator->clear();
                    Q_EMIT evaluationReady(std::make_shared<EvaluationResults>());
                }
                Q_EMIT modelLoaded(m_modelInfo);
            } else if (m_fit) {
                finishFit(JobOutcome::Canceled, tr("A profile was loaded."));
            }
            m_profile = std::make_unique<CoverageProfile>(std::move(profile));
            m_firingCache.clear();
            tapProfileLayers();
            emitSnapshot(SnapshotReason::ProfileLoaded, ParamChange::Rebinned, 0.0);
            rescoreDropped();
            reevaluateSets();
            return tr("Loaded the profile %1 (%2 fit images, %3 layers).")
                .arg(QFileInfo(path).fileName())
                .arg(m_profile->fitSamples().sampleCount())
                .arg(m_profile->layerCount());
        });
}

// --- evaluation workbench ---

void EngineWorker::reevaluateSets(qint64 paramPostedNs)
{
    if (!m_profile || m_evaluator->isEmpty())
        return;
    // Called from slots too (removal, role change): nothing may escape.
    try {
        std::shared_ptr<EvaluationResults> results = m_evaluator->evaluate(*m_profile, m_generation);
        results->paramPostedNs = paramPostedNs;
        Q_EMIT evaluationReady(results);
    } catch (const std::exception& e) {
        Q_EMIT warning(tr("The evaluation sets could not be scored: %1").arg(QString::fromLocal8Bit(e.what())));
    } catch (...) {
        Q_EMIT warning(tr("The evaluation sets could not be scored: unexpected error."));
    }
}

void EngineWorker::evaluateSets(int jobId, const QList<EvaluationSetRequest>& requests, const nac::engine::CancelToken& token)
{
    runJob(jobId, JobKind::EvaluateSets,
        [&]() -> QString {
            if (!m_model)
                throw nac::engine::badInput("no model is loaded: open one with File > Open Model first");
            if (!m_profile)
                throw nac::engine::badInput("there is no profile yet: fit one (F5) or open one before evaluating sets");
            if (m_fit)
                throw nac::engine::badInput("a fit is running; add the sets when it is done, or cancel it first");
            if (requests.isEmpty())
                throw nac::engine::badInput("no set was given");
            tapProfileLayers();
            QElapsedTimer timer;
            timer.start();
            int added = 0;
            QStringList names;
            try {
                for (int r = 0; r < requests.size(); ++r) {
                    const EvaluationSetRequest& request = requests[r];
                    if (nac::engine::isCanceled(token))
                        throw Error(ErrorKind::Canceled, "canceled");
                    nac::engine::RunOptions options;
                    options.threads = m_threads;
                    options.cancel = token;
                    options.stage = request.name.toStdString();
                    qint64 lastProgressNs = -kProgressIntervalNs;
                    const QString stage = requests.size() > 1 ? tr("%1 (set %2 of %3)").arg(request.name).arg(r + 1).arg(requests.size())
                                                              : request.name;
                    options.progress = [&](const nac::engine::Progress& p) {
                        const qint64 now = timer.nsecsElapsed();
                        if (now - lastProgressNs < kProgressIntervalNs && p.itemsDone < p.itemsTotal)
                            return;
                        lastProgressNs = now;
                        JobProgress out;
                        out.jobId = jobId;
                        out.kind = JobKind::EvaluateSets;
                        out.stage = stage;
                        out.imagesDone = std::int64_t(p.itemsDone);
                        out.imagesTotal = std::int64_t(p.itemsTotal);
                        out.elapsedSeconds = double(now) / 1e9;
                        out.imagesPerSecond = p.itemsPerSecond;
                        out.etaSeconds = p.etaSeconds;
                        Q_EMIT progress(out);
                    };
                    QStringList skipped;
                    options.warning = [&skipped](const std::string& text) { skipped.append(fromStd(text)); };
                    std::vector<std::string> notes;
                    options.note = [&notes](const std::string& text) { notes.push_back(text); };
                    try {
                        m_evaluator->add(request, *m_model, options, notes);
                    } catch (const Error& e) {
                        if (e.kind() == ErrorKind::Canceled || requests.size() == 1)
                            throw;
                        // One bad set among several: say why, go on with the others.
                        Q_EMIT warning(tr("Set %1 not evaluated: %2").arg(request.name, fromStd(e.what())));
                        continue;
                    }
                    for (const std::string& text : notes)
                        Q_EMIT warning(tr("%1: %2").arg(request.name, fromStd(text)));
                    if (!skipped.isEmpty())
                        Q_EMIT warning(tr("%1: skipped %2 unreadable image(s); the first: %3")
                                           .arg(request.name)
                                           .arg(skipped.size())
                                           .arg(skipped.front()));
                    ++added;
                    names.append(request.name);
                }
            } catch (const Error& e) {
                if (e.kind() == ErrorKind::Canceled && added > 0)
                    reevaluateSets();  // what was done before the cancel stays
                throw;
            }
            reevaluateSets();
            if (added == 0)
                throw nac::engine::badInput("none of the sets could be evaluated");
            return tr("Evaluated %1 in %2 s.").arg(names.join(QStringLiteral(", "))).arg(double(timer.elapsed()) / 1000.0, 0, 'f', 1);
        });
}

void EngineWorker::removeEvaluationSet(const QString& name)
{
    if (!m_evaluator->remove(name))
        return;
    if (m_evaluator->isEmpty())
        Q_EMIT evaluationReady(std::make_shared<EvaluationResults>());
    else
        reevaluateSets();
}

void EngineWorker::setEvaluationRole(const QString& name, int role)
{
    if (role != int(SetRole::InD) && role != int(SetRole::Ood))
        return;
    if (m_evaluator->setRole(name, SetRole(role)))
        reevaluateSets();
}

void EngineWorker::runNacMe(int jobId, const NacMeRequest& request, const nac::engine::CancelToken& token)
{
    runJob(jobId, JobKind::NacMe,
        [&]() -> QString {
            QElapsedTimer timer;
            timer.start();
            qint64 lastNs = -kProgressIntervalNs;
            auto onProgress = [&](const nac::engine::Progress& p) {
                const qint64 now = timer.nsecsElapsed();
                if (now - lastNs < kProgressIntervalNs && p.itemsDone < p.itemsTotal)
                    return;
                lastNs = now;
                JobProgress out;
                out.jobId = jobId;
                out.kind = JobKind::NacMe;
                out.stage = fromStd(p.stage);
                out.imagesDone = std::int64_t(p.itemsDone);
                out.imagesTotal = std::int64_t(p.itemsTotal);
                out.elapsedSeconds = double(now) / 1e9;
                out.imagesPerSecond = out.elapsedSeconds > 0 ? double(p.itemsDone) / out.elapsedSeconds : 0.0;
                out.etaSeconds = out.imagesPerSecond > 0 ? double(p.itemsTotal - p.itemsDone) / out.imagesPerSecond : 0.0;
                Q_EMIT progress(out);
            };
            auto onNote = [this](const std::string& text) { Q_EMIT warning(fromStd(text)); };
            auto series = std::make_shared<const NacMeSeries>(computeNacMeSeries(request, token, onProgress, onNote));
            Q_EMIT nacMeReady(series);
            return tr("NAC-ME: G of %n checkpoint(s) on %1 images.", nullptr, int(series->checkpoints.size()))
                .arg(series->samplesPlanned);
        });
}

}  // namespace nac::app
