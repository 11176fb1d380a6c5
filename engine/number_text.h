// Numbers in text (command line values, data specs, layer parameters, metadata, CSV and report
// output), parsed and written the same way whatever the user's locale: always a '.' decimal point.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nac::engine {

// The whole text as a decimal integer: an optional '+' or '-', then digits only (no spaces, no
// fraction, no exponent). std::nullopt when it is not one or does not fit a long long.
std::optional<long long> parseInteger(std::string_view text);

// The whole text as a decimal number: an optional '+' or '-', digits with an optional '.'
// fraction and an optional exponent ("0.5", "1e-3", "-2"); "inf" and "nan" are accepted as
// std::from_chars reads them (callers that need finite values check). std::nullopt otherwise.
// A ',' is never a decimal point here, in any locale.
std::optional<double> parseReal(std::string_view text);

// value with at most significantDigits significant digits, as printf's %.*g would write it in
// the "C" locale (e.g. 0.5, 1e-05, 123.456).
std::string formatReal(double value, int significantDigits);

}  // namespace nac::engine
