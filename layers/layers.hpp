#pragma once
// Umbrella header of layers/: every public header of the folder.
#include "layers/activations.hpp"
#include "layers/constraints.hpp"
#include "layers/dense.hpp"
#include "layers/dropout.hpp"
#include "layers/embedding.hpp"
#include "layers/initializers.hpp"
#include "layers/layer.hpp"
#include "layers/masking.hpp"
#include "layers/regularizers.hpp"
#include "layers/rnn_cell.hpp"
