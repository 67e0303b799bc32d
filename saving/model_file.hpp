#pragma once
// Whole models in one file, as Keras's model.save / keras.models.load_model: the architecture, the
// weights and, for a compiled model, everything a checkpoint holds, so that the file is loaded with
// no code but the registration of the user's own classes.
//
//   model.save("best.loom");                         // or loom::save_model(model, "best.loom")
//   auto m = loom::load_model("best.loom");          // std::shared_ptr<Model<float>>, compiled if it was
//   m->predict(x);                                    // bit-identical to model.predict(x)
//
// The file is a zip archive (written atomically: temporary file, fsync, rename) of
//   config.json          serialize(model), Keras's envelope of the architecture, with Keras's
//                        "build_config" {"input_shape": [null, ...]} and, when compiled,
//                        "compile_config" (Model::get_compile_config: optimizer envelope, loss,
//                        metrics)
//   metadata.json        {"loom_version": "0.1.0", "date_saved": "2025-01-31@12:00:00"}
//   model.weights.npz    the weights by structural path (layers/weight_paths.hpp), as save_weights
//   training_state.npz   compiled models only: the rest of a checkpoint (train/checkpoint.hpp:
//                        "optimizer/<path>/<slot>", "optimizer/iterations", "checkpoint/meta" with
//                        the learning rate, the default generator's state, the loss tracker and
//                        the history), so that fit after load_model, with initial_epoch, goes on
//                        bit for bit as an uninterrupted fit does
// Every entry is an ordinary file: unzip, json and numpy.load read them.
#include <memory>
#include <string>

#include "train/model.hpp"

namespace loom {

// The model must be built. Throws ValueError for an unbuilt model, a class that is not registered
// (layers/registry.hpp; from_config is what load_model calls), or a compiled model whose loss or
// metrics are objects (Model::get_compile_config); IOError when the file cannot be written.
template <class T>
void save_model(const Model<T>& model, const std::string& path);

// Rebuilds the model from its config (through the registries), sets its weights and, when it was
// compiled, compiles it and restores the optimizer state, learning rate, history and the default
// generator's state (as load_checkpoint does). Anything wrong with the file (a missing, truncated
// or corrupt archive, a missing entry, unparsable JSON, a config that does not rebuild, weights
// that do not fit) throws IOError naming the file, the entry and what was wrong; nothing is
// returned then, and the default generator is left as it was.
template <class T = float>
std::shared_ptr<Model<T>> load_model(const std::string& path);

extern template void save_model<float>(const Model<float>&, const std::string&);
extern template void save_model<double>(const Model<double>&, const std::string&);
extern template std::shared_ptr<Model<float>> load_model<float>(const std::string&);
extern template std::shared_ptr<Model<double>> load_model<double>(const std::string&);

}  // namespace loom
