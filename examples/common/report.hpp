#pragma once
// What every example writes besides its own results: the output folder, the loss plot drawn from a
// fit History, and the one `final:` line that tests and CI parse.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "train/history.hpp"

namespace loom::examples {

// The bundled data file `name` (examples/data/<name>), or `name` under --data when given.
std::string data_file(const std::string& data_dir, const std::string& name);

// Creates `dir` (and its parents) when missing; returns it. Throws IOError when it cannot.
std::string make_out_dir(const std::string& dir);

// Draws "loss" and "val_loss" of the history (the validation curve when there is one) into
// `png`. gnuplot is optional at run time: without it a note is printed and false returned, so an
// example still runs to its final line.
bool plot_history(const History& history, const std::string& png, const std::string& title, bool log_y = false);
// The same for curves already gathered: label -> values per epoch.
bool plot_curves(const std::map<std::string, std::vector<double>>& curves, const std::string& png,
                 const std::string& title, const std::string& ylabel = "loss", bool log_y = false);

// Writes a History as CSV (epoch, then the keys in name order), atomically.
void write_history_csv(const History& history, const std::string& path);

// Prints "final: name=value name=value ..." on its own line and flushes.
void print_final(const std::vector<std::pair<std::string, double>>& metrics);

// Seconds since the program started (since the first call).
double elapsed_seconds();

}  // namespace loom::examples
