// Command line parsing for `nac`.
#include "cli_args.h"

#include "engine/number_text.h"

namespace nac::app {

CliArgs::CliArgs(const std::vector<std::string>& args, const std::set<std::string>& valueOptions,
                 const std::set<std::string>& flags)
{
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg.size() < 2 || arg[0] != '-') {
            m_positionals.push_back(arg);
            continue;
        }
        std::string key = arg;
        std::string inlineValue;
        bool hasInline = false;
        const auto eq = arg.find('=');
        if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            key = arg.substr(0, eq);
            inlineValue = arg.substr(eq + 1);
            hasInline = true;
        }
        if (flags.count(key)) {
            if (hasInline)
                throw UsageError(key + " takes no value");
            m_flags.insert(key);
        } else if (valueOptions.count(key)) {
            if (hasInline) {
                m_values[key].push_back(inlineValue);
            } else {
                if (i + 1 >= args.size())
                    throw UsageError(key + " needs a value");
                m_values[key].push_back(args[++i]);
            }
        } else {
            throw UsageError("unknown option " + key);
        }
    }
}

bool CliArgs::has(const std::string& key) const { return m_values.count(key) > 0; }

std::string CliArgs::value(const std::string& key, const std::string& fallback) const
{
    const auto it = m_values.find(key);
    if (it == m_values.end())
        return fallback;
    if (it->second.size() > 1)
        throw UsageError(key + " is given more than once");
    return it->second.front();
}

std::string CliArgs::required(const std::string& key) const
{
    if (!has(key))
        throw UsageError("missing " + key);
    return value(key);
}

std::vector<std::string> CliArgs::values(const std::string& key) const
{
    const auto it = m_values.find(key);
    return it == m_values.end() ? std::vector<std::string>() : it->second;
}

int CliArgs::intValue(const std::string& key, int fallback, int minimum, int maximum) const
{
    if (!has(key))
        return fallback;
    const std::string text = value(key);
    const std::optional<long long> number = engine::parseInteger(text);  // the same in every locale
    if (!number)
        throw UsageError(key + " '" + text + "' is not a whole number");
    const long long parsed = *number;
    if (parsed < minimum || parsed > maximum)
        throw UsageError(key + " " + text + " is out of range (" + std::to_string(minimum) + ".." + std::to_string(maximum) + ")");
    return int(parsed);
}

}  // namespace nac::app
