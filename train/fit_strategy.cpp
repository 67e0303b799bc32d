#include "train/fit_strategy.hpp"

#include <cmath>

#include "train/distribute/data_parallel_fit.hpp"
#include "train/model.hpp"

namespace loom::detail {

template <class T>
void SingleProcessFit<T>::begin_epoch(std::optional<std::pair<double, double>> kept) {
  if (!kept) return;
  m_.tracker_total_ = kept->first;
  m_.tracker_count_ = kept->second;
}

template <class T>
bool SingleProcessFit<T>::train_batch(const Dataset<T>& data, const std::vector<std::size_t>& batch,
                                      bool skip_non_finite) {
  return !std::isfinite(m_.train_step(data.gather(batch, true), skip_non_finite));
}

template <class T>
Logs SingleProcessFit<T>::train_logs() {
  return m_.collect_logs();
}

template <class T>
void SingleProcessFit<T>::test_batch(const Dataset<T>& data, const std::vector<std::size_t>& batch) {
  m_.test_step(data.gather(batch, true));
}

template <class T>
Logs SingleProcessFit<T>::test_batch_logs() {
  return m_.collect_logs();
}

template <class T>
Logs SingleProcessFit<T>::test_logs() {
  return m_.collect_logs();
}

template <class T>
std::pair<double, double> SingleProcessFit<T>::tracker() const {
  return {m_.tracker_total_, m_.tracker_count_};
}

template <class T>
std::unique_ptr<FitStrategy<T>> make_fit_strategy(Model<T>& model, std::shared_ptr<distribute::Communicator> comm) {
  if (!comm) return std::make_unique<SingleProcessFit<T>>(model);
  return std::make_unique<DataParallelFit<T>>(model, std::move(comm));
}

template class SingleProcessFit<float>;
template class SingleProcessFit<double>;
template std::unique_ptr<FitStrategy<float>> make_fit_strategy(Model<float>&, std::shared_ptr<distribute::Communicator>);
template std::unique_ptr<FitStrategy<double>> make_fit_strategy(Model<double>&,
                                                                std::shared_ptr<distribute::Communicator>);

}  // namespace loom::detail
