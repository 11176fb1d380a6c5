// The interface every fuzz target implements (libFuzzer's), and what the targets share: a private
// temporary folder for the readers that take a path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

// Called once per input, by libFuzzer or by fuzz_driver.cpp. Returns 0; a bug aborts (an
// exception other than the reader's documented nac::engine::Error, or a sanitizer report).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace nac::fuzz {

// A folder of this process's own under the system's temporary folder, created on first use and
// removed at exit. Throws std::runtime_error when it cannot be created.
const std::string& scratchFolder();

// Writes size bytes to scratchFolder()/name (replacing it) and returns the full path. Aborts when
// the file cannot be written: a harness problem, not a finding.
std::string writeScratchFile(const std::string& name, const void* data, std::size_t size);

}  // namespace nac::fuzz
