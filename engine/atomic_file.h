// Atomic saving of every file NAC Studio writes (profiles, score CSVs, JSON reports, models):
// a unique temporary file in the target's folder, written, synced, then renamed over the target.
// A failed or interrupted save never destroys or half-writes the previous file.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace nac::engine {

// Temporary files are named "<target file name>.tmp-<pid>-<random>" in the target's folder.
// Stale ones (their process is gone, or older than this) are removed by the next save of the
// same target, e.g. those of a `nac fit` that was killed while writing.
constexpr int kStaleTemporaryAgeSeconds = 3600;

// Writes bytes to path atomically: temporary file, write, fsync, rename over path, fsync of the
// folder. what names the file's kind for messages ("profile", "scores CSV"). Throws
// Error(BadInput) naming what and path when it cannot be written (missing or read-only folder,
// full disk); the temporary file is removed and any previous file at path is untouched.
// Thread-safe; may be called from several threads for different paths.
void writeFileAtomically(const std::string& path, std::string_view bytes, const std::string& what);

// The same for a writer that can only write to a file name (LibTorch's Module::save): write is
// called with the temporary path and must create that file; then it is synced and renamed. An
// exception from write removes the temporary file and propagates.
void saveFileAtomically(const std::string& path, const std::function<void(const std::string& temporaryPath)>& write,
                        const std::string& what);

// Removes the temporary files of the saves in progress in this process. Async-signal-safe
// (unlink(2) only, no allocation, no locks): for a SIGINT handler or watchdog right before _exit.
void removeTemporaryFilesInProgress() noexcept;

// Removes stale temporary files of path (see kStaleTemporaryAgeSeconds); errors are ignored.
// The save functions call it; public for tests.
void removeStaleTemporaries(const std::string& path);

}  // namespace nac::engine
