// The data-parallel fit strategy (data_parallel_fit.hpp). The reasons are in docs/distributed.md.
#include "train/distribute/data_parallel_fit.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <cmath>
#include <limits>
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
#include "train/model.hpp"

namespace loom::detail {

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
DataParallelFit<T>::DataParallelFit(Model<T>& model, std::shared_ptr<distribute::Communicator> comm)
    : m_(model), comm_(std::move(comm)), reducer_(comm_) {}

template <class T>
void DataParallelFit<T>::prepare(const Dataset<T>& train, const std::optional<Dataset<T>>& val,
                                 const FitOptions<T>& o) {
  distribute::Communicator& comm = *comm_;
  const std::string who = "Model '" + m_.name() + "' fit";
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
      if (m_.loss_->reduction() != losses::Reduction::sum_over_batch_size)
        throw NotImplementedError(who + ": a loss with reduction sum_over_batch_size expected with " +
                                  std::to_string(ranks) + " ranks (averaging the ranks' gradients gives the "
                                  "whole batch's only for a mean), received '" + m_.loss_->name() +
                                  "' with another reduction");
      if (const std::string filter = m_.loss_->target_filter(); !filter.empty())
        throw NotImplementedError(who + ": a loss that keeps every target (no ignore_class) expected with " +
                                  std::to_string(ranks) + " ranks (each rank's mean over its kept entries, "
                                  "averaged, is not the whole batch's mean), received " + filter + " in loss '" +
                                  m_.loss_->name() + "'");
      for (const auto& m : m_.metrics_) (void)m->state();  // a custom metric without state() throws here
    }
    if (!m_.built()) {
      // Rank 0's weights are sent to all, so they must exist before the first step.
      const auto mine = distribute::shard(elements.front(), rank, ranks);
      m_.build(train.gather(mine, true).x.shape());
    }
    if (ranks > 1 && m_.output_mask().defined())
      throw NotImplementedError(who + ": a model without an output mask expected with " + std::to_string(ranks) +
                                " ranks (each rank's mean over its unmasked entries, averaged, is not the whole "
                                "batch's mean), received a model whose output carries a mask");
    std::size_t weight_elements = 0, trainable_elements = 0;
    for (const auto& w : m_.weights()) weight_elements += w.value().size();
    for (const auto& w : m_.trainable_weights()) trainable_elements += w.value().size();
    std::ostringstream s;
    s << "epochs " << o.epochs << "\nglobal batch size " << global_batch << "\ninitial_epoch " << o.initial_epoch
      << "\ninitial_step " << o.initial_step << "\nbatches in epoch " << o.initial_epoch << ": " << elements.size()
      << "\nsample order of epoch " << o.initial_epoch << ": " << order_hash(elements)
      << "\nvalidation batches " << (val ? val->elements(0).size() : 0) << "\nweights "
      << m_.weights().size() << " (" << weight_elements << " elements)\ntrainable weights "
      << m_.trainable_weights().size() << " (" << trainable_elements << " elements)\noptimizer "
      << type_name(typeid(*m_.optimizer_)) << " at iteration " << m_.optimizer_->iterations() << "\nloss "
      << m_.loss_->name() << "\nmetrics";
    for (const auto& n : m_.metric_names_) s << " " << n;
    s << "\ncallbacks";
    for (const auto& c : o.callbacks) s << " " << (c ? type_name(typeid(*c)) : "null");
    s << "\nterminate_on_nan " << o.terminate_on_nan << "\n";
    if (o.initial_epoch > 0) s << "history epochs " << m_.history_.size() << "\n";  // what a resume continues
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
History DataParallelFit<T>::run(const std::function<History()>& body) {
  if (comm_->size() == 1) {
    sync_from_rank0();
    return body();
  }
  try {
    sync_from_rank0();
    return body();
  } catch (const std::exception& e) {
    // Thrown on this rank alone, in the middle of the collectives: the other ranks would wait for
    // this one forever, so the whole job ends.
    comm_->abort("Model '" + m_.name() + "' fit failed on this rank, ending every rank (they would wait for it "
                 "forever): " + e.what(), 1);
    throw;  // not reached: abort() does not return
  }
}

template <class T>
void DataParallelFit<T>::sync_from_rank0() {
  distribute::Communicator& comm = *comm_;
  const auto tw = m_.trainable_weights();
  // Slots exist on every rank before the copy (Keras would create them at the first step).
  m_.optimizer_->build(tw);
  auto weights = m_.weights();
  auto state = m_.optimizer_->get_state();
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
  std::vector<double> tracker{m_.tracker_total_, m_.tracker_count_, m_.tracker_restored_ ? 1.0 : 0.0};
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
  m_.optimizer_->set_state(state);
  default_generator().set_state(rng);
  m_.tracker_total_ = tracker[0];
  m_.tracker_count_ = tracker[1];
  m_.tracker_restored_ = tracker[2] != 0.0;
}

template <class T>
void DataParallelFit<T>::begin_epoch(std::optional<std::pair<double, double>> kept) {
  // The restored tracker is the job's (rank 0's, sent to all); each rank's own tracker starts from
  // zero and the reduction adds the restored part once.
  base_total_ = kept ? kept->first : 0.0;
  base_count_ = kept ? kept->second : 0.0;
}

template <class T>
bool DataParallelFit<T>::train_batch(const Dataset<T>& train, const std::vector<std::size_t>& batch,
                                     bool skip_non_finite) {
  distribute::Communicator& comm = *comm_;
  const auto mine = distribute::shard(batch, comm.rank(), comm.size());
  const auto tw = m_.trainable_weights();
  std::vector<Tensor<T>> grads;
  double value = 0.0;
  Batch<T> b;
  Tensor<T> y_pred, mask;
  if (!mine.empty()) {
    b = train.gather(mine, true);
    if (!b.y.defined())
      throw ValueError("Model '" + m_.name() + "' fit: targets expected, received a dataset without y");
    GradientTape<T> tape;
    y_pred = m_(b.x, true);
    mask = m_.output_mask();
    if (mask.defined() && comm.size() > 1)
      throw NotImplementedError("Model '" + m_.name() + "' fit: a model without an output mask expected with " +
                                std::to_string(comm.size()) + " ranks, received an output mask");
    Tensor<T> loss = (*m_.loss_)(b.y, y_pred, {}, mask);
    for (const auto& r : m_.losses()) loss = add(loss, r);
    value = static_cast<double>(loss.item());
    if (!tw.empty()) grads = tape.gradient(loss, tw);
  } else {
    // The last, partial batch can leave a rank without samples; it still joins the all-reduce.
    for (const auto& w : tw) grads.push_back(Tensor<T>::zeros(w.shape()));
  }
  const auto reduced = reducer_.reduce(grads, mine.size(), batch.size(), !std::isfinite(value));
  // Every rank holds the same reduced gradients, so all of them take this decision alike; a
  // non-finite gradient is never applied (Model::train_step says why).
  const bool bad_grads = !std::all_of(reduced.grads.begin(), reduced.grads.end(),
                                      [](const Tensor<T>& g) { return g.all_finite(); });
  if (bad_grads && !mine.empty()) value = std::numeric_limits<double>::quiet_NaN();
  if (!(skip_non_finite && reduced.any_non_finite) && !bad_grads && !tw.empty())
    m_.optimizer_->apply_gradients(reduced.grads, tw);
  if (!mine.empty()) {
    NoGradGuard no_grad;
    const double n = static_cast<double>(mine.size());
    m_.tracker_total_ += value * n;
    m_.tracker_count_ += n;
    for (auto& m : m_.metrics_) m->update_state(b.y, y_pred, mask);
  }
  return reduced.any_non_finite || bad_grads;
}

template <class T>
Logs DataParallelFit<T>::train_logs() {
  return reduce_logs();
}

template <class T>
void DataParallelFit<T>::test_batch(const Dataset<T>& data, const std::vector<std::size_t>& batch) {
  if (const auto mine = distribute::shard(batch, comm_->rank(), comm_->size()); !mine.empty())
    m_.test_step(data.gather(mine, true));
}

template <class T>
Logs DataParallelFit<T>::test_logs() {
  // Evaluation inside fit: the reduction must neither add the restored training part nor change
  // the training totals a checkpoint would save.
  const double base_total = base_total_, base_count = base_count_, total = total_, count = count_;
  base_total_ = base_count_ = 0.0;
  const Logs logs = reduce_logs();
  base_total_ = base_total;
  base_count_ = base_count;
  total_ = total;
  count_ = count;
  return logs;
}

template <class T>
Logs DataParallelFit<T>::reduce_logs() {
  std::vector<double> buffer{m_.tracker_total_, m_.tracker_count_};
  std::vector<std::size_t> sizes;
  for (const auto& m : m_.metrics_) {
    const auto st = m->state();
    sizes.push_back(st.size());
    buffer.insert(buffer.end(), st.begin(), st.end());
  }
  const std::vector<double> local = buffer;
  comm_->all_reduce_sum(buffer.data(), buffer.size());
  total_ = base_total_ + buffer[0];
  count_ = base_count_ + buffer[1];
  Logs logs;
  if (count_ == 0.0) return logs;
  logs["loss"] = total_ / count_;
  std::size_t offset = 2;
  for (std::size_t i = 0; i < m_.metrics_.size(); ++i) {
    const auto at = [&](const std::vector<double>& v) {
      return std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(offset),
                                 v.begin() + static_cast<std::ptrdiff_t>(offset + sizes[i]));
    };
    m_.metrics_[i]->set_state(at(buffer));
    logs[m_.metric_names_[i]] = m_.metrics_[i]->result();
    m_.metrics_[i]->set_state(at(local));
    offset += sizes[i];
  }
  return logs;
}

template class DataParallelFit<float>;
template class DataParallelFit<double>;

}  // namespace loom::detail
