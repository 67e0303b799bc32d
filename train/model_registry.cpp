// Sequential joins the layers folder's registries from here: the layer registry cannot name it,
// since layers/ comes before train/ in the dependency chain.
#include <mutex>

#include "core/serialize.hpp"
#include "layers/registry.hpp"
#include "train/sequential.hpp"

namespace loom {

void register_model_classes() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_class<Layer<float>, Sequential<float>>("Sequential", true);
    register_class<Layer<double>, Sequential<double>>("Sequential", true);
  });
}

}  // namespace loom
