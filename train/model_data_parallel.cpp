// Model's data-parallel fit (FitOptions::communicator): the checks every rank agrees on, the copy
// of rank 0's state, the step on a rank's slice and the reduction of the logs. The reasons are in
// docs/distributed.md; model.cpp's fit loop calls these when a communicator is given.
#include <cxxabi.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <typeinfo>

#include "autograd/no_grad.hpp"
#include "autograd/ops/elementwise.hpp"
#include "autograd/tape.hpp"
#include "core/errors.hpp"
#include "core/random.hpp"
#include "train/callbacks/callback.hpp"
#include "train/distribute/communicator.hpp"
#include "train/distribute/data_parallel.hpp"
#include "train/model.hpp"

namespace loom {

namespace {

std::string type_name(const std::type_info& type) {
  int status = 0;
  char* raw = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string name = status == 0 && raw ? raw : type.name();
  std::free(raw);
  return name;
}

// FNV-1a over the sample order of a pass: ranks that shuffle differently disagree here.
std::string order_hash(const std::vector<std::vector<std::size_t>>& elements) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xff;
      h *= 1099511628211ull;
    }
  };
  for (const auto& e : elements) {
    mix(e.size());
    for (auto i : e) mix(i);
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// The first line where `mine` and `theirs` differ, as "'mine' where rank 0 has 'theirs'".
std::string first_difference(const std::string& mine, const std::string& theirs) {
  std::istringstream a(mine), b(theirs);
  std::string la, lb;
  while (true) {
    const bool ga = static_cast<bool>(std::getline(a, la)), gb = static_cast<bool>(std::getline(b, lb));
    if (!ga && !gb) return "";
    if (!ga) la = "(nothing)";
    if (!gb) lb = "(nothing)";
    if (la != lb || !ga || !gb) return "'" + la + "' where rank 0 has '" + lb + "'";
  }
}

std::string rank_list(const std::vector<double>& flags, std::size_t offset, int ranks) {
  std::string list;
  for (int r = 0; r < ranks; ++r)
    if (flags[offset + static_cast<std::size_t>(r)] > 0.0) list += (list.empty() ? "" : ", ") + std::to_string(r);
  return list;
}

}  // namespace

template <class T>
void Model<T>::agree_data_parallel(const Dataset<T>& train, const std::optional<Dataset<T>>& val,
                                   const FitOptions<T>& o) {
  distribute::Communicator& comm = *o.communicator;
  const std::string who = "Model '" + this->name() + "' fit";
  const int ranks = comm.size(), rank = comm.rank();
  if (ranks < 1 || rank < 0 || rank >= ranks)
    throw ValueError(who + ": communicator expected a rank in [0, size) and size >= 1, received rank " +
                     std::to_string(rank) + " of " + std::to_string(ranks));

  // Checks that could fail on one rank only are collected, not thrown: a rank that threw now
  // would leave the others waiting in the broadcast below.
  std::exception_ptr local_error;
  std::string settings;
  try {
    const auto elements = train.elements(o.initial_epoch);
    const std::size_t global_batch = elements.front().size();
    if (ranks > 1) {
      if (global_batch < static_cast<std::size_t>(ranks))
        throw ValueError(who + ": batch_size expected >= the number of ranks (" + std::to_string(ranks) +
                         "), since it is the global batch that the ranks share, received " +
                         std::to_string(global_batch));
      if (loss_->reduction() != losses::Reduction::sum_over_batch_size)
        throw NotImplementedError(who + ": a loss with reduction sum_over_batch_size expected with " +
                                  std::to_string(ranks) + " ranks (averaging the ranks' gradients gives the "
                                  "whole batch's only for a mean), received '" + loss_->name() +
                                  "' with another reduction");
      if (auto* scce = dynamic_cast<const losses::SparseCategoricalCrossentropy<T>*>(loss_.get());
          scce && scce->ignore_class())
        throw NotImplementedError(who + ": a loss without ignore_class expected with " + std::to_string(ranks) +
                                  " ranks (each rank's mean over its kept entries, averaged, is not the whole "
                                  "batch's mean), received ignore_class " + std::to_string(*scce->ignore_class()));
      for (const auto& m : metrics_) (void)m->state();  // a custom metric without state() throws here
    }
    if (!this->built()) {
      // Rank 0's weights are sent to all, so they must exist before the first step.
      const auto mine = distribute::shard(elements.front(), rank, ranks);
      this->build(train.gather(mine, true).x.shape());
    }
    if (ranks > 1 && output_mask_.defined())
      throw NotImplementedError(who + ": a model without an output mask expected with " + std::to_string(ranks) +
                                " ranks (each rank's mean over its unmasked entries, averaged, is not the whole "
                                "batch's mean), received a model whose output carries a mask");
    std::size_t weight_elements = 0, trainable_elements = 0;
    for (const auto& w : this->weights()) weight_elements += w.value().size();
    for (const auto& w : this->trainable_weights()) trainable_elements += w.value().size();
    std::ostringstream s;
    s << "epochs " << o.epochs << "\nglobal batch size " << global_batch << "\ninitial_epoch " << o.initial_epoch
      << "\ninitial_step " << o.initial_step << "\nbatches in epoch " << o.initial_epoch << ": " << elements.size()
      << "\nsample order of epoch " << o.initial_epoch << ": " << order_hash(elements)
      << "\nvalidation batches " << (val ? val->elements(0).size() : 0) << "\nweights "
      << this->weights().size() << " (" << weight_elements << " elements)\ntrainable weights "
      << this->trainable_weights().size() << " (" << trainable_elements << " elements)\noptimizer "
      << type_name(typeid(*optimizer_)) << " at iteration " << optimizer_->iterations() << "\nloss "
      << loss_->name() << "\nmetrics";
    for (const auto& n : metric_names_) s << " " << n;
    s << "\ncallbacks";
    for (const auto& c : o.callbacks) s << " " << (c ? type_name(typeid(*c)) : "null");
    s << "\nterminate_on_nan " << o.terminate_on_nan << "\n";
    if (o.initial_epoch > 0) s << "history epochs " << history_.size() << "\n";  // what a resume continues
    settings = s.str();
  } catch (...) {
    local_error = std::current_exception();
  }

  std::string rank0 = settings;
  comm.broadcast(rank0, 0);
  const std::string diff = local_error ? "" : first_difference(settings, rank0);
  // flags[r]: rank r failed its checks; flags[ranks + r]: rank r's settings differ from rank 0's.
  std::vector<double> flags(2 * static_cast<std::size_t>(ranks), 0.0);
  flags[static_cast<std::size_t>(rank)] = local_error ? 1.0 : 0.0;
  flags[static_cast<std::size_t>(ranks + rank)] = diff.empty() ? 0.0 : 1.0;
  comm.all_reduce_sum(flags.data(), flags.size());
  if (local_error) std::rethrow_exception(local_error);
  if (const auto failed = rank_list(flags, 0, ranks); !failed.empty())
    throw RuntimeError(who + ": every rank expected to accept the data-parallel fit, received a refusal from rank(s) " +
                       failed + " (that rank's error says why); no rank trained");
  if (const auto differing = rank_list(flags, static_cast<std::size_t>(ranks), ranks); !differing.empty())
    throw ValueError(who + ": every rank expected rank 0's fit settings, data order and model, received different "
                     "ones on rank(s) " + differing + (diff.empty() ? "" : "; this rank has " + diff) +
                     " (load the same checkpoint, pass the same arguments, data, seed and callbacks on every rank)");
}

template <class T>
void Model<T>::sync_from_rank0(distribute::Communicator& comm) {
  const auto tw = this->trainable_weights();
  // Slots exist on every rank before the copy (Keras would create them at the first step).
  optimizer_->build(tw);
  auto weights = this->weights();
  auto state = optimizer_->get_state();
  std::size_t total = 0;
  for (const auto& w : weights) total += w.value().size();
  for (const auto& [key, t] : state) total += t.size();
  std::vector<T> buffer(total);
  T* p = buffer.data();
  for (const auto& w : weights) p = std::copy(w.value().data(), w.value().data() + w.value().size(), p);
  for (const auto& [key, t] : state) p = std::copy(t.data(), t.data() + t.size(), p);
  comm.broadcast(buffer.data(), buffer.size(), 0);

  std::string rng = default_generator().state();
  comm.broadcast(rng, 0);
  std::vector<double> tracker{tracker_total_, tracker_count_, tracker_restored_ ? 1.0 : 0.0};
  comm.broadcast(tracker.data(), tracker.size(), 0);
  if (comm.rank() == 0) return;

  const T* q = buffer.data();
  for (auto& w : weights) {
    w.assign(Tensor<T>(w.shape(), q));
    q += w.value().size();
  }
  for (auto& [key, t] : state) {
    t = Tensor<T>(t.shape(), q);
    q += t.size();
  }
  optimizer_->set_state(state);
  default_generator().set_state(rng);
  tracker_total_ = tracker[0];
  tracker_count_ = tracker[1];
  tracker_restored_ = tracker[2] != 0.0;
}

template <class T>
bool Model<T>::train_step_data_parallel(const Dataset<T>& train, const std::vector<std::size_t>& batch,
                                        bool skip_non_finite, distribute::GradientReducer<T>& reducer) {
  distribute::Communicator& comm = *reducer.communicator();
  const auto mine = distribute::shard(batch, comm.rank(), comm.size());
  const auto tw = this->trainable_weights();
  std::vector<Tensor<T>> grads;
  double value = 0.0;
  Batch<T> b;
  Tensor<T> y_pred, mask;
  if (!mine.empty()) {
    b = train.gather(mine, true);
    if (!b.y.defined())
      throw ValueError("Model '" + this->name() + "' fit: targets expected, received a dataset without y");
    GradientTape<T> tape;
    y_pred = (*this)(b.x, true);
    mask = output_mask_;
    if (mask.defined() && comm.size() > 1)
      throw NotImplementedError("Model '" + this->name() + "' fit: a model without an output mask expected with " +
                                std::to_string(comm.size()) + " ranks, received an output mask");
    Tensor<T> loss = (*loss_)(b.y, y_pred, {}, mask);
    for (const auto& r : this->losses()) loss = add(loss, r);
    value = static_cast<double>(loss.item());
    if (!tw.empty()) grads = tape.gradient(loss, tw);
  } else {
    // The last, partial batch can leave a rank without samples; it still joins the all-reduce.
    for (const auto& w : tw) grads.push_back(Tensor<T>::zeros(w.shape()));
  }
  const auto reduced = reducer.reduce(grads, mine.size(), batch.size(), !std::isfinite(value));
  if (!(skip_non_finite && reduced.any_non_finite) && !tw.empty()) optimizer_->apply_gradients(reduced.grads, tw);
  if (!mine.empty()) {
    NoGradGuard no_grad;
    const double n = static_cast<double>(mine.size());
    tracker_total_ += value * n;
    tracker_count_ += n;
    for (auto& m : metrics_) m->update_state(b.y, y_pred, mask);
  }
  return reduced.any_non_finite;
}

template <class T>
Logs Model<T>::collect_logs_data_parallel() {
  std::vector<double> buffer{tracker_total_, tracker_count_};
  std::vector<std::size_t> sizes;
  for (const auto& m : metrics_) {
    const auto st = m->state();
    sizes.push_back(st.size());
    buffer.insert(buffer.end(), st.begin(), st.end());
  }
  const std::vector<double> local = buffer;
  communicator_->all_reduce_sum(buffer.data(), buffer.size());
  dp_total_ = dp_base_total_ + buffer[0];
  dp_count_ = dp_base_count_ + buffer[1];
  Logs logs;
  if (dp_count_ == 0.0) return logs;
  logs["loss"] = dp_total_ / dp_count_;
  std::size_t offset = 2;
  for (std::size_t i = 0; i < metrics_.size(); ++i) {
    const auto at = [&](const std::vector<double>& v) {
      return std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(offset),
                                 v.begin() + static_cast<std::ptrdiff_t>(offset + sizes[i]));
    };
    metrics_[i]->set_state(at(buffer));
    logs[metric_names_[i]] = metrics_[i]->result();
    metrics_[i]->set_state(at(local));
    offset += sizes[i];
  }
  return logs;
}

#define LOOM_INSTANTIATE_DATA_PARALLEL(T)                                                                   \
  template void Model<T>::agree_data_parallel(const Dataset<T>&, const std::optional<Dataset<T>>&,         \
                                              const FitOptions<T>&);                                       \
  template void Model<T>::sync_from_rank0(distribute::Communicator&);                                      \
  template bool Model<T>::train_step_data_parallel(const Dataset<T>&, const std::vector<std::size_t>&, bool, \
                                                   distribute::GradientReducer<T>&);                       \
  template Logs Model<T>::collect_logs_data_parallel();
LOOM_INSTANTIATE_DATA_PARALLEL(float)
LOOM_INSTANTIATE_DATA_PARALLEL(double)
#undef LOOM_INSTANTIATE_DATA_PARALLEL

}  // namespace loom
