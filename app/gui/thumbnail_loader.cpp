// ThumbnailLoader: gallery thumbnails decoded from sample identities on a pool thread.
#include "app/gui/thumbnail_loader.h"

#include "app/gui/image_explainer.h"
#include "engine/data/data_source.h"
#include "engine/data/sample_identity.h"

#include <QMetaObject>
#include <QRunnable>

#include <map>

namespace nac::app {

namespace {
constexpr std::size_t kOpenFilesKept = 4;
}

// Opened data sets by base ("PATH" of "PATH#INDEX"), so that a page of thumbnails from one IDX
// file reads (and decompresses) the file once. Only the pool thread touches it, one batch at a time.
struct ThumbnailLoader::Decoder {
    nac::engine::InputSpec spec;
    std::map<std::string, std::unique_ptr<nac::engine::Dataset>> opened;
    std::vector<std::string> openOrder;

    QImage decode(const std::string& identity, int thumbnailPx)
    {
        std::vector<float> pixels(spec.valuesPerImage());
        bool done = false;
        std::string base;
        std::size_t index = 0;
        if (nac::engine::splitFileIdentity(identity, base, index)) {
            auto it = opened.find(base);
            if (it == opened.end()) {
                std::unique_ptr<nac::engine::Dataset> dataset;
                try {
                    dataset = nac::engine::openDataset(base);
                } catch (const std::exception&) {
                    // openSampleIdentity below says what is wrong.
                }
                if (openOrder.size() >= kOpenFilesKept) {
                    opened.erase(openOrder.front());
                    openOrder.erase(openOrder.begin());
                }
                openOrder.push_back(base);
                it = opened.emplace(base, std::move(dataset)).first;
            }
            if (it->second && index < it->second->size()) {
                it->second->load(index, spec, pixels.data());
                done = true;
            }
        }
        if (!done)
            nac::engine::openSampleIdentity(identity)->load(0, spec, pixels.data());
        return imageFromInput(pixels.data(), spec).scaled(thumbnailPx, thumbnailPx, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    }
};

ThumbnailLoader::ThumbnailLoader(QObject* parent) : QObject(parent), m_decoder(std::make_shared<Decoder>())
{
    m_pool.setMaxThreadCount(1);
    m_pool.setObjectName(QStringLiteral("thumbnailLoader"));
    m_decoder->spec = m_spec;
}

ThumbnailLoader::~ThumbnailLoader()
{
    m_stop->store(true);
    m_pool.waitForDone();
}

void ThumbnailLoader::setInputSpec(const nac::engine::InputSpec& spec)
{
    if (spec == m_spec && spec.mean == m_spec.mean && spec.std == m_spec.std)
        return;
    m_spec = spec;
    // A new decoder: the batch in flight keeps the old one (and its result is dropped).
    m_decoder = std::make_shared<Decoder>();
    m_decoder->spec = spec;
}

void ThumbnailLoader::request(const QString& identity)
{
    if (identity.isEmpty() || m_pending.contains(identity))
        return;
    m_pending.insert(identity);
    m_queue.append(identity);
    if (!m_running)
        startBatch();
}

void ThumbnailLoader::startBatch()
{
    if (m_queue.isEmpty()) {
        m_running = false;
        return;
    }
    m_running = true;
    // The newest requests first: they are the items the user is looking at now.
    const int take = std::min(int(m_queue.size()), kBatchSize);
    QStringList batch = m_queue.mid(m_queue.size() - take);
    m_queue.resize(m_queue.size() - take);
    std::shared_ptr<Decoder> decoder = m_decoder;
    std::shared_ptr<std::atomic<bool>> stop = m_stop;
    const int thumbnailPx = m_thumbnailPx;
    m_pool.start(QRunnable::create([this, batch, decoder, stop, thumbnailPx] {
        QList<QImage> images;
        QStringList problems;
        for (const QString& identity : batch) {
            if (stop->load())
                return;
            QImage image;
            QString problem;
            try {
                image = decoder->decode(identity.toStdString(), thumbnailPx);
            } catch (const std::exception& e) {
                problem = QString::fromLocal8Bit(e.what());
            } catch (...) {
                problem = QStringLiteral("unexpected error while reading the image");
            }
            images.append(image);
            problems.append(problem);
        }
        // The destructor waits for this task, so `this` is alive; the call runs on the GUI thread.
        QMetaObject::invokeMethod(this, [this, batch, images, problems, decoder] {
            if (decoder == m_decoder)
                finishBatch(batch, images, problems);
            else
                for (const QString& identity : batch)
                    m_pending.remove(identity);  // stale preprocessing: asked again when painted
            startBatch();
        }, Qt::QueuedConnection);
    }));
}

void ThumbnailLoader::finishBatch(const QStringList& identities, const QList<QImage>& images, const QStringList& problems)
{
    for (const QString& identity : identities)
        m_pending.remove(identity);
    Q_EMIT loaded(identities, images, problems);
}

}  // namespace nac::app
