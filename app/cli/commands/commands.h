// `nac`'s sub-commands, one file each in this folder: each adds its CLI11 sub-command, its
// options and what runs it to the `nac` application (nac_main.cpp calls these in this order,
// which is the order of `nac --help`).
#pragma once

namespace CLI {
class App;
}

namespace nac::app {

void addLayersCommand(CLI::App& nac);
void addFitCommand(CLI::App& nac);
void addScoreCommand(CLI::App& nac);
void addEvalCommand(CLI::App& nac);
void addMergeCommand(CLI::App& nac);
void addMeCommand(CLI::App& nac);
void addTuneCommand(CLI::App& nac);
void addBenchCommand(CLI::App& nac);

}  // namespace nac::app
