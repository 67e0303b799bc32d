#pragma once
// Command-line options shared by the examples (--epochs --batch-size --units --seed --out), parsed
// with Boost.Program_options. Each example adds its own options before parsing.
#include <cstdint>
#include <set>
#include <string>

#include <boost/program_options/options_description.hpp>

namespace loom::examples {

struct CommonOptions {
  int epochs = 10;
  int batch_size = 32;
  int units = 32;
  std::uint64_t seed = 0;
  std::string out = "out";
  bool quick = false;
  std::string data;  // folder of the data files; "" means the bundled examples/data
};

class Cli {
 public:
  // `quick` holds the values --quick switches to, for the options not given on the command line.
  Cli(std::string program, std::string summary, CommonOptions defaults, CommonOptions quick);
  // The example's own options go here, before parse().
  boost::program_options::options_description& extra() { return extra_; }
  // Returns false when --help was given (help is printed); throws loom::ValueError on bad input.
  bool parse(int argc, char** argv);
  const CommonOptions& common() const { return common_; }
  // Whether an option was given on the command line (an example's own --quick values use it).
  bool given(const std::string& option) const { return given_.count(option) != 0; }

 private:
  std::string program_, summary_;
  CommonOptions common_, quick_;
  std::set<std::string> given_;
  boost::program_options::options_description extra_;
};

}  // namespace loom::examples
