// Atomic file saving (POSIX: open O_EXCL, write, fsync, rename, fsync of the folder) and the
// registry of temporary files in progress that a signal handler can remove.
#include "engine/atomic_file.h"

#include "engine/error.h"
#include "engine/number_text.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nac::engine {
namespace {

namespace fs = std::filesystem;

// Saves in progress at once (one per thread that saves; more are saved but not registered).
constexpr int kRegistrySlots = 16;
constexpr std::size_t kRegistryPathBytes = 4096;

struct RegistrySlot {
    std::atomic<bool> used{false};
    char path[kRegistryPathBytes] = {};
};

RegistrySlot g_registry[kRegistrySlots];
std::mutex g_registryMutex;  // claiming a slot; removal from a signal handler reads without it

// Registers a temporary path for removeTemporaryFilesInProgress() while it exists.
class RegisteredTemporary {
public:
    explicit RegisteredTemporary(const std::string& path)
    {
        if (path.size() >= kRegistryPathBytes)
            return;
        std::lock_guard<std::mutex> lock(g_registryMutex);
        for (RegistrySlot& slot : g_registry) {
            if (!slot.used.load(std::memory_order_relaxed)) {
                std::memcpy(slot.path, path.c_str(), path.size() + 1);
                slot.used.store(true, std::memory_order_release);
                m_slot = &slot;
                return;
            }
        }
    }
    ~RegisteredTemporary()
    {
        if (m_slot) {
            std::lock_guard<std::mutex> lock(g_registryMutex);
            m_slot->used.store(false, std::memory_order_release);
        }
    }
    RegisteredTemporary(const RegisteredTemporary&) = delete;
    RegisteredTemporary& operator=(const RegisteredTemporary&) = delete;

private:
    RegistrySlot* m_slot = nullptr;
};

fs::path folderOf(const fs::path& target)
{
    return target.has_parent_path() ? target.parent_path() : fs::path(".");
}

std::string temporaryPrefix(const fs::path& target) { return target.filename().string() + ".tmp-"; }

fs::path uniqueTemporaryPath(const fs::path& target)
{
    static std::mutex mutex;
    static std::mt19937_64 generator{std::random_device{}() ^ std::uint64_t(::getpid())
                                     ^ std::uint64_t(std::chrono::steady_clock::now().time_since_epoch().count())};
    std::uint64_t random = 0;
    {
        std::lock_guard<std::mutex> lock(mutex);
        random = generator();
    }
    char suffix[24];
    std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(random));
    return folderOf(target) / (temporaryPrefix(target) + std::to_string(::getpid()) + "-" + suffix);
}

std::string describeErrno(int code) { return std::strerror(code); }

void syncFolder(const fs::path& folder)
{
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);  // best effort: some file systems refuse fsync on folders
        ::close(fd);
    }
}

// Syncs a written file and renames it over target; throws naming what and target.
void commit(const fs::path& temporary, const fs::path& target, const std::string& what)
{
    const int fd = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        const int code = errno;
        if (fd >= 0)
            ::close(fd);
        throw badInput("cannot write " + what + " " + target.string() + ": " + describeErrno(code));
    }
    ::close(fd);
    if (::rename(temporary.c_str(), target.c_str()) != 0)
        throw badInput("cannot save " + what + " " + target.string() + ": " + describeErrno(errno));
    syncFolder(folderOf(target));
}

void saveThrough(const std::string& path, const std::function<void(const fs::path&)>& write, const std::string& what)
{
    const fs::path target(path);
    std::error_code error;
    if (fs::is_directory(target, error))
        throw badInput("cannot write " + what + " " + path + ": it is a folder; give a file name");
    removeStaleTemporaries(path);
    const fs::path temporary = uniqueTemporaryPath(target);
    RegisteredTemporary registered(temporary.string());
    try {
        write(temporary);
        commit(temporary, target, what);
    } catch (...) {
        ::unlink(temporary.c_str());
        throw;
    }
}

}  // namespace

void writeFileAtomically(const std::string& path, std::string_view bytes, const std::string& what)
{
    saveThrough(
        path,
        [&](const fs::path& temporary) {
            const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (fd < 0) {
                const int code = errno;
                throw badInput("cannot write " + what + " " + path + ": " + describeErrno(code)
                               + (code == ENOENT ? " (the folder does not exist)" : ""));
            }
            std::size_t done = 0;
            while (done < bytes.size()) {
                const ssize_t wrote = ::write(fd, bytes.data() + done, bytes.size() - done);
                if (wrote < 0 && errno == EINTR)
                    continue;
                if (wrote <= 0) {
                    const int code = wrote < 0 ? errno : ENOSPC;
                    ::close(fd);
                    throw badInput("cannot write " + what + " " + path + ": " + describeErrno(code));
                }
                done += std::size_t(wrote);
            }
            if (::close(fd) != 0)
                throw badInput("cannot write " + what + " " + path + ": " + describeErrno(errno));
        },
        what);
}

void saveFileAtomically(const std::string& path, const std::function<void(const std::string& temporaryPath)>& write,
                        const std::string& what)
{
    saveThrough(path, [&](const fs::path& temporary) { write(temporary.string()); }, what);
}

void removeTemporaryFilesInProgress() noexcept
{
    for (RegistrySlot& slot : g_registry)
        if (slot.used.load(std::memory_order_acquire))
            ::unlink(slot.path);
}

void removeStaleTemporaries(const std::string& path)
{
    const fs::path target(path);
    const std::string prefix = temporaryPrefix(target);
    std::error_code error;
    fs::directory_iterator it(folderOf(target), error);
    if (error)
        return;
    const auto now = fs::file_time_type::clock::now();
    for (const fs::directory_entry& entry : it) {
        const std::string name = entry.path().filename().string();
        if (name.compare(0, prefix.size(), prefix) != 0 || !entry.is_regular_file(error))
            continue;
        // "<pid>-<random>" now; "<random>" in files of versions before this one (age only).
        bool ownerGone = false;
        const std::string rest = name.substr(prefix.size());
        const std::size_t dash = rest.find('-');
        if (dash != std::string::npos) {
            const std::optional<long long> pid = parseInteger(std::string_view(rest).substr(0, dash));
            if (pid && *pid > 0 && *pid <= 0x7fffffff && *pid != ::getpid())
                ownerGone = ::kill(pid_t(*pid), 0) != 0 && errno == ESRCH;
        }
        const auto modified = entry.last_write_time(error);
        const bool old = !error && now - modified > std::chrono::seconds(kStaleTemporaryAgeSeconds);
        if (ownerGone || old)
            fs::remove(entry.path(), error);
    }
}

}  // namespace nac::engine
