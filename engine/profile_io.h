// Saving and loading .nacprofile files: versioned binary with a magic header, the model's SHA-256,
// layers, parameters, raw products, counts and a trailing SHA-256 checksum.
#pragma once

#include "engine/coverage_profile.h"

#include <string>

namespace nac::engine {

// The newest version this build reads. Exact profiles are still written as version 1, so that
// older versions read them; histograms-only profiles (FitCache::Histograms) are version 2.
constexpr int kProfileFormatVersion = 2;

// Writes atomically (engine/atomic_file.h: a temporary file beside path, synced, then renamed);
// a failed save leaves any existing file untouched. Throws Error(BadInput) naming the path when
// it cannot be written.
void saveProfile(const CoverageProfile& profile, const std::string& path);

// Throws Error(BadInput) naming the file for: a missing file, a file that is not a regular file
// (a device, FIFO or folder), a file that is not a profile, a truncated or corrupted file
// (checksum), a newer format version, a header that nests too deep or whose counts disagree with
// each other or with the data blocks (checked before any block is allocated).
CoverageProfile loadProfile(const std::string& path);

// Throws Error(BadInput) when the profile was fitted on another model file than modelSha256.
void checkProfileMatchesModel(const CoverageProfile& profile, const std::string& modelSha256,
                              const std::string& modelPath);

}  // namespace nac::engine
