// A small command line parser for `nac`: --key value, --key=value, repeated keys, flags, positionals.
#pragma once

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace nac::app {

// Thrown for a usage error (exit code 2).
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class CliArgs {
public:
    // valueOptions take a value; flags do not. Anything else starting with '-' is a usage error.
    CliArgs(const std::vector<std::string>& args, const std::set<std::string>& valueOptions,
            const std::set<std::string>& flags);

    bool has(const std::string& key) const;
    std::string value(const std::string& key, const std::string& fallback = "") const;
    std::string required(const std::string& key) const;
    std::vector<std::string> values(const std::string& key) const;
    bool flag(const std::string& key) const { return m_flags.count(key) > 0; }
    const std::vector<std::string>& positionals() const { return m_positionals; }

    int intValue(const std::string& key, int fallback, int minimum, int maximum) const;

private:
    std::map<std::string, std::vector<std::string>> m_values;
    std::set<std::string> m_flags;
    std::vector<std::string> m_positionals;
};

}  // namespace nac::app
