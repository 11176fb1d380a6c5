// EngineController + EngineWorker without a window: progress, cancel, failures, re-binning, scoring, shutdown.
#include "app/gui/app_types.h"
#include "app/gui/engine_controller.h"
#include "app/gui/engine_worker.h"
#include "app_test_support.h"
#include "engine/data/data_source.h"
#include "engine/data/fit_plan.h"
#include "engine/profile_io.h"

#include <QDir>
#include <QElapsedTimer>
#include <QImage>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <numeric>

using nac::app::DroppedScores;
using nac::app::EngineController;
using nac::app::FitRequest;
using nac::app::JobKind;
using nac::app::JobOutcome;
using nac::app::JobProgress;
using nac::app::JobResult;
using nac::app::ProfileSnapshot;
using nac::app::ScoredImages;
using nac::app::SnapshotReason;
using SnapshotPtr = std::shared_ptr<const ProfileSnapshot>;

namespace {

constexpr int kWaitMs = 60000;
constexpr int kBatchImages = 64;  // RunOptions' default batch size

// Collects everything one controller reports, so that tests can count outcomes per job.
struct Recorder {
    explicit Recorder(EngineController& controller)
    {
        QObject::connect(&controller, &EngineController::jobFinished, [this](const JobResult& r) { results.push_back(r); });
        QObject::connect(&controller, &EngineController::progress, [this](const JobProgress& p) { progress.push_back(p); });
        QObject::connect(&controller, &EngineController::snapshotReady,
                         [this](const SnapshotPtr& s) { snapshots.push_back(s); });
        QObject::connect(&controller, &EngineController::imagesScored,
                         [this](const std::shared_ptr<const ScoredImages>& s) { scored.push_back(s); });
        QObject::connect(&controller, &EngineController::droppedScoresReady,
                         [this](const std::shared_ptr<const DroppedScores>& s) { dropped.push_back(s); });
    }
    int outcomesFor(int jobId) const
    {
        return int(std::count_if(results.begin(), results.end(), [jobId](const JobResult& r) { return r.jobId == jobId; }));
    }
    const JobResult* resultFor(int jobId) const
    {
        for (const JobResult& r : results)
            if (r.jobId == jobId)
                return &r;
        return nullptr;
    }
    bool waitFor(int jobId, int timeoutMs = kWaitMs)
    {
        QElapsedTimer timer;
        timer.start();
        while (outcomesFor(jobId) == 0 && timer.elapsed() < timeoutMs)
            QTest::qWait(5);
        return outcomesFor(jobId) > 0;
    }
    std::vector<JobResult> results;
    std::vector<JobProgress> progress;
    std::vector<SnapshotPtr> snapshots;
    std::vector<std::shared_ptr<const ScoredImages>> scored;
    std::vector<std::shared_ptr<const DroppedScores>> dropped;
};

FitRequest requestFor(const std::vector<std::string>& layers, int samples, int heldout)
{
    FitRequest request;
    for (const std::string& layer : layers) {
        request.layers.append(QString::fromStdString(layer));
        request.params.push_back(nac::engine::LayerParams{});
    }
    request.sampleCount = samples;
    request.heldoutCount = heldout;
    request.seed = 1;
    request.chunkSize = 128;
    return request;
}

// 32-bit CRC of PNG chunks (ISO 3309), for a hand-made header.
quint32 crc32(const QByteArray& data)
{
    quint32 crc = 0xffffffffu;
    for (char byte : data) {
        crc ^= quint8(byte);
        for (int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

// A PNG whose header says width x height, followed by no real image data: refused before decoding.
QByteArray hugePngHeader(quint32 width, quint32 height)
{
    QByteArray png("\x89PNG\r\n\x1a\n", 8);
    QByteArray ihdr("IHDR");
    for (quint32 v : {width, height})
        for (int shift = 24; shift >= 0; shift -= 8)
            ihdr.append(char((v >> shift) & 0xff));
    ihdr.append(char(8)).append(char(0)).append(char(0)).append(char(0)).append(char(0));
    const quint32 length = 13;
    for (int shift = 24; shift >= 0; shift -= 8)
        png.append(char((length >> shift) & 0xff));
    png.append(ihdr);
    const quint32 crc = crc32(ihdr);
    for (int shift = 24; shift >= 0; shift -= 8)
        png.append(char((crc >> shift) & 0xff));
    png.append(QByteArray(64, '\0'));
    return png;
}

}  // namespace

class TestEngineWorker : public QObject {
    Q_OBJECT

private:
    QString m_model;
    std::vector<std::string> m_layers;
    QTemporaryDir m_dir;

    // A controller with the test model and a noise data set loaded.
    void loadInto(EngineController& controller, Recorder& recorder, const QString& data)
    {
        const int model = controller.loadModel(m_model, QStringLiteral("cpu"));
        const int dataset = controller.openDataset(data);
        QVERIFY(recorder.waitFor(model));
        QVERIFY(recorder.waitFor(dataset));
        QCOMPARE(recorder.resultFor(model)->outcome, JobOutcome::Completed);
        QCOMPARE(recorder.resultFor(dataset)->outcome, JobOutcome::Completed);
    }

private Q_SLOTS:
    void initTestCase()
    {
        nac::app::registerMetaTypes();
        m_model = nac::app::test::testModel(QStringLiteral("helper_method.pt"));
        if (!QFileInfo::exists(m_model))
            QSKIP("test model helper_method.pt is missing: run `ctest -R make_test_models` first");
        m_layers = {"body", "body.3", "pool"};
        QVERIFY(m_dir.isValid());
    }

    void progressSnapshotsAndOneOutcome()
    {
        EngineController controller;
        Recorder recorder(controller);
        loadInto(controller, recorder, QStringLiteral("noise:uniform:2000:seed=5"));
        const int fit = controller.startFit(requestFor(m_layers, 600, 200));
        QVERIFY(recorder.waitFor(fit));
        QTest::qWait(200);
        QCOMPARE(recorder.outcomesFor(fit), 1);
        QCOMPARE(recorder.resultFor(fit)->outcome, JobOutcome::Completed);

        std::vector<JobProgress> fitProgress;
        for (const JobProgress& p : recorder.progress)
            if (p.jobId == fit)
                fitProgress.push_back(p);
        QVERIFY2(fitProgress.size() >= 3, qPrintable(QString::number(fitProgress.size())));
        for (std::size_t i = 1; i < fitProgress.size(); ++i)
            QVERIFY(fitProgress[i].imagesDone >= fitProgress[i - 1].imagesDone);
        QCOMPARE(fitProgress.back().imagesTotal, std::int64_t(800));
        QCOMPARE(fitProgress.back().imagesDone, std::int64_t(800));
        QVERIFY(fitProgress.back().imagesPerSecond > 0);

        // Live snapshots while fitting (64, then chunks of 128), then the complete one with a threshold.
        QVERIFY(recorder.snapshots.size() >= 3);
        std::int64_t previous = 0;
        for (const SnapshotPtr& s : recorder.snapshots) {
            QVERIFY(s->fitCount >= previous);
            previous = s->fitCount;
        }
        QCOMPARE(recorder.snapshots.front()->fitCount, std::int64_t(64));
        QVERIFY(!recorder.snapshots.front()->complete);
        const SnapshotPtr last = recorder.snapshots.back();
        QVERIFY(last->complete);
        QCOMPARE(last->reason, SnapshotReason::FitDone);
        QCOMPARE(last->fitCount, std::int64_t(600));
        QCOMPARE(last->heldoutScores.size(), std::size_t(200));
        QVERIFY(std::isfinite(last->threshold));
        QCOMPARE(last->layers.size(), m_layers.size());
        for (const auto& layer : last->layers) {
            QCOMPARE(int(layer.neuronArea.size()), layer.coverage.neuronCount);
            QCOMPARE(int(layer.firingFraction.size()), layer.coverage.neuronCount);
            for (float f : layer.firingFraction)
                QVERIFY(f >= 0.0f && f <= 1.0f);
        }
        double shares = 0.0;
        for (const auto& layer : last->layers)
            shares += layer.scoreShare;
        QVERIFY(std::abs(shares - 1.0) < 1e-9);
        qInfo("fit of 600 + 200 held-out images: %.0f ms, %.0f images/s, %zu snapshots",
              recorder.resultFor(fit)->elapsedMs, fitProgress.back().imagesPerSecond, recorder.snapshots.size());
    }

    // The app fits exactly the images `nac fit` fits for the same settings (one engine plan), in
    // the same order, and tells in the message bar what the plan and the folder left out.
    void fitUsesTheSharedPlanAndTellsNotes()
    {
        const QString folder = m_dir.filePath(QStringLiteral("plan_classes"));
        for (int c = 0; c < 3; ++c) {
            QVERIFY(QDir().mkpath(folder + QStringLiteral("/%1").arg(c)));
            for (int i = 0; i < 4; ++i) {
                QImage image(28, 28, QImage::Format_Grayscale8);
                image.fill(uchar(20 * c + 5 * i));
                QVERIFY(image.save(folder + QStringLiteral("/%1/i%2.png").arg(c).arg(i)));
            }
        }
        QFile gif(folder + QStringLiteral("/0/anim.gif"));
        QVERIFY(gif.open(QIODevice::WriteOnly));
        gif.write("GIF89a");
        gif.close();

        EngineController controller;
        Recorder recorder(controller);
        QStringList warnings;
        connect(&controller, &EngineController::warning, this, [&warnings](const QString& text) { warnings << text; });
        loadInto(controller, recorder, folder);
        const int fit = controller.startFit(requestFor(m_layers, 7, 3));
        QVERIFY(recorder.waitFor(fit));
        QCOMPARE(recorder.resultFor(fit)->outcome, JobOutcome::Completed);
        const QString path = m_dir.filePath(QStringLiteral("plan.nacprofile"));
        const int save = controller.saveProfile(path);
        QVERIFY(recorder.waitFor(save));
        QCOMPARE(recorder.resultFor(save)->outcome, JobOutcome::Completed);

        const nac::engine::CoverageProfile profile = nac::engine::loadProfile(path.toStdString());
        const auto dataset = nac::engine::openDataset(folder.toStdString());
        nac::engine::FitPlanRequest request;
        request.sampleCount = 7;
        request.seed = 1;
        request.heldoutCount = 3;
        const nac::engine::FitPlan plan = nac::engine::planFit(*dataset, request, nullptr);
        std::vector<std::string> fitIds;
        for (std::size_t i : plan.fitIndices)
            fitIds.push_back(dataset->sampleIdentity(i));
        std::vector<std::string> heldoutIds;
        for (std::size_t i : plan.heldoutIndices)
            heldoutIds.push_back(dataset->sampleIdentity(i));
        QCOMPARE(profile.fitSamples().identities, fitIds);
        QCOMPARE(profile.heldoutSamples().identities, heldoutIds);
        QCOMPARE(profile.fitSamples().sampleCount(), std::size_t(6));  // floor(7 / 3) per class
        QVERIFY(profile.hasInput);

        const QString all = warnings.join(QLatin1Char('\n'));
        QVERIFY2(all.contains(QStringLiteral(".gif (1)")), qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("floor(7 / 3) = 2 per class")), qPrintable(all));
    }

    void cancelStopsWithinABatch()
    {
        EngineController controller;
        Recorder recorder(controller);
        loadInto(controller, recorder, QStringLiteral("noise:uniform:200000:seed=6"));
        const int fit = controller.startFit(requestFor(m_layers, 100000, 0));
        QElapsedTimer wait;
        wait.start();
        while (wait.elapsed() < kWaitMs) {
            const bool started = std::any_of(recorder.progress.begin(), recorder.progress.end(),
                                             [fit](const JobProgress& p) { return p.jobId == fit && p.imagesDone >= 2 * kBatchImages; });
            if (started)
                break;
            QTest::qWait(2);
        }
        std::int64_t doneAtCancel = 0;
        double rate = 0.0;
        for (const JobProgress& p : recorder.progress)
            if (p.jobId == fit) {
                doneAtCancel = p.imagesDone;
                rate = p.imagesPerSecond;
            }
        QVERIFY(doneAtCancel > 0);
        QElapsedTimer timer;
        timer.start();
        controller.cancelFit();
        QVERIFY(recorder.waitFor(fit, 10000));
        const double cancelMs = double(timer.nsecsElapsed()) / 1e6;
        QTest::qWait(300);
        QCOMPARE(recorder.outcomesFor(fit), 1);
        QCOMPARE(recorder.resultFor(fit)->outcome, JobOutcome::Canceled);
        std::int64_t doneAfter = doneAtCancel;
        for (const JobProgress& p : recorder.progress)
            if (p.jobId == fit)
                doneAfter = std::max(doneAfter, p.imagesDone);
        const double batchMs = rate > 0 ? 1000.0 * kBatchImages / rate : 0.0;
        qInfo("cancel: outcome after %.0f ms (one batch of %d takes about %.0f ms); %lld images done after the cancel",
              cancelMs, kBatchImages, batchMs, (long long)(doneAfter - doneAtCancel));
        // The batches in flight finish (one per worker, 2 on a CPU), plus what progress had not yet reported.
        QVERIFY(doneAfter - doneAtCancel <= 4 * kBatchImages);
        QVERIFY(cancelMs < 5000);
    }

    void failuresGiveOneFailedWithMessage_data()
    {
        QTest::addColumn<QString>("what");
        QTest::newRow("missing model") << QStringLiteral("missing model");
        QTest::newRow("not a model") << QStringLiteral("not a model");
        QTest::newRow("truncated idx") << QStringLiteral("truncated idx");
        QTest::newRow("corrupt images") << QStringLiteral("corrupt images");
        QTest::newRow("no layers") << QStringLiteral("no layers");
        QTest::newRow("fit without data") << QStringLiteral("fit without data");
    }

    void failuresGiveOneFailedWithMessage()
    {
        QFETCH(QString, what);
        EngineController controller;
        Recorder recorder(controller);
        int job = 0;
        QString expected;
        if (what == QLatin1String("missing model")) {
            job = controller.loadModel(m_dir.filePath(QStringLiteral("nowhere.pt")), QStringLiteral("cpu"));
            expected = QStringLiteral("nowhere.pt");
        } else if (what == QLatin1String("not a model")) {
            job = controller.loadModel(nac::app::test::testModel(QStringLiteral("not_a_model.pt")), QStringLiteral("cpu"));
            expected = QStringLiteral("not_a_model.pt");
        } else if (what == QLatin1String("truncated idx")) {
            QFile file(m_dir.filePath(QStringLiteral("broken-images-idx3-ubyte")));
            QVERIFY(file.open(QIODevice::WriteOnly));
            const char header[] = {0, 0, 8, 3, 0, 0, 0, 100, 0, 0, 0, 28, 0, 0, 0, 28};
            file.write(header, sizeof header);
            file.write(QByteArray(500, '\x7f'));
            file.close();
            job = controller.openDataset(file.fileName());
            expected = QStringLiteral("broken-images-idx3-ubyte");
        } else if (what == QLatin1String("corrupt images")) {
            const QString folder = m_dir.filePath(QStringLiteral("corrupt"));
            QDir().mkpath(folder);
            for (int i = 0; i < 3; ++i) {
                QFile file(QDir(folder).filePath(QStringLiteral("bad%1.png").arg(i)));
                QVERIFY(file.open(QIODevice::WriteOnly));
                file.write("\x89PNG\r\n\x1a\n this is not a png body");
            }
            loadInto(controller, recorder, folder);
            job = controller.startFit(requestFor(m_layers, 3, 0));
            expected = QStringLiteral("could be read");
        } else if (what == QLatin1String("no layers")) {
            loadInto(controller, recorder, QStringLiteral("noise:uniform:50"));
            job = controller.startFit(requestFor({}, 10, 0));
            expected = QStringLiteral("layer");
        } else {
            const int model = controller.loadModel(m_model, QStringLiteral("cpu"));
            QVERIFY(recorder.waitFor(model));
            job = controller.startFit(requestFor(m_layers, 10, 0));
            expected = QStringLiteral("data set");
        }
        QVERIFY(recorder.waitFor(job));
        QTest::qWait(200);
        QCOMPARE(recorder.outcomesFor(job), 1);
        const JobResult* result = recorder.resultFor(job);
        QCOMPARE(result->outcome, JobOutcome::Failed);
        QVERIFY2(result->message.contains(expected, Qt::CaseInsensitive), qPrintable(result->message));
        QVERIFY(!controller.isFitting());
    }

    // The mailbox keeps only the latest request, and asks for a wake-up only when it was empty.
    void mailboxKeepsTheLatest()
    {
        nac::app::ParamMailbox mailbox;
        for (int i = 1; i <= 30; ++i) {
            nac::app::ParamMailbox::Request request;
            request.layers = {QStringLiteral("layer")};
            request.params.resize(1);
            request.params[0].minActivated = double(i);
            QCOMPARE(mailbox.post(std::move(request)), i == 1);
        }
        const auto taken = mailbox.take();
        QVERIFY(taken.has_value());
        QCOMPARE(taken->params[0].minActivated, 30.0);
        QVERIFY(!mailbox.take().has_value());
        QVERIFY(mailbox.post(nac::app::ParamMailbox::Request{}));
    }

    void paramChangesRebinAndCoalesce()
    {
        EngineController controller;
        Recorder recorder(controller);
        loadInto(controller, recorder, QStringLiteral("noise:uniform:1000:seed=7"));
        const int fit = controller.startFit(requestFor(m_layers, 300, 100));
        QVERIFY(recorder.waitFor(fit));
        const SnapshotPtr fitted = recorder.snapshots.back();
        QVERIFY(fitted->complete);
        const QStringList names = fitted->layerNames();
        std::vector<nac::engine::LayerParams> params = fitted->params();

        // M on layer 0: re-binned counts from the cached raw products.
        params[0].binEdgeCount = 20;
        std::size_t before = recorder.snapshots.size();
        QSignalSpy applied(&controller, &EngineController::paramsApplied);
        controller.setParams(names, params);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.snapshots.size() > before, kWaitMs);
        SnapshotPtr rebinned = recorder.snapshots.back();
        QCOMPARE(rebinned->reason, SnapshotReason::ParamsChanged);
        QCOMPARE(rebinned->change, nac::engine::ParamChange::Rebinned);
        QVERIFY(rebinned->generation > fitted->generation);
        const auto& coverage = rebinned->layers[0].coverage;
        QCOMPARE(coverage.params.binEdgeCount, 20);
        QCOMPARE(coverage.binCount(), 19);
        QCOMPARE(coverage.counts.size(), std::size_t(19) * std::size_t(coverage.neuronCount));
        for (int n = 0; n < coverage.neuronCount; ++n) {
            std::uint64_t total = 0;
            for (int k = 0; k < coverage.binCount(); ++k)
                total += coverage.countAt(k, n);
            QVERIFY(total <= std::uint64_t(rebinned->fitCount));
        }
        QCOMPARE(rebinned->layers[1].coverage.counts, fitted->layers[1].coverage.counts);  // untouched layer
        QTRY_VERIFY(applied.count() >= 1);
        qInfo("M change: worker re-binned in %.2f ms, snapshot %.2f ms after the post",
              applied.last().at(1).toDouble(), applied.last().at(0).toDouble());

        // O only: same counts, new Phi.
        params[0].minActivated = 2.0;
        before = recorder.snapshots.size();
        controller.setParams(names, params);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.snapshots.size() > before, kWaitMs);
        const SnapshotPtr phiOnly = recorder.snapshots.back();
        QCOMPARE(phiOnly->change, nac::engine::ParamChange::PhiOnly);
        QCOMPARE(phiOnly->layers[0].coverage.counts, rebinned->layers[0].coverage.counts);
        QVERIFY(phiOnly->layers[0].coverage.phi != rebinned->layers[0].coverage.phi);

        // Latest request wins: 30 quick posts reach the worker as a few requests, ending with the
        // last. On a loaded machine the worker may take every post before the next one arrives
        // (ParamMailbox's own test checks the coalescing itself), so a burst is tried up to 3 times.
        std::size_t received = 30;
        for (int burst = 0; burst < 3 && received >= 30; ++burst) {
            before = recorder.snapshots.size();
            const double last = 30.0 + 100.0 * burst;
            for (int i = 1; i <= 30; ++i) {
                params[2].minActivated = double(i) + 100.0 * burst;
                controller.setParams(names, params);
            }
            QTRY_VERIFY_WITH_TIMEOUT(!recorder.snapshots.empty()
                                         && recorder.snapshots.back()->layers[2].coverage.params.minActivated == last,
                                     kWaitMs);
            QTest::qWait(200);
            received = recorder.snapshots.size() - before;
            qInfo("30 parameter posts produced %zu snapshots", received);
            QCOMPARE(recorder.snapshots.back()->layers[2].coverage.params.minActivated, last);
        }
        QVERIFY(received < 30);
    }

    void scoringReportsEveryFile()
    {
        EngineController controller;
        Recorder recorder(controller);
        loadInto(controller, recorder, QStringLiteral("noise:uniform:1000:seed=8"));
        const int fit = controller.startFit(requestFor(m_layers, 200, 100));
        QVERIFY(recorder.waitFor(fit));

        const QString dir = m_dir.filePath(QStringLiteral("drop"));
        QStringList files = nac::app::test::writePngs(QStringLiteral("noise:gaussian:3:seed=2"), 0, 3, dir, QStringLiteral("noise"));
        QCOMPARE(files.size(), 3);
        QImage colour(40, 30, QImage::Format_RGB32);
        colour.fill(QColor(200, 40, 40));
        files.append(QDir(dir).filePath(QStringLiteral("colour.png")));
        QVERIFY(colour.save(files.back()));
        QFile text(QDir(dir).filePath(QStringLiteral("notes.txt")));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("not an image\n");
        text.close();
        files.append(text.fileName());
        QFile huge(QDir(dir).filePath(QStringLiteral("huge.png")));
        QVERIFY(huge.open(QIODevice::WriteOnly));
        huge.write(hugePngHeader(20000, 20000));
        huge.close();
        files.append(huge.fileName());

        const int job = controller.scoreImages(files);
        QVERIFY(recorder.waitFor(job));
        QCOMPARE(recorder.resultFor(job)->outcome, JobOutcome::Completed);
        QCOMPARE(recorder.scored.size(), std::size_t(1));
        const auto& items = recorder.scored.front()->items;
        QCOMPARE(items.size(), std::size_t(6));
        for (int i = 0; i < 3; ++i) {
            QVERIFY(items[std::size_t(i)].ok);
            QCOMPARE(items[std::size_t(i)].sampleIndex, i);
            QVERIFY(!items[std::size_t(i)].thumbnail.isNull());
            QVERIFY(items[std::size_t(i)].probability > 0.0 && items[std::size_t(i)].probability <= 1.0);
        }
        QVERIFY(items[3].ok);
        QVERIFY2(items[3].notice.contains(QStringLiteral("gray")), qPrintable(items[3].notice));
        QVERIFY(!items[4].ok);
        QVERIFY(!items[4].notice.isEmpty());
        QVERIFY(!items[5].ok);
        QVERIFY2(items[5].notice.contains(QStringLiteral("20000")), qPrintable(items[5].notice));
        QTRY_VERIFY(!recorder.dropped.empty());
        const auto scores = recorder.dropped.back();
        QCOMPARE(scores->scores.total.size(), std::size_t(4));
        QCOMPARE(scores->explanations.size(), std::size_t(4));
        QCOMPARE(scores->explanations[0].neurons.size(), m_layers.size());
        for (double p : scores->percentileInHeldout)
            QVERIFY(p >= 0.0 && p <= 1.0);
        for (const QString& line : {items[4].notice, items[5].notice})
            qInfo("refused: %s", qPrintable(line));

        // A parameter change rescores the dropped images without running the model.
        const SnapshotPtr last = recorder.snapshots.back();
        std::vector<nac::engine::LayerParams> params = last->params();
        for (auto& p : params)
            p.minActivated = 1.0;
        const std::size_t before = recorder.dropped.size();
        controller.setParams(last->layerNames(), params);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.dropped.size() > before, kWaitMs);
        QCOMPARE(recorder.dropped.back()->scores.total.size(), std::size_t(4));
    }

    void shutdownDuringFitJoinsQuickly()
    {
        auto controller = std::make_unique<EngineController>();
        Recorder recorder(*controller);
        loadInto(*controller, recorder, QStringLiteral("noise:uniform:200000:seed=9"));
        const int fit = controller->startFit(requestFor(m_layers, 100000, 0));
        QTRY_VERIFY_WITH_TIMEOUT(std::any_of(recorder.progress.begin(), recorder.progress.end(),
                                             [fit](const JobProgress& p) { return p.jobId == fit && p.imagesDone > 0; }),
                                 kWaitMs);
        QElapsedTimer timer;
        timer.start();
        const bool joined = controller->shutdown(2000);
        const qint64 elapsedMs = timer.elapsed();
        qInfo("shutdown during a fit joined the engine thread in %lld ms", (long long)elapsedMs);
        QVERIFY(joined);
        QVERIFY(elapsedMs < 2000);
        controller.reset();
    }
};

QTEST_MAIN(TestEngineWorker)
#include "tst_engine_worker.moc"
