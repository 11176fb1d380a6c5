// EngineController: one long-lived engine thread, typed requests in, immutable results out.
#include "app/gui/engine_controller.h"

#include "app/gui/engine_worker.h"

#include <QDebug>
#include <QThread>

namespace nac::app {

EngineController::EngineController(QObject* parent)
    : QObject(parent)
    , m_thread(new QThread(this))
    , m_mailbox(std::make_shared<ParamMailbox>())
{
    registerMetaTypes();
    registerEvaluationMetaTypes();
    m_thread->setObjectName(QStringLiteral("nac-engine"));
    m_worker = new EngineWorker(m_mailbox);
    m_worker->moveToThread(m_thread);
    // The worker (and the Model it owns) is destroyed on the engine thread when it finishes.
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);

    connect(this, &EngineController::requestLoadModel, m_worker, &EngineWorker::loadModel);
    connect(this, &EngineController::requestOpenDataset, m_worker, &EngineWorker::openDataset);
    connect(this, &EngineController::requestFit, m_worker, &EngineWorker::startFit);
    connect(this, &EngineController::requestParams, m_worker, &EngineWorker::applyPendingParams);
    connect(this, &EngineController::requestScore, m_worker, &EngineWorker::scoreImages);
    connect(this, &EngineController::requestClearScored, m_worker, &EngineWorker::clearScoredImages);
    connect(this, &EngineController::requestSaveProfile, m_worker, &EngineWorker::saveProfile);
    connect(this, &EngineController::requestLoadProfile, m_worker, &EngineWorker::loadProfile);
    connect(this, &EngineController::requestEvaluateSets, m_worker, &EngineWorker::evaluateSets);
    connect(this, &EngineController::requestRemoveEvaluationSet, m_worker, &EngineWorker::removeEvaluationSet);
    connect(this, &EngineController::requestEvaluationRole, m_worker, &EngineWorker::setEvaluationRole);
    connect(this, &EngineController::requestExplain, m_worker, &EngineWorker::explainDroppedImage);
    connect(m_worker, &EngineWorker::explanationReady, this, &EngineController::explanationReady);
    connect(this, &EngineController::requestNacMe, m_worker, &EngineWorker::runNacMe);

    connect(m_worker, &EngineWorker::devicesFound, this, [this](const QStringList& devices) {
        m_devices = devices;
        Q_EMIT devicesFound(devices);
    });
    connect(m_worker, &EngineWorker::progress, this, &EngineController::progress);
    connect(m_worker, &EngineWorker::jobFinished, this, &EngineController::onJobFinished);
    connect(m_worker, &EngineWorker::modelLoaded, this, &EngineController::modelLoaded);
    connect(m_worker, &EngineWorker::datasetOpened, this, &EngineController::datasetOpened);
    connect(m_worker, &EngineWorker::snapshotReady, this, &EngineController::snapshotReady);
    connect(m_worker, &EngineWorker::imagesScored, this, &EngineController::imagesScored);
    connect(m_worker, &EngineWorker::droppedScoresReady, this, &EngineController::droppedScoresReady);
    connect(m_worker, &EngineWorker::warning, this, &EngineController::warning);
    connect(m_worker, &EngineWorker::paramsApplied, this, &EngineController::paramsApplied);
    connect(m_worker, &EngineWorker::evaluationReady, this, &EngineController::evaluationReady);
    connect(m_worker, &EngineWorker::nacMeReady, this, &EngineController::nacMeReady);

    m_thread->start();
    QMetaObject::invokeMethod(m_worker, &EngineWorker::initialize, Qt::QueuedConnection);
}

EngineController::~EngineController()
{
    shutdown();
}

int EngineController::nextJob()
{
    ++m_pendingJobs;
    return ++m_lastJobId;
}

int EngineController::loadModel(const QString& path, const QString& device, const QString& inputSpec)
{
    cancelFit();
    const int id = nextJob();
    Q_EMIT requestLoadModel(id, path, device, inputSpec);
    return id;
}

int EngineController::openDataset(const QString& spec)
{
    cancelFit();
    const int id = nextJob();
    Q_EMIT requestOpenDataset(id, spec);
    return id;
}

int EngineController::startFit(const FitRequest& request)
{
    cancelFit();
    m_fitToken = nac::engine::makeCancelToken();
    const int id = nextJob();
    m_fitJob = id;
    Q_EMIT requestFit(id, request, m_fitToken);
    return id;
}

void EngineController::cancelFit()
{
    if (m_fitToken)
        m_fitToken->store(true);
}

void EngineController::explainImage(const ExplainRequest& request)
{
    Q_EMIT requestExplain(request);
}

int EngineController::scoreImages(const QStringList& paths)
{
    m_scoreToken = nac::engine::makeCancelToken();
    const int id = nextJob();
    Q_EMIT requestScore(id, paths, m_scoreToken);
    return id;
}

void EngineController::cancelScoring()
{
    if (m_scoreToken)
        m_scoreToken->store(true);
}

int EngineController::evaluateSets(const QList<EvaluationSetRequest>& requests)
{
    m_evaluationToken = nac::engine::makeCancelToken();
    const int id = nextJob();
    Q_EMIT requestEvaluateSets(id, requests, m_evaluationToken);
    return id;
}

void EngineController::cancelEvaluation()
{
    if (m_evaluationToken)
        m_evaluationToken->store(true);
}

void EngineController::removeEvaluationSet(const QString& name)
{
    Q_EMIT requestRemoveEvaluationSet(name);
}

void EngineController::setEvaluationRole(const QString& name, SetRole role)
{
    Q_EMIT requestEvaluationRole(name, int(role));
}

void EngineController::clearScoredImages()
{
    Q_EMIT requestClearScored();
}

int EngineController::saveProfile(const QString& path)
{
    const int id = nextJob();
    Q_EMIT requestSaveProfile(id, path);
    return id;
}

int EngineController::loadProfile(const QString& path)
{
    cancelFit();
    const int id = nextJob();
    Q_EMIT requestLoadProfile(id, path);
    return id;
}

int EngineController::runNacMe(const NacMeRequest& request)
{
    cancelNacMe();
    m_nacMeToken = nac::engine::makeCancelToken();
    const int id = nextJob();
    Q_EMIT requestNacMe(id, request, m_nacMeToken);
    return id;
}

void EngineController::cancelNacMe()
{
    if (m_nacMeToken)
        m_nacMeToken->store(true);
}

void EngineController::setParams(const QStringList& layers, const std::vector<nac::engine::LayerParams>& params)
{
    ParamMailbox::Request request;
    request.layers = layers;
    request.params = params;
    request.postedNs = EngineWorker::nowNs();
    if (m_mailbox->post(std::move(request)))
        Q_EMIT requestParams();
}

void EngineController::onJobFinished(const JobResult& result)
{
    m_pendingJobs = std::max(0, m_pendingJobs - 1);
    if (result.jobId == m_fitJob) {
        m_fitJob = 0;
        m_fitToken.reset();
    }
    Q_EMIT jobFinished(result);
}

bool EngineController::shutdown(int timeoutMs)
{
    if (m_shutDown)
        return true;
    m_shutDown = true;
    cancelFit();
    cancelScoring();
    cancelEvaluation();
    cancelNacMe();
    // Behind whatever is queued: the running batch ends at once (token set), a fit still queued
    // ends with its one Canceled outcome, then the loop quits.
    EngineWorker* worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker,
        [worker] {
            worker->stopFit();
            QThread::currentThread()->quit();
        },
        Qt::QueuedConnection);
    if (m_thread->wait(timeoutMs))
        return true;
    qWarning("nac-studio: the engine thread did not stop within %d ms; waiting for its current batch", timeoutMs);
    if (m_thread->wait(30000))
        return false;
    // Never destroy a running QThread: leave it to the process exit.
    m_thread->setParent(nullptr);
    return false;
}

}  // namespace nac::app
