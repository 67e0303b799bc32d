#pragma once
// The keys of a weight file as structural weight paths (layers/weight_paths.hpp), also for files
// of loom 0.1, which keyed each weight by its variable's global name "<unique layer name>/<weight>"
// ("lstm_cell_3/kernel"). Such a file is recognised by having no key that is a path of the model
// and only keys of two segments (a path has at least three, but for a lone layer's own weights),
// and mapped (docs/interop.md, "Weight files of loom 0.1"):
//   1. by exact variable name, when every key is the global name of one of the model's weights
//      (the model was rebuilt in the same order in a fresh process);
//   2. else by rank: keys and the model's weights are grouped by (layer name without its "_N"
//      counter, weight name); in each group the keys, ordered by N, pair with the model's weights
//      in model order. Groups, counts and shapes must all agree.
#include <map>
#include <string>

#include "core/shape.hpp"
#include "layers/layer.hpp"

namespace loom {

// file key -> weight path for every key of `keys` (key -> shape). A file in the current scheme
// (some key is a path of the layer, or has more than two segments) maps every key to itself; the caller's checks then name any
// key that is missing or foreign. An old file that cannot be mapped throws IOError naming `what`
// (the file) and the first key that cannot be mapped.
template <class T>
std::map<std::string, std::string> weight_file_keys(const Layer<T>& layer, const std::map<std::string, Shape>& keys,
                                                    const std::string& what);

extern template std::map<std::string, std::string> weight_file_keys<float>(const Layer<float>&,
                                                                           const std::map<std::string, Shape>&,
                                                                           const std::string&);
extern template std::map<std::string, std::string> weight_file_keys<double>(const Layer<double>&,
                                                                            const std::map<std::string, Shape>&,
                                                                            const std::string&);

}  // namespace loom
