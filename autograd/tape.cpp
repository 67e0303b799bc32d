#include "autograd/tape.hpp"

#include <algorithm>
#include <atomic>
#include <deque>

#include <boost/container/small_vector.hpp>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "autograd/no_grad.hpp"
#include "core/errors.hpp"

namespace loom {

namespace {
thread_local int g_no_grad_depth = 0;
}

NoGradGuard::NoGradGuard() { ++g_no_grad_depth; }
NoGradGuard::~NoGradGuard() { --g_no_grad_depth; }
bool grad_disabled() { return g_no_grad_depth > 0; }

namespace {
std::atomic<std::uint64_t> g_next_tape_serial{1};
template <class X, std::size_t N>
using SmallVec = boost::container::small_vector<X, N>;
}  // namespace

template <class T>
struct GradientTape<T>::State {
  struct Node {
    const char* name;
    SmallVec<std::uint64_t, 4> in_ids;
    SmallVec<Shape, 4> in_shapes;
    SmallVec<char, 4> needs;
    SmallVec<std::uint64_t, 2> out_ids;
    SmallVec<Shape, 2> out_shapes;
    BackwardFn<T> backward;
  };
  // A fresh serial on reset makes every tag this tape left on tensors stale at once.
  std::uint64_t serial = g_next_tape_serial.fetch_add(1);
  bool persistent = false;
  bool watch_variables = true;
  bool used = false;
  std::unordered_set<std::uint64_t> watched;  // tensors whose tag slots were taken
  std::deque<Node> nodes;  // a deque: growing it never moves the records

  bool watches(const Tensor<T>& t) const {
    if (!t.defined()) return false;
    if (watch_variables && t.is_trainable_variable()) return true;
    for (int k = 0; k < Tensor<T>::kTapeTags; ++k)
      if (t.tape_tag(k) == serial) return true;
    return !watched.empty() && watched.count(t.id()) != 0;
  }
  void mark(const Tensor<T>& t, const std::vector<State*>& live) {
    for (int k = 0; k < Tensor<T>::kTapeTags; ++k) {
      const std::uint64_t tag = t.tape_tag(k);
      if (tag == serial) return;
      const bool stale = tag == 0 || std::none_of(live.begin(), live.end(), [tag](const State* s) {
                           return s->serial == tag;
                         });
      if (stale) {
        t.set_tape_tag(k, serial);
        return;
      }
    }
    watched.insert(t.id());
  }
  void clear() {
    nodes.clear();
    watched.clear();
    serial = g_next_tape_serial.fetch_add(1);
  }
};

namespace {
// The tapes recording on this thread, innermost last. Tapes are scoped objects, so this is a stack.
template <class T>
std::vector<typename GradientTape<T>::State*>& active_tapes() {
  thread_local std::vector<typename GradientTape<T>::State*> stack;
  return stack;
}

template <class T>
void accumulate(std::unordered_map<std::uint64_t, Tensor<T>>& grads, std::uint64_t id,
                Tensor<T>&& g) {
  auto it = grads.find(id);
  if (it == grads.end()) {
    grads.emplace(id, std::move(g));
    return;
  }
  Tensor<T>& acc = it->second;
  // A gradient may alias another entry (add passes its incoming gradient straight through), so
  // only a tensor nobody else holds is updated in place.
  if (!acc.storage_unique()) acc = acc.clone();
  T* a = acc.data();
  const T* b = g.data();
  for (std::size_t i = 0, n = acc.size(); i < n; ++i) a[i] += b[i];
}
}  // namespace

template <class T>
GradientTape<T>::GradientTape(bool persistent, bool watch_accessed_variables)
    : st_(std::make_unique<State>()) {
  st_->persistent = persistent;
  st_->watch_variables = watch_accessed_variables;
  active_tapes<T>().push_back(st_.get());
}

template <class T>
GradientTape<T>::~GradientTape() {
  auto& stack = active_tapes<T>();
  stack.erase(std::remove(stack.begin(), stack.end(), st_.get()), stack.end());
}

template <class T>
void GradientTape<T>::watch(const Tensor<T>& t) {
  if (!t.defined())
    throw ValueError("GradientTape::watch: expected a defined tensor, received an undefined one");
  st_->mark(t, active_tapes<T>());
}

template <class T>
void GradientTape<T>::reset() {
  st_->clear();
  st_->used = false;
}

template <class T>
std::size_t GradientTape<T>::num_records() const {
  return st_->nodes.size();
}
template <class T>
bool GradientTape<T>::persistent() const {
  return st_->persistent;
}

template <class T>
Tensor<T> GradientTape<T>::gradient(const Tensor<T>& target, const Tensor<T>& source,
                                    const Tensor<T>& output_gradient) {
  return gradient(target, std::vector<Tensor<T>>{source}, output_gradient)[0];
}

template <class T>
std::vector<Tensor<T>> GradientTape<T>::gradient(const Tensor<T>& target,
                                                 const std::vector<Variable<T>>& sources,
                                                 const Tensor<T>& output_gradient) {
  std::vector<Tensor<T>> ts;
  ts.reserve(sources.size());
  for (const auto& v : sources) ts.push_back(v.value());
  return gradient(target, ts, output_gradient);
}

template <class T>
std::vector<Tensor<T>> GradientTape<T>::gradient(const Tensor<T>& target,
                                                 const std::vector<Tensor<T>>& sources,
                                                 const Tensor<T>& output_gradient) {
  State& s = *st_;
  if (s.used && !s.persistent)
    throw RuntimeError("GradientTape::gradient: a non-persistent tape can compute gradients once; "
                       "expected persistent=true for a second call");
  if (!target.defined())
    throw ValueError("GradientTape::gradient: target expected a defined tensor, received an "
                     "undefined one");
  for (std::size_t i = 0; i < sources.size(); ++i)
    if (!sources[i].defined())
      throw ValueError("GradientTape::gradient: sources[" + std::to_string(i) +
                       "] expected a defined tensor, received an undefined one");
  if (output_gradient.defined() && output_gradient.shape() != target.shape())
    throw ShapeError("GradientTape::gradient: output_gradient expected the target's shape " +
                     target.shape().str() + ", received " + output_gradient.shape().str());

  NoGradGuard no_grad;
  std::unordered_map<std::uint64_t, Tensor<T>> grads;
  grads.emplace(target.id(), output_gradient.defined() ? output_gradient.clone()
                                                        : Tensor<T>::ones(target.shape()));
  std::unordered_set<std::uint64_t> keep;
  for (const auto& src : sources) keep.insert(src.id());

  for (auto it = s.nodes.rbegin(); it != s.nodes.rend(); ++it) {
    auto& node = *it;
    bool any = false;
    for (auto id : node.out_ids) any = any || grads.count(id);
    if (!any) continue;
    BackwardCtx<T> ctx;
    ctx.grad_out.reserve(node.out_ids.size());
    ctx.out_shapes = node.out_shapes.data();
    for (std::size_t j = 0; j < node.out_ids.size(); ++j) {
      auto g = grads.find(node.out_ids[j]);
      if (g == grads.end()) {
        ctx.grad_out.emplace_back();
      } else {
        ctx.grad_out.push_back(g->second);
        if (!keep.count(node.out_ids[j])) grads.erase(g);
      }
    }
    ctx.grad_in.resize(node.in_ids.size());
    ctx.needs.assign(node.needs.begin(), node.needs.end());
    node.backward(ctx);
    ctx.grad_out.clear();
    for (std::size_t i = 0; i < node.in_ids.size(); ++i) {
      if (!node.needs[i] || !ctx.grad_in[i].defined()) continue;
      if (ctx.grad_in[i].shape() != node.in_shapes[i])
        throw RuntimeError(std::string("GradientTape::gradient: op '") + node.name +
                           "' produced a gradient of shape " + ctx.grad_in[i].shape().str() +
                           " for input " + std::to_string(i) + ", expected " +
                           node.in_shapes[i].str());
      accumulate(grads, node.in_ids[i], std::move(ctx.grad_in[i]));
    }
  }

  std::vector<Tensor<T>> out;
  out.reserve(sources.size());
  for (const auto& src : sources) {
    auto g = grads.find(src.id());
    if (g == grads.end()) {
      out.push_back(Tensor<T>::zeros(src.shape()));
    } else {
      // Entries may alias one another (add passes its gradient through), and a caller may update
      // a returned gradient in place, so shared storage is copied.
      out.push_back(g->second.storage_unique() ? g->second : g->second.clone());
    }
  }
  if (!s.persistent) {
    s.used = true;
    s.clear();
    s.nodes.shrink_to_fit();  // return the records' memory between steps
  }
  return out;
}

template class GradientTape<float>;
template class GradientTape<double>;

namespace autograd {
namespace {
template <class T>
bool any_watched(const typename GradientTape<T>::State& tape, const Tensor<T>* const* in,
                 std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (tape.watches(*in[i])) return true;
  return false;
}

template <class T>
bool should_record_impl(const Tensor<T>* const* in, std::size_t n) {
  if (g_no_grad_depth > 0) return false;
  for (auto* tape : active_tapes<T>())
    if (any_watched<T>(*tape, in, n)) return true;
  return false;
}

template <class T>
void record_impl(const char* name, const Tensor<T>* const* in, std::size_t n_in,
                 const Tensor<T>* const* out, std::size_t n_out, BackwardFn<T>& backward) {
  if (g_no_grad_depth > 0) return;
  auto& stack = active_tapes<T>();
  for (std::size_t k = 0; k < stack.size(); ++k) {
    auto& tape = *stack[k];
    typename GradientTape<T>::State::Node node;
    node.needs.resize(n_in);
    bool any = false;
    for (std::size_t i = 0; i < n_in; ++i) {
      node.needs[i] = tape.watches(*in[i]);
      any = any || node.needs[i];
    }
    if (!any) continue;
    node.name = name;
    node.in_ids.reserve(n_in);
    node.in_shapes.reserve(n_in);
    for (std::size_t i = 0; i < n_in; ++i) {
      node.in_ids.push_back(in[i]->id());
      node.in_shapes.push_back(in[i]->defined() ? in[i]->shape() : Shape{});
    }
    for (std::size_t j = 0; j < n_out; ++j) {
      node.out_ids.push_back(out[j]->id());
      node.out_shapes.push_back(out[j]->shape());
      tape.mark(*out[j], stack);
    }
    // The last tape takes the closure; earlier ones get copies.
    node.backward = (k + 1 == stack.size()) ? std::move(backward) : backward;
    tape.nodes.push_back(std::move(node));
  }
}

template <class T>
std::vector<const Tensor<T>*> pointers(std::span<const Tensor<T>> ts) {
  std::vector<const Tensor<T>*> p;
  p.reserve(ts.size());
  for (const auto& t : ts) p.push_back(&t);
  return p;
}
}  // namespace

template <class T>
bool should_record(std::initializer_list<const Tensor<T>*> inputs) {
  return should_record_impl<T>(inputs.begin(), inputs.size());
}
template <class T>
bool should_record(std::span<const Tensor<T>> inputs) {
  if (g_no_grad_depth > 0 || active_tapes<T>().empty()) return false;
  auto p = pointers(inputs);
  return should_record_impl<T>(p.data(), p.size());
}
template <class T>
void record(const char* name, std::initializer_list<const Tensor<T>*> inputs,
            std::initializer_list<const Tensor<T>*> outputs, BackwardFn<T> backward) {
  record_impl<T>(name, inputs.begin(), inputs.size(), outputs.begin(), outputs.size(), backward);
}
template <class T>
void record(const char* name, std::span<const Tensor<T>> inputs, std::span<const Tensor<T>> outputs,
            BackwardFn<T> backward) {
  auto pi = pointers(inputs);
  auto po = pointers(outputs);
  record_impl<T>(name, pi.data(), pi.size(), po.data(), po.size(), backward);
}

#define LOOM_INSTANTIATE_RECORD(T)                                                              \
  template bool should_record<T>(std::initializer_list<const Tensor<T>*>);                      \
  template bool should_record<T>(std::span<const Tensor<T>>);                                   \
  template void record<T>(const char*, std::initializer_list<const Tensor<T>*>,                 \
                          std::initializer_list<const Tensor<T>*>, BackwardFn<T>);              \
  template void record<T>(const char*, std::span<const Tensor<T>>, std::span<const Tensor<T>>,  \
                          BackwardFn<T>);
LOOM_INSTANTIATE_RECORD(float)
LOOM_INSTANTIATE_RECORD(double)
#undef LOOM_INSTANTIATE_RECORD

}  // namespace autograd
}  // namespace loom
