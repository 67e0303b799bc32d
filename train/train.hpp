#pragma once
// Umbrella header of train/: every public header of the folder.
#include "train/plot.hpp"
#include "train/losses.hpp"
#include "train/metrics.hpp"
#include "train/data/csv.hpp"
#include "train/data/dataset.hpp"
#include "train/data/sequences.hpp"
#include "train/data/vocabulary.hpp"
#include "train/data/windows.hpp"
#include "train/io/atomic_file.hpp"
#include "train/io/npy.hpp"
#include "train/io/npz.hpp"
