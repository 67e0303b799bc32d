#pragma once
// Model's data-parallel fit (FitOptions::communicator, docs/distributed.md): every rank checks it
// runs the same fit as rank 0 and starts from rank 0's state; each step runs on this rank's slice
// of the global batch and averages the gradients by one all-reduce; the loss tracker and metric
// states are summed over ranks for the logs. Chosen by make_fit_strategy (train/fit_strategy.hpp).
#include <memory>

#include "train/distribute/data_parallel.hpp"
#include "train/fit_strategy.hpp"

namespace loom::detail {

template <class T>
class DataParallelFit final : public FitStrategy<T> {
 public:
  DataParallelFit(Model<T>& model, std::shared_ptr<distribute::Communicator> comm);

  // Checks, on every rank, that the fit is supported and that every rank runs the same one. It
  // throws on every rank alike, so no rank is left waiting in a collective.
  void prepare(const Dataset<T>& train, const std::optional<Dataset<T>>& val, const FitOptions<T>& o) override;
  // Copies rank 0's weights, optimizer and random state, then runs the loop; an exception on one
  // rank alone (with several) ends the whole job, since the others would wait for it forever.
  History run(const std::function<History()>& body) override;
  bool chief() const override { return comm_->rank() == 0; }
  void begin_epoch(std::optional<std::pair<double, double>> kept) override;
  bool train_batch(const Dataset<T>& data, const std::vector<std::size_t>& batch, bool skip_non_finite) override;
  Logs train_logs() override;
  void test_batch(const Dataset<T>& data, const std::vector<std::size_t>& batch) override;
  // Empty: the per-batch values are not shown inside fit, so evaluation reduces once, at the end.
  Logs test_batch_logs() override { return {}; }
  Logs test_logs() override;
  std::pair<double, double> tracker() const override { return {total_, count_}; }
  const std::shared_ptr<distribute::Communicator>& communicator() const override { return comm_; }

 private:
  void sync_from_rank0();
  // Sums the loss tracker and metric states over ranks (one all-reduce); the logs of the whole job.
  Logs reduce_logs();

  Model<T>& m_;
  std::shared_ptr<distribute::Communicator> comm_;
  distribute::GradientReducer<T> reducer_;
  // The model's tracker holds this rank's part; base_* hold the restored part of a resumed epoch
  // (the same on every rank) and total_/count_ the job's total after the last reduction.
  double base_total_ = 0.0, base_count_ = 0.0;
  double total_ = 0.0, count_ = 0.0;
};

extern template class DataParallelFit<float>;
extern template class DataParallelFit<double>;

}  // namespace loom::detail
