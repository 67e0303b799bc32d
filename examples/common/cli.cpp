#include "common/cli.hpp"

#include <iostream>

#include <boost/program_options.hpp>

#include "core/errors.hpp"

namespace po = boost::program_options;

namespace loom::examples {

Cli::Cli(std::string program, std::string summary, CommonOptions defaults, CommonOptions quick)
    : program_(std::move(program)), summary_(std::move(summary)), common_(defaults), quick_(quick),
      extra_("Options of this example") {}

bool Cli::parse(int argc, char** argv) {
  po::options_description common("Common options");
  common.add_options()("help,h", "print this help and exit")(
      "epochs", po::value<int>(&common_.epochs)->default_value(common_.epochs), "training epochs")(
      "batch-size", po::value<int>(&common_.batch_size)->default_value(common_.batch_size),
      "samples per batch")("units", po::value<int>(&common_.units)->default_value(common_.units),
                           "recurrent units")(
      "seed", po::value<std::uint64_t>(&common_.seed)->default_value(common_.seed),
      "random seed (same seed, same run)")(
      "out", po::value<std::string>(&common_.out)->default_value(common_.out),
      "folder for history.csv, loss.png and the checkpoint")(
      "quick", po::bool_switch(&common_.quick), "small settings for a fast smoke run (CI)")(
      "data", po::value<std::string>(&common_.data)->default_value(common_.data),
      "folder holding the data files (default: the bundled examples/data)");
  po::options_description all;
  all.add(common).add(extra_);
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, all), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw ValueError(program_ + ": " + e.what() + " (see --help)");
  }
  for (const auto& [name, value] : vm)
    if (!value.defaulted()) given_.insert(name);
  if (common_.quick) {
    if (!given("epochs")) common_.epochs = quick_.epochs;
    if (!given("batch-size")) common_.batch_size = quick_.batch_size;
    if (!given("units")) common_.units = quick_.units;
  }
  if (vm.count("help")) {
    std::cout << program_ << ": " << summary_ << "\n\n" << all << "\n";
    return false;
  }
  if (common_.epochs < 1)
    throw ValueError(program_ + ": --epochs expected >= 1, received " + std::to_string(common_.epochs));
  if (common_.batch_size < 1)
    throw ValueError(program_ + ": --batch-size expected >= 1, received " +
                     std::to_string(common_.batch_size));
  if (common_.units < 1)
    throw ValueError(program_ + ": --units expected >= 1, received " + std::to_string(common_.units));
  return true;
}

}  // namespace loom::examples
