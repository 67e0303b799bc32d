#pragma once
#include "core/blas.hpp"
#include "core/buffer_pool.hpp"
#include "core/errors.hpp"
#include "core/random.hpp"
#include "core/shape.hpp"
#include "core/tensor.hpp"
#include "core/xarray_interop.hpp"
