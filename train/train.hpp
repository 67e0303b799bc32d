#pragma once
// Umbrella header of train/: every public header of the folder.
#include "train/plot.hpp"
#include "train/losses.hpp"
#include "train/metrics.hpp"
