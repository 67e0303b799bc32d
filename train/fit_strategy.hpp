#pragma once
// How fit steps a batch and gathers its logs, chosen once when fit starts: one process
// (SingleProcessFit) or data-parallel over FitOptions::communicator (DataParallelFit,
// train/distribute/data_parallel_fit.hpp, docs/distributed.md). Model's fit and evaluate loops
// call only this interface, so they read the same for both; what differs (sharding, the gradient
// all-reduce, summing the logs over ranks, rank 0 alone printing) lives in the strategy.
// Internal to Model: the strategies read Model's compiled state as its friends.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "train/data/dataset.hpp"
#include "train/history.hpp"

namespace loom {

template <class T>
class Model;
template <class T>
struct FitOptions;
namespace distribute {
class Communicator;
}

namespace detail {

template <class T>
class FitStrategy {
 public:
  virtual ~FitStrategy() = default;

  // Before anything else of fit: throws when this fit cannot run (on every rank alike).
  virtual void prepare(const Dataset<T>& train, const std::optional<Dataset<T>>& val, const FitOptions<T>& o) = 0;
  // Runs the fit loop `body` from a common starting state.
  virtual History run(const std::function<History()>& body) = 0;
  // Whether this process prints (and is the one callbacks write files from).
  virtual bool chief() const = 0;
  // At the start of each epoch, after the model reset its tracker and metrics: `kept` is the loss
  // tracker (total, count) a mid-epoch checkpoint restored for this epoch, if any.
  virtual void begin_epoch(std::optional<std::pair<double, double>> kept) = 0;
  // One training step on `batch` (sample indices of `data`); returns whether the loss was
  // non-finite (on any rank). skip_non_finite: such a batch does not update the weights.
  virtual bool train_batch(const Dataset<T>& data, const std::vector<std::size_t>& batch,
                           bool skip_non_finite) = 0;
  // The running loss and metrics of the epoch.
  virtual Logs train_logs() = 0;
  // Evaluation: one batch, the logs shown after it, and the logs of the whole pass.
  virtual void test_batch(const Dataset<T>& data, const std::vector<std::size_t>& batch) = 0;
  virtual Logs test_batch_logs() = 0;
  virtual Logs test_logs() = 0;
  // The loss tracker (total, count) a checkpoint saves: the whole job's.
  virtual std::pair<double, double> tracker() const = 0;
  // Null for one process.
  virtual const std::shared_ptr<distribute::Communicator>& communicator() const = 0;
};

// The ordinary fit: every batch whole, on this process.
template <class T>
class SingleProcessFit final : public FitStrategy<T> {
 public:
  explicit SingleProcessFit(Model<T>& model) : m_(model) {}
  void prepare(const Dataset<T>&, const std::optional<Dataset<T>>&, const FitOptions<T>&) override {}
  History run(const std::function<History()>& body) override { return body(); }
  bool chief() const override { return true; }
  void begin_epoch(std::optional<std::pair<double, double>> kept) override;
  bool train_batch(const Dataset<T>& data, const std::vector<std::size_t>& batch, bool skip_non_finite) override;
  Logs train_logs() override;
  void test_batch(const Dataset<T>& data, const std::vector<std::size_t>& batch) override;
  Logs test_batch_logs() override;
  Logs test_logs() override;
  std::pair<double, double> tracker() const override;
  const std::shared_ptr<distribute::Communicator>& communicator() const override { return none_; }

 private:
  Model<T>& m_;
  std::shared_ptr<distribute::Communicator> none_;
};

// SingleProcessFit without a communicator, DataParallelFit with one (even a single-process one:
// it must then give fit's numbers, bit for bit).
template <class T>
std::unique_ptr<FitStrategy<T>> make_fit_strategy(Model<T>& model, std::shared_ptr<distribute::Communicator> comm);

extern template class SingleProcessFit<float>;
extern template class SingleProcessFit<double>;

}  // namespace detail
}  // namespace loom
