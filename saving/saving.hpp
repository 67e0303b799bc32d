#pragma once
// Umbrella header of saving/: whole models in files (Keras's keras.saving) and the exchange
// formats of other frameworks. It sits above train/ because a saved model holds the compiled
// state (optimizer, loss, metrics) that train/ defines.
#include "saving/model_file.hpp"
#include "saving/onnx_export.hpp"
#include "saving/onnx_lowering.hpp"
#include "saving/tfjs.hpp"
