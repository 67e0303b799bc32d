// Sunspots: forecast next year's sunspot number from the twelve years before it with a GRU.
// Trained on 1700-1920 and tested on 1921-2008, against persistence and AR(9) (baselines: examples/data/README.md).
//
// The recipe: a GRU(32) + Dense(1) predicts the change from last year (z-scored with training
// statistics only). Five models are trained, each holding out a different fifth of the training
// years for EarlyStopping with restore_best_weights (blocked cross-validation: a held-out block
// is contiguous, though windows next to it still see some of its years as inputs), and the
// forecast is their average. Averaging removes most of one model's seed-to-seed variance.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "common/cli.hpp"
#include "common/report.hpp"
#include "loom.hpp"
#include "series.hpp"

namespace po = boost::program_options;
using namespace loom;

int main(int argc, char** argv) try {
  examples::elapsed_seconds();
  examples::Cli cli("sunspots", "one-step-ahead GRU forecasts of yearly sunspot numbers",
                    {.epochs = 300, .batch_size = 16, .units = 32, .seed = 0, .out = "out/sunspots"},
                    {.epochs = 40, .batch_size = 16, .units = 16});
  int window = 12, folds = 5, patience = 50, last_train_year = 1920;
  double learning_rate = 3e-3;
  cli.extra().add_options()
      ("window", po::value<int>(&window)->default_value(window), "past years per input window")
      ("folds", po::value<int>(&folds)->default_value(folds),
       "models in the ensemble; model k validates on the k-th block of training years (--quick: 2)")
      ("patience", po::value<int>(&patience)->default_value(patience), "EarlyStopping patience (epochs)")
      ("learning-rate", po::value<double>(&learning_rate)->default_value(learning_rate, "0.003"), "Adam learning rate")
      ("last-train-year", po::value<int>(&last_train_year)->default_value(last_train_year),
       "the last year of the training part");
  if (!cli.parse(argc, argv)) return 0;
  const auto& o = cli.common();
  if (o.quick && !cli.given("folds")) folds = 2;
  if (window < 1 || folds < 2 || patience < 0)
    throw ValueError("sunspots: expected --window >= 1, --folds >= 2, --patience >= 0");
  const std::string out = examples::make_out_dir(o.out);

  // --- data: z-scores with the training years' mean and std --------------------------------
  const std::size_t w = static_cast<std::size_t>(window);
  const auto data = sunspots::prepare(examples::data_file(o.data, "sunspots.csv"), w, last_train_year,
                                      static_cast<std::size_t>(folds));
  const auto& s = data.series;
  const auto& z = data.z;
  const auto& test = data.test;
  const auto& actual = data.actual;
  const std::size_t n = s.values.size(), n_train = data.n_train;
  const auto train = sunspots::make_windows(z, w, w, n_train);
  std::printf("sunspots: train %d-%d (%zu windows), test %d-%d (%zu windows), window %d years\n",
              s.years[w], s.years[n_train - 1], train.y.size(), s.years[n_train], s.years[n - 1],
              test.y.size(), window);

  // --- the baselines, on the same test years -----------------------------------------------
  const double rmse_persistence = sunspots::rmse(sunspots::persistence(s.values, n_train, n), actual);
  const double rmse_ar9 = sunspots::rmse(sunspots::autoregression(s.values, 9, n_train, n_train, n), actual);
  std::printf("baselines (test RMSE): persistence %.2f, AR(9) least squares %.2f\n", rmse_persistence, rmse_ar9);

  // --- one model per fold --------------------------------------------------------------------
  std::vector<double> change_sum(test.y.size(), 0.0), cv_pred, cv_actual;
  std::vector<History> histories;
  for (int k = 0; k < folds; ++k) {
    const std::size_t total = train.y.size(), lo = total * k / folds, hi = total * (k + 1) / folds;
    std::vector<std::size_t> fit_rows, val_rows;
    for (std::size_t r = 0; r < total; ++r) (r >= lo && r < hi ? val_rows : fit_rows).push_back(r);
    const auto part = sunspots::select(train, fit_rows), val = sunspots::select(train, val_rows);
    std::printf("\nmodel %d/%d: validates on %d-%d\n", k + 1, folds, s.years[val.targets.front()],
                s.years[val.targets.back()]);

    const std::uint64_t seed = o.seed * 1000 + static_cast<std::uint64_t>(k);
    set_seed(seed);  // the initial weights
    auto model = std::make_shared<Sequential<float>>();
    model->add(GRU(o.units));
    model->add(Dense(1));
    model->compile(std::make_shared<optimizers::Adam<float>>(optimizers::AdamOptions{.learning_rate = learning_rate}),
                   "mse");

    const std::string dir = examples::make_out_dir(out + "/model_" + std::to_string(k + 1));
    auto history = model->fit(
        part.x, part.y,
        {.epochs = static_cast<std::size_t>(o.epochs),
         .batch_size = static_cast<std::size_t>(o.batch_size),
         .seed = seed,
         .validation_data = Dataset<float>(val.x, val.y),
         .callbacks = {std::make_shared<callbacks::EarlyStopping<float>>(callbacks::EarlyStoppingOptions{
                           .patience = static_cast<std::size_t>(patience), .restore_best_weights = true}),
                       std::make_shared<callbacks::CSVLogger<float>>(dir + "/history.csv"),
                       std::make_shared<callbacks::ModelCheckpoint<float>>(
                           dir + "/checkpoint.npz", callbacks::ModelCheckpointOptions{.save_best_only = true})}});
    model->save_weights(dir + "/weights.npz");  // the restored best weights
    model->save(dir + "/model.loom");           // and the whole model: sunspots_forecast loads it
    histories.push_back(history);

    const auto change = model->predict(test.x);
    std::vector<double> pred;
    for (std::size_t i = 0; i < test.y.size(); ++i) {
      change_sum[i] += change.data()[i];
      pred.push_back(data.forecast(i, change.data()[i]));
    }
    const auto val_change = model->predict(val.x);
    for (std::size_t i = 0; i < val.y.size(); ++i) {
      cv_pred.push_back((z[val.targets[i] - 1] + val_change.data()[i]) * data.sd + data.mean);
      cv_actual.push_back(s.values[val.targets[i]]);
    }
    std::printf("model %d: %zu epochs, best val_loss %.4f, test RMSE alone %.2f\n", k + 1, history.size(),
                *std::min_element(history["val_loss"].begin(), history["val_loss"].end()),
                sunspots::rmse(pred, actual));
  }

  // --- the ensemble: the mean predicted change, added to last year's value -------------------
  std::vector<double> forecast;
  for (std::size_t i = 0; i < test.y.size(); ++i)
    forecast.push_back(data.forecast(i, change_sum[i] / folds));
  const double rmse_gru = sunspots::rmse(forecast, actual);
  sunspots::write_forecast_csv(data, forecast, out + "/forecast.csv");
  const double rmse_cv = sunspots::rmse(cv_pred, cv_actual);

  // history.csv and loss.png: the epoch-wise mean over the models, for the epochs all of them ran
  // (each model's own history.csv is in its model_<k> folder).
  History mean_history;
  std::size_t epochs_all = histories.front().size();
  for (const auto& h : histories) epochs_all = std::min(epochs_all, h.size());
  for (std::size_t e = 0; e < epochs_all; ++e) {
    Logs logs;
    for (const auto& h : histories)
      for (const auto& [key, values] : h.history) logs[key] += values[e] / folds;
    mean_history.append(e, logs);
  }
  examples::write_history_csv(mean_history, out + "/history.csv");
  examples::plot_history(mean_history, out + "/loss.png",
                         "sunspots: mean over " + std::to_string(folds) + " models (MSE of z-scored change)");

  std::printf("\ncross-validated RMSE on the training years: %.2f\n", rmse_cv);
  std::printf("test RMSE 1921-2008: GRU ensemble %.2f | AR(9) %.2f | persistence %.2f\n", rmse_gru, rmse_ar9,
              rmse_persistence);
  std::printf("wrote %s/history.csv, %s/forecast.csv, %s/loss.png, %s/model_<k>/{history.csv,checkpoint.npz,weights.npz,model.loom} "
              "in %.1f s\n",
              out.c_str(), out.c_str(), out.c_str(), out.c_str(), examples::elapsed_seconds());
  examples::print_final({{"test_rmse", rmse_gru}, {"ar9_rmse", rmse_ar9}, {"persistence_rmse", rmse_persistence},
                         {"cv_rmse", rmse_cv}});
  return 0;
} catch (const std::exception& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
