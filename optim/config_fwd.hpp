#pragma once
// optim/'s name for a config: the same type as loom::Config (core/config_fwd.hpp), a Keras
// get_config() as JSON. Declared here, not by including core/config_fwd.hpp, because
// layers/layer.hpp still declares a loom::Config of its own (a string map) until the layers'
// configs move to JSON, and train/ includes both folders' headers.
#include <nlohmann/json_fwd.hpp>

namespace loom::optimizers {

using Config = nlohmann::ordered_json;

}  // namespace loom::optimizers
