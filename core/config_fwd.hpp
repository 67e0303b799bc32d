#pragma once
// Config: an object's configuration as Keras's get_config() gives it, a JSON object with Keras's
// field names and value spellings. Only the forward declaration lives here, so that layer headers
// do not pull the whole JSON library into every translation unit; core/config.hpp has the rest.
#include <nlohmann/json_fwd.hpp>

namespace loom {

// Ordered, so that a config keeps Keras's field order when written (model.json, config.json).
using Config = nlohmann::ordered_json;

}  // namespace loom
