// Locale-independent number parsing and formatting through std::from_chars / std::to_chars.
#include "engine/number_text.h"

#include <charconv>
#include <system_error>

namespace nac::engine {
namespace {

// from_chars takes no leading '+'; the old std::stod-based parsers did.
std::string_view withoutPlus(std::string_view text)
{
    if (text.size() > 1 && text.front() == '+' && text[1] != '-' && text[1] != '+')
        text.remove_prefix(1);
    return text;
}

}  // namespace

std::optional<long long> parseInteger(std::string_view text)
{
    text = withoutPlus(text);
    if (text.empty())
        return std::nullopt;
    long long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

std::optional<double> parseReal(std::string_view text)
{
    text = withoutPlus(text);
    if (text.empty())
        return std::nullopt;
    double value = 0.0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

std::string formatReal(double value, int significantDigits)
{
    char buffer[64];
    const auto [end, error] =
        std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, significantDigits);
    if (error != std::errc())
        return "nan";  // cannot happen: 64 characters hold any double at 17 digits
    return std::string(buffer, end);
}

}  // namespace nac::engine
