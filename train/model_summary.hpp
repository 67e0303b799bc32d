#pragma once
// Model.summary()'s table, as tf.keras prints it: one row per tracked layer ("name (Type)", output
// shape with the batch axis as None, parameter count), then total / trainable / non-trainable
// counts with their size in bytes. Model::summary_string() gathers the rows and calls this.
#include <cstddef>
#include <string>
#include <typeinfo>
#include <vector>

#include "core/shape.hpp"

namespace loom::detail {

struct SummaryRow {
  std::string name;
  const std::type_info* type;   // the layer's class; shown without namespace or template arguments
  const Shape* output_shape;    // the last call's, null before one ("?")
  bool built;
  std::size_t params;
};

std::string format_summary(const std::string& model_name, const std::vector<SummaryRow>& rows,
                           std::size_t trainable, std::size_t non_trainable, std::size_t bytes_per_param);

}  // namespace loom::detail
