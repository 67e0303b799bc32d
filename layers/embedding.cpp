#include "layers/embedding.hpp"

#include "autograd/ops/gather.hpp"
#include "core/errors.hpp"
#include "layers/config_util.hpp"

namespace loom {

namespace {
std::size_t positive(const char* arg, long v) {
  if (v <= 0)
    throw ValueError(std::string("Embedding: argument '") + arg +
                     "' expected a positive integer, received " + std::to_string(v));
  return static_cast<std::size_t>(v);
}
}  // namespace

template <class T>
Embedding<T>::Embedding(long input_dim, long output_dim, EmbeddingOptions options)
    : Layer<T>(options.name.empty() ? unique_layer_name("embedding") : options.name),
      input_dim_(positive("input_dim", input_dim)),
      output_dim_(positive("output_dim", output_dim)),
      opt_(std::move(options)) {}

template <class T>
void Embedding<T>::build(const Shape& input_shape) {
  embeddings_ = this->add_weight("embeddings", Shape{input_dim_, output_dim_},
                                 opt_.embeddings_initializer.ptr, opt_.embeddings_regularizer.ptr,
                                 opt_.embeddings_constraint.ptr);
  Layer<T>::build(input_shape);
}

template <class T>
Tensor<T> Embedding<T>::call(const Tensor<T>& ids, const CallContext<T>&) {
  try {
    return gather_rows(embeddings_.value(), ids);
  } catch (const IndexError& e) {
    throw IndexError("Embedding '" + this->name() + "' (input_dim " + std::to_string(input_dim_) +
                     "): " + e.what());
  } catch (const ValueError& e) {
    throw ValueError("Embedding '" + this->name() + "': " + e.what());
  }
}

template <class T>
Tensor<T> Embedding<T>::compute_mask(const Tensor<T>& ids, const Tensor<T>&) const {
  if (!opt_.mask_zero) return {};
  auto m = Tensor<T>::empty(ids.shape());
  const T* p = ids.data();
  T* q = m.data();
  for (std::size_t i = 0, n = ids.size(); i < n; ++i) q[i] = p[i] != T(0) ? T(1) : T(0);
  return m;
}

template <class T>
Config Embedding<T>::get_config() const {
  Config c = Layer<T>::get_config();
  c["input_dim"] = std::to_string(input_dim_);
  c["output_dim"] = std::to_string(output_dim_);
  c["embeddings_initializer"] = config::object(opt_.embeddings_initializer.ptr);
  c["embeddings_regularizer"] = config::object(opt_.embeddings_regularizer.ptr);
  c["embeddings_constraint"] = config::object(opt_.embeddings_constraint.ptr);
  c["mask_zero"] = config::boolean(opt_.mask_zero);
  return c;
}

template class Embedding<float>;
template class Embedding<double>;

}  // namespace loom
