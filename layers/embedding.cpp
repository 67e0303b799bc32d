#include "layers/embedding.hpp"

#include "autograd/ops/gather.hpp"
#include "core/errors.hpp"
#include "core/config.hpp"
#include "layers/layer_config.hpp"

namespace loom {

template <class T>
Embedding<T>::Embedding(std::size_t input_dim, std::size_t output_dim, EmbeddingOptions options, int)
    : Layer<T>(options.name.empty() ? unique_layer_name("embedding") : options.name),
      input_dim_(input_dim),
      output_dim_(output_dim),
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
  c["input_dim"] = input_dim_;
  c["output_dim"] = output_dim_;
  c["embeddings_initializer"] = config::initializer(opt_.embeddings_initializer.ptr);
  c["embeddings_regularizer"] = config::regularizer(opt_.embeddings_regularizer.ptr);
  c["activity_regularizer"] = nullptr;
  c["embeddings_constraint"] = config::constraint(opt_.embeddings_constraint.ptr);
  c["mask_zero"] = opt_.mask_zero;
  return c;
}

template <class T>
std::shared_ptr<Embedding<T>> Embedding<T>::from_config(const Config& c) {
  config::Reader r(c, "Embedding");
  const auto base = config::read_layer_base<T>(r);
  const long long input_dim = r.integer("input_dim"), output_dim = r.integer("output_dim");
  EmbeddingOptions o;
  o.name = base.name;
  config::read(r, "embeddings_initializer", o.embeddings_initializer);
  config::read(r, "embeddings_regularizer", o.embeddings_regularizer);
  config::read(r, "embeddings_constraint", o.embeddings_constraint);
  config::read(r, "mask_zero", o.mask_zero);
  r.unsupported("activity_regularizer", {nullptr});
  r.unsupported("lora_rank", {nullptr});
  r.unsupported("input_length", {nullptr});
  r.finish();
  return config::finish_layer(std::make_shared<Embedding<T>>(input_dim, output_dim, std::move(o)), base);
}

template class Embedding<float>;
template class Embedding<double>;

}  // namespace loom
