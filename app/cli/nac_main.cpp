// `nac`: the command line tool over the NAC engine. Its arguments are read by CLI11; each
// sub-command is one file in commands/ (layers, fit, score, eval, merge, me, tune, bench), and
// what they share is in cli_common.{h,cpp}. This file holds main(): the help, the version, the
// mapping of CLI11's errors to nac's usage messages, Ctrl+C, and the exit codes.
// Exit codes: 0 success, 1 internal error, 2 usage error, 3 bad input, 130 canceled.
#include "cli_common.h"
#include "commands/commands.h"

#include "engine/atomic_file.h"
#include "engine/error.h"

#include <CLI/CLI.hpp>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <iostream>
#include <new>
#include <thread>
#include <time.h>
#include <unistd.h>

namespace nac::app {
namespace {

using namespace nac::engine;

// Ctrl+C sets the cancel token; a job checks it between batches and ends with exit 130. A model
// whose forward never returns never gets there, so a watchdog thread woken through this pipe
// gives the job kCancelGraceMilliseconds (so that `nac` ends within a second of Ctrl+C), then
// removes this process's temporary files and _exits. A second Ctrl+C does that at once.
constexpr long kCancelGraceMilliseconds = 600;
int g_interruptPipe[2] = {-1, -1};
std::atomic<bool>* g_cancelFlag = nullptr;  // cancelToken()'s flag, taken before the handler is installed
std::atomic<int> g_interruptCount{0};

void writeToStderr(const char* text)
{
    std::size_t length = 0;
    while (text[length])
        ++length;
    const ssize_t ignored = ::write(STDERR_FILENO, text, length);
    (void)ignored;
}

// Async-signal-safe: atomics, write(2), unlink(2) (removeTemporaryFilesInProgress) and _exit.
void onInterrupt(int)
{
    const int savedErrno = errno;
    g_cancelFlag->store(true);
    if (g_interruptCount.fetch_add(1) >= 1) {
        engine::removeTemporaryFilesInProgress();
        writeToStderr("\nnac: canceled\n");
        ::_exit(130);
    }
    const char byte = 1;
    const ssize_t ignored = ::write(g_interruptPipe[1], &byte, 1);
    (void)ignored;
    errno = savedErrno;
}

void cancelWatchdog()
{
    char byte = 0;
    while (::read(g_interruptPipe[0], &byte, 1) < 0 && errno == EINTR) {
    }
    timespec grace{0, kCancelGraceMilliseconds * 1'000'000};
    while (::nanosleep(&grace, &grace) != 0 && errno == EINTR) {
    }
    // The job did not end by itself (a model stuck in its forward): no allocation or locks here,
    // the stuck thread may hold any of them.
    engine::removeTemporaryFilesInProgress();
    writeToStderr("\nnac: canceled (the model did not stop within 0.6 s)\n");
    ::_exit(130);
}

void installInterruptHandling()
{
    g_cancelFlag = cancelToken().get();
    if (::pipe(g_interruptPipe) != 0) {
        std::signal(SIGINT, [](int) { g_cancelFlag->store(true); });
        return;
    }
    std::thread(cancelWatchdog).detach();
    struct sigaction action {};
    action.sa_handler = onInterrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
}

const char* const kDescription = "Neuron Activation Coverage (NAC-UE, NAC-ME) for TorchScript classifiers";

// The notes that close `nac --help` and every `nac CMD --help`.
const char* const kNotes = R"(data D: an IDX file (.gz too), a folder of images (class = subfolder), an image file, or
        noise:gaussian:N[:seed=S] / noise:uniform:N[:seed=S]
common: --batch B|auto (auto) --threads T (all cores) --workers K (batches at once; 0: auto)
        --device auto|cpu|cuda[:N] --graph plain|frozen
        --memory-format contiguous|channels-last|auto (contiguous: rounds as eager PyTorch) --quiet
exit codes: 0 ok, 2 usage error, 3 bad input, 1 internal error, 130 canceled
)";

// `nac --help`: "nac: description", "usage:" with every command's usage lines, then the notes;
// `nac CMD --help`: commandHelp(). packaging/man/make-manpage.cmake reads both.
class HelpFormatter : public CLI::FormatterBase {
public:
    std::string make_help(const CLI::App* app, std::string, CLI::AppFormatMode) const override
    {
        if (app->get_parent() != nullptr && commandOf(*app) != nullptr)
            return commandHelp(*app, kNotes);
        std::string out = std::string("nac: ") + kDescription + "\n\nusage:\n";
        for (const CLI::App* sub : app->get_subcommands([](const CLI::App* s) { return commandOf(*s) != nullptr; }))
            out += commandOf(*sub)->usage + "\n";
        return out + "\n" + kNotes;
    }
};

// The sub-command called name (nullptr: none).
const CLI::App* findCommand(const CLI::App& nac, const std::string& name)
{
    const auto found = nac.get_subcommands([&name](const CLI::App* sub) { return sub->get_name() == name; });
    return found.empty() ? nullptr : found.front();
}

// The sub-command that CLI11 found on the command line (nullptr: none).
CLI::App* givenCommand(const CLI::App& nac)
{
    const std::vector<CLI::App*> given = nac.get_subcommands();
    return given.empty() ? nullptr : given.front();
}

int run(CLI::App& nac, int argc, char** argv)
{
    if (argc < 2) {
        std::cout << nac.help();
        return kExitUsage;
    }
    const std::string first = argv[1];
    if (first.empty() || first[0] != '-') {
        if (!findCommand(nac, first))
            throw UsageError("unknown command '" + first + "'");
    }
    try {
        nac.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        // `nac --help ...`: nac's; `nac CMD ... --help`: the command's.
        const CLI::App* command = nac.get_help_ptr()->count() > 0 ? nullptr : givenCommand(nac);
        std::cout << (command ? command->help() : nac.help());
        return kExitOk;
    } catch (const CLI::CallForVersion& version) {
        std::cout << version.what() << "\n";
        return kExitOk;
    } catch (const CLI::ArgumentMismatch& e) {
        // CLI11 ran out of arguments for an option (always the last one given), or a flag was given a value.
        const std::string what = e.what();
        std::string name = what.substr(0, what.find_first_of(": "));
        if (what.find("flag override") != std::string::npos) {
            // CLI11 names the flag without its dashes.
            if (!name.empty() && name[0] != '-')
                name = (name.size() == 1 ? "-" : "--") + name;
            throw UsageError(name + " takes no value");
        }
        const std::string last = argv[argc - 1];
        if (last.size() >= 2 && last[0] == '-')
            name = last.substr(0, last.find('='));
        throw UsageError(name + " needs a value");
    } catch (const CLI::ParseError& e) {
        throw UsageError(e.what());
    }
    for (const std::string& arg : nac.remaining()) {
        if (arg.size() >= 2 && arg[0] == '-')
            throw UsageError("unknown option " + arg.substr(0, arg.find('=')));
        throw UsageError("unknown command '" + arg + "'");
    }
    CLI::App* command = givenCommand(nac);
    if (!command) {
        std::cout << nac.help();
        return kExitUsage;
    }
    if (command->get_name() == "help") {
        // `nac help` and `nac help CMD`.
        const std::vector<std::string> topic = command->get_option("COMMAND")->results();
        if (topic.empty()) {
            std::cout << nac.help();
            return kExitOk;
        }
        const CLI::App* about = findCommand(nac, topic.front());
        if (!about || !commandOf(*about))
            throw UsageError("unknown command '" + topic.front() + "'");
        std::cout << about->help();
        return kExitOk;
    }
    checkGiven(*command);
    stage("main");
    return commandOf(*command)->run(Args(*command));
}

void buildApplication(CLI::App& nac)
{
    nac.formatter(std::make_shared<HelpFormatter>());
    nac.set_help_flag("-h,--help", "print this help");  // sub-commands inherit it
    nac.set_version_flag("-V,--version", std::string("nac ") + NAC_VERSION, "print the version");
    nac.allow_extras();  // refused by run() with nac's own message
    nac.require_subcommand(0, 1);
    addLayersCommand(nac);
    addFitCommand(nac);
    addScoreCommand(nac);
    addEvalCommand(nac);
    addMergeCommand(nac);
    addMeCommand(nac);
    addTuneCommand(nac);
    addBenchCommand(nac);
    CLI::App* help = nac.add_subcommand("help", "print the usage of nac or of one command");
    help->group("");  // not a command of its own in the help
    help->add_option("COMMAND", "the command");
}

}  // namespace
}  // namespace nac::app

int main(int argc, char** argv)
{
    nac::app::installInterruptHandling();
    try {
        CLI::App nac(nac::app::kDescription, "nac");
        nac::app::buildApplication(nac);
        return nac::app::run(nac, argc, argv);
    } catch (const nac::app::UsageError& e) {
        std::cerr << "nac: " << e.what() << "\n(run `nac --help` for usage)\n";
        return nac::app::kExitUsage;
    } catch (const nac::engine::Error& e) {
        if (e.kind() == nac::engine::ErrorKind::Canceled) {
            std::cerr << "\nnac: canceled\n";
            return nac::app::kExitCanceled;
        }
        std::cerr << "nac: " << e.what() << "\n";
        return e.kind() == nac::engine::ErrorKind::BadInput ? nac::app::kExitBadInput : nac::app::kExitInternal;
    } catch (const std::bad_alloc&) {
        // Inputs are checked against what their files hold before allocating; what is left is a
        // real input too large for this machine's memory (or one no check foresaw).
        std::cerr << "nac: out of memory: the input files or options ask for more memory than this machine has "
                     "(check the data, model and profile given, and --batch)\n";
        return nac::app::kExitBadInput;
    } catch (const std::length_error& e) {
        std::cerr << "nac: an input asks for an impossible size (" << e.what()
                  << "); check the data, model and profile given\n";
        return nac::app::kExitBadInput;
    } catch (const std::exception& e) {
        std::cerr << "nac: internal error: " << e.what() << "\n";
        return nac::app::kExitInternal;
    }
}
