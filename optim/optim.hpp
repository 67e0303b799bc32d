#pragma once
// Umbrella header of optim/: every public header of the folder.
#include "optim/adagrad.hpp"
#include "optim/adam.hpp"
#include "optim/adamw.hpp"
#include "optim/get.hpp"
#include "optim/optimizer.hpp"
#include "optim/optimizer_config.hpp"
#include "optim/registry.hpp"
#include "optim/rmsprop.hpp"
#include "optim/schedules.hpp"
#include "optim/sgd.hpp"
