// ThumbnailLoader: decodes gallery thumbnails from Dataset sample identities off the GUI thread,
// a batch at a time, and hands them back by queued signal.
#pragma once

#include "engine/dataset.h"

#include <QImage>
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QThreadPool>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace nac::app {

// Lives on the GUI thread; its decoding runs on one pool thread of its own (one at a time, so the
// engine thread keeps the cores). Identities are opened as nac::engine::openSampleIdentity does;
// several images of one IDX file open the file once and keep it open for the next batch.
// The destructor waits for the batch in flight (at most a batch of kBatchSize images).
class ThumbnailLoader : public QObject {
    Q_OBJECT
public:
    static constexpr int kBatchSize = 64;

    explicit ThumbnailLoader(QObject* parent = nullptr);
    ~ThumbnailLoader() override;

    // The preprocessing thumbnails show (the model's input spec: the image as the model sees it).
    // A change forgets the open files; thumbnails already delivered stay with their owner.
    void setInputSpec(const nac::engine::InputSpec& spec);
    // Queues identity unless it is queued or being decoded already. Cheap: call it from paint code.
    void request(const QString& identity);
    bool isPending(const QString& identity) const { return m_pending.contains(identity); }
    int pendingCount() const { return int(m_pending.size()); }
    // size: the longest side of the delivered images (pixels), scaled with the aspect kept.
    void setThumbnailSize(int pixels) { m_thumbnailPx = pixels; }

Q_SIGNALS:
    // One batch: images[i] belongs to identities[i]; a null image could not be read, problems[i] says why.
    void loaded(const QStringList& identities, const QList<QImage>& images, const QStringList& problems);

private:
    struct Decoder;
    void startBatch();
    void finishBatch(const QStringList& identities, const QList<QImage>& images, const QStringList& problems);

    QThreadPool m_pool;
    std::shared_ptr<Decoder> m_decoder;    // used by the pool thread only while a batch runs
    QStringList m_queue;                   // newest last; the newest requests are decoded first
    QSet<QString> m_pending;               // queued or in flight
    bool m_running = false;
    int m_thumbnailPx = 56;
    nac::engine::InputSpec m_spec;
    std::shared_ptr<std::atomic<bool>> m_stop = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace nac::app
