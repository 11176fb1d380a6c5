// Progress reporting and cancellation shared by every long engine job (fit, score, tune, NAC-ME).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>

namespace nac::engine {

// Set from any thread (the GUI sets it directly); the job checks it between batches and throws
// Error(ErrorKind::Canceled).
using CancelToken = std::shared_ptr<std::atomic<bool>>;

inline CancelToken makeCancelToken() { return std::make_shared<std::atomic<bool>>(false); }
inline bool isCanceled(const CancelToken& token) { return token && token->load(std::memory_order_relaxed); }

struct Progress {
    std::size_t itemsDone = 0;     // images processed so far
    std::size_t itemsTotal = 0;    // images in the whole job
    double elapsedSeconds = 0.0;
    double itemsPerSecond = 0.0;
    double etaSeconds = 0.0;
    std::string stage;             // "fit", "score", ...
    std::string unit = "images";   // what itemsDone counts
};

// Fills in rate and ETA from the counts and the elapsed time.
inline Progress makeProgress(std::size_t done, std::size_t total, double elapsedSeconds, std::string stage,
                             std::string unit = "images")
{
    Progress p;
    p.itemsDone = done;
    p.itemsTotal = total;
    p.elapsedSeconds = elapsedSeconds;
    p.itemsPerSecond = elapsedSeconds > 0 ? double(done) / elapsedSeconds : 0.0;
    p.etaSeconds = p.itemsPerSecond > 0 ? double(total - done) / p.itemsPerSecond : 0.0;
    p.stage = std::move(stage);
    p.unit = std::move(unit);
    return p;
}

// Called on the job's own thread, at most about 20 times a second plus once at the end.
using ProgressCallback = std::function<void(const Progress&)>;

// Called on the job's own thread for input that was skipped (a corrupt image among good ones).
using WarningCallback = std::function<void(const std::string&)>;
// A conversion or choice the user should know about ("note: ..." on the CLI, the message bar in the app).
using NoteCallback = std::function<void(const std::string&)>;

}  // namespace nac::engine
