#pragma once
// The MPI communicator: MPI_COMM_WORLD through Boost.MPI, for processes started by mpirun (or a
// cluster's launcher). No MPI or Boost.MPI header is included here, so that code including
// loom.hpp compiles as fast with MPI as without it; the implementation lives in the .cpp.
//
//   auto comm = loom::distribute::mpi_communicator();     // MPI_Init on first use
//   model.fit(x, y, {.batch_size = 32, .communicator = comm});  // 32 = the global batch
#include <memory>

#include "train/distribute/communicator.hpp"

namespace loom::distribute {

// Whether this loom was built with LOOM_WITH_MPI (Boost.MPI and an MPI implementation found).
bool mpi_available();

// The communicator of every process of the job (MPI_COMM_WORLD). The first call initialises MPI;
// MPI is finalised at exit. Every call returns the same communicator. Throws NotImplementedError
// when loom was built without MPI (LOOM_WITH_MPI=OFF).
std::shared_ptr<Communicator> mpi_communicator();

}  // namespace loom::distribute
