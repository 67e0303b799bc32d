// sunspots_forecast: the test-year forecasts of the ensemble that `sunspots` trained, from its saved
// model files alone. Each model_<k>/model.loom is rebuilt with load_model, with no code that knows
// the architecture (the window length, too, comes from the model's input shape); the forecasts
// must equal those the training run wrote to forecast.csv, bit for bit.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "common/report.hpp"
#include "loom.hpp"
#include "series.hpp"

namespace po = boost::program_options;
using namespace loom;

int main(int argc, char** argv) try {
  std::string models = "out/sunspots", data_dir;
  int last_train_year = 1920;
  po::options_description opts("sunspots_forecast: the ensemble's test forecasts from its saved models");
  opts.add_options()("help", "this text")
      ("models", po::value<std::string>(&models)->default_value(models), "the --out folder of a sunspots run")
      ("data", po::value<std::string>(&data_dir), "folder of sunspots.csv (default: the bundled data)")
      ("last-train-year", po::value<int>(&last_train_year)->default_value(last_train_year),
       "as given to sunspots");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, opts), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << opts << "\n";
    return 0;
  }

  std::vector<std::shared_ptr<Model<float>>> ensemble;
  for (int k = 1; std::filesystem::exists(models + "/model_" + std::to_string(k) + "/model.loom"); ++k)
    ensemble.push_back(load_model(models + "/model_" + std::to_string(k) + "/model.loom"));
  if (ensemble.empty())
    throw IOError("sunspots_forecast: expected " + models + "/model_1/model.loom (run sunspots first), received "
                  "no such file");
  const std::size_t window = ensemble.front()->build_input_shape()[1];  // (batch, window, 1)
  const auto data = sunspots::prepare(examples::data_file(data_dir, "sunspots.csv"), window, last_train_year,
                                      ensemble.size());

  std::vector<double> change_sum(data.actual.size(), 0.0), forecast;
  for (const auto& model : ensemble) {
    const auto change = model->predict(data.test.x);
    for (std::size_t i = 0; i < change_sum.size(); ++i) change_sum[i] += change.data()[i];
  }
  for (std::size_t i = 0; i < change_sum.size(); ++i)
    forecast.push_back(data.forecast(i, change_sum[i] / static_cast<double>(ensemble.size())));

  const auto trained = sunspots::read_forecast_csv(models + "/forecast.csv");
  std::size_t differ = trained.size() == forecast.size() ? 0 : forecast.size();
  for (std::size_t i = 0; i < forecast.size() && i < trained.size(); ++i) differ += trained[i] != forecast[i];
  std::printf("loaded %zu models (window %zu years) from %s; %zu of %zu test forecasts differ from the "
              "training run's forecast.csv\n",
              ensemble.size(), window, models.c_str(), differ, forecast.size());
  examples::print_final({{"test_rmse", sunspots::rmse(forecast, data.actual)},
                         {"forecasts_differing", static_cast<double>(differ)}});
  return differ == 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "sunspots_forecast: %s\n", e.what());
  return 1;
}
