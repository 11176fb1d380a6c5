// The engine's one error type: every failure at the public boundary becomes an nac::engine::Error.
#pragma once

#include <stdexcept>
#include <string>

namespace nac::engine {

// What kind of failure it was; the command line maps these to exit codes.
enum class ErrorKind {
    BadInput = 1,   // a file, folder, layer name or parameter the user gave is wrong
    Canceled,       // the job's cancel token was set
    Internal,       // a bug or an unexpected library failure
};

// Thrown by engine functions. The message names the thing that is wrong and what to do.
class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), m_kind(kind) {}
    ErrorKind kind() const { return m_kind; }

private:
    ErrorKind m_kind;
};

inline Error badInput(const std::string& message) { return Error(ErrorKind::BadInput, message); }

}  // namespace nac::engine
