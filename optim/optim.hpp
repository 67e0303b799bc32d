#pragma once
// Umbrella header of optim/: every public header of the folder but optimizer_config.hpp and
// registry.hpp, which bring in core/'s config headers (include optimizer_config.hpp and
// core/serialize.hpp to read or write configs).
#include "optim/adagrad.hpp"
#include "optim/adam.hpp"
#include "optim/adamw.hpp"
#include "optim/get.hpp"
#include "optim/optimizer.hpp"
#include "optim/rmsprop.hpp"
#include "optim/schedules.hpp"
#include "optim/sgd.hpp"
