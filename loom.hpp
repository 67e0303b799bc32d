#pragma once
// The one header a loom user includes.
#include "core/core.hpp"
#include "autograd/autograd.hpp"
#include "layers/layers.hpp"
#include "optim/optim.hpp"
#include "train/train.hpp"
#include "saving/saving.hpp"
