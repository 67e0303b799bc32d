#include "train/distribute/mpi_communicator.hpp"

#include "core/errors.hpp"

#ifdef LOOM_HAVE_MPI
#include <algorithm>
#include <cstdint>
#include <functional>
#include <iostream>
#include <limits>
#include <type_traits>
#include <vector>

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#endif

namespace loom::distribute {

#ifdef LOOM_HAVE_MPI

namespace {

namespace mpi = boost::mpi;

// MPI counts are ints; a model with more than 2^31 - 1 parameters is sent in pieces.
constexpr std::size_t kChunk = static_cast<std::size_t>(std::numeric_limits<int>::max());

class MpiCommunicator final : public Communicator {
 public:
  int rank() const override { return world_.rank(); }
  int size() const override { return world_.size(); }
  std::string name() const override { return "mpi"; }

  void all_reduce_sum(float* data, std::size_t n) override { reduce(data, n); }
  void all_reduce_sum(double* data, std::size_t n) override { reduce(data, n); }
  void broadcast(float* data, std::size_t n, int root) override { bcast(data, n, root); }
  void broadcast(double* data, std::size_t n, int root) override { bcast(data, n, root); }
  void broadcast(std::string& text, int root) override {
    check_root(root);
    // Sent as bytes, not through Boost.Serialization: the length first, then the characters.
    std::uint64_t length = text.size();
    mpi::broadcast(world_, length, root);
    text.resize(length);
    bcast(text.data(), text.size(), root);
  }
  void barrier() override { world_.barrier(); }
  void abort(const std::string& why, int code) override {
    std::cerr << "loom: rank " << rank() << " of " << size() << ": " << why << std::endl;
    world_.abort(code);
    std::_Exit(code);  // MPI_Abort does not return; this satisfies [[noreturn]]
  }

 private:
  // Into a scratch buffer and back, not with mpi::inplace: Boost 1.74's in-place form dereferences
  // MPI_IN_PLACE (address 1) to find the datatype, which UBSan rightly reports. The extra copy
  // is small next to the reduction itself.
  template <class V>
  void reduce(V* data, std::size_t n) {
    std::vector<V>& out = scratch<V>();
    out.resize(std::min(kChunk, n));
    for (std::size_t done = 0; done < n; done += kChunk) {
      const std::size_t count = std::min(kChunk, n - done);
      mpi::all_reduce(world_, data + done, static_cast<int>(count), out.data(), std::plus<V>());
      std::copy(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(count), data + done);
    }
  }
  template <class V>
  std::vector<V>& scratch() {
    if constexpr (std::is_same_v<V, float>)
      return scratch_f_;
    else
      return scratch_d_;
  }
  template <class V>
  void bcast(V* data, std::size_t n, int root) {
    check_root(root);
    for (std::size_t done = 0; done < n; done += kChunk)
      mpi::broadcast(world_, data + done, static_cast<int>(std::min(kChunk, n - done)), root);
  }
  void check_root(int root) const {
    if (root < 0 || root >= size())
      throw ValueError("MpiCommunicator broadcast: root expected a rank in [0, " + std::to_string(size()) +
                       "), received " + std::to_string(root));
  }

  mpi::communicator world_;  // MPI_COMM_WORLD, whose errors abort the job (MPI's default)
  std::vector<float> scratch_f_;
  std::vector<double> scratch_d_;
};

}  // namespace

bool mpi_available() { return true; }

std::shared_ptr<Communicator> mpi_communicator() {
  // One environment per process: MPI may be initialised only once, and it is finalised when this
  // static is destroyed at exit. A rank that dies instead (a signal, an uncaught exception) makes
  // mpirun end the others.
  struct World {
    mpi::environment env;  // declared first: destroyed (MPI_Finalize) after the communicator
    std::shared_ptr<Communicator> comm = std::make_shared<MpiCommunicator>();
  };
  static World world;
  return world.comm;
}

#else

bool mpi_available() { return false; }

std::shared_ptr<Communicator> mpi_communicator() {
  throw NotImplementedError(
      "mpi_communicator: an MPI build of loom expected (cmake -DLOOM_WITH_MPI=ON with libboost-mpi-dev and "
      "openmpi-bin installed), received a build without MPI");
}

#endif

}  // namespace loom::distribute
