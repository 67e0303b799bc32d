#pragma once
// Embedding: maps integer ids to rows of an (input_dim, output_dim) table, as
// keras.layers.Embedding. Ids come as a Tensor<T> holding integer values, any shape; the output
// appends output_dim. With mask_zero, id 0 is padding and compute_mask() gives (ids != 0).
#include <cstddef>
#include <concepts>
#include <memory>
#include <string>

#include "core/checks.hpp"
#include "layers/constraints.hpp"
#include "layers/initializers.hpp"
#include "layers/layer.hpp"
#include "layers/option_arg.hpp"
#include "layers/regularizers.hpp"

namespace loom {

struct EmbeddingOptions {
  // Each field knows its name, so a bad identifier is reported as "Embedding: argument '<field>': ...".
  template <class Arg, FixedString Name>
  using Option = OptionArg<Arg, "Embedding", Name>;

  // "uniform" is Keras's RandomUniform(-0.05, 0.05).
  Option<InitializerArg, "embeddings_initializer"> embeddings_initializer = "uniform";
  Option<RegularizerArg, "embeddings_regularizer"> embeddings_regularizer = nullptr;
  Option<ConstraintArg, "embeddings_constraint"> embeddings_constraint = nullptr;
  bool mask_zero = false;
  std::string name;  // "" -> "embedding", "embedding_1", ...
};

template <class T = float>
class Embedding : public Layer<T> {
 public:
  // input_dim or output_dim <= 0 -> ValueError. An id outside [0, input_dim) -> IndexError at call.
  template <std::integral I, std::integral J>
    requires(!std::same_as<I, bool> && !std::same_as<J, bool>)
  Embedding(I input_dim, J output_dim, EmbeddingOptions options = {})
      : Embedding(check::positive("Embedding", "input_dim", input_dim),
                  check::positive("Embedding", "output_dim", output_dim), std::move(options), 0) {}
  static std::shared_ptr<Embedding> from_config(const Config& config);

  void build(const Shape& input_shape) override;
  Tensor<T> call(const Tensor<T>& ids, const CallContext<T>& ctx) override;
  // (ids != 0) with mask_zero, else undefined (no mask), as Keras.
  Tensor<T> compute_mask(const Tensor<T>& ids, const Tensor<T>& mask) const override;
  Config get_config() const override;
  // The ONNX lowering (Layer::onnx_lowering), defined in saving/onnx_lower_layers.cpp.
  void onnx_lowering(OnnxLowering& graph) const override;

  // Before build -> ValueError (Layer::built_weight).
  const Variable<T>& embeddings() const { return this->built_weight(embeddings_, "embeddings"); }
  const EmbeddingOptions& options() const { return opt_; }
  std::size_t input_dim() const { return input_dim_; }
  std::size_t output_dim() const { return output_dim_; }

 protected:
  bool fixed_input_features() const override { return false; }

 private:
  Embedding(std::size_t input_dim, std::size_t output_dim, EmbeddingOptions options, int);
  std::size_t input_dim_, output_dim_;
  EmbeddingOptions opt_;
  Variable<T> embeddings_;
};

extern template class Embedding<float>;
extern template class Embedding<double>;

}  // namespace loom
