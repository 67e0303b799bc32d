#pragma once
// Communicator: the few collective operations data-parallel training needs, as an interface, so
// that the training code never sees MPI. The default is one process (every operation is the
// identity); mpi_communicator() (train/distribute/mpi_communicator.hpp) runs them on MPI through
// Boost.MPI. tf.distribute's strategies play this part in Keras.
//
// Every rank must call the collective operations in the same order with the same sizes: they
// block until all ranks have joined.
#include <cstddef>
#include <memory>
#include <string>

namespace loom::distribute {

class Communicator {
 public:
  virtual ~Communicator() = default;

  // This process's number, 0 .. size() - 1; rank 0 prints and writes files in a data-parallel fit.
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // "single_process" or "mpi".
  virtual std::string name() const = 0;

  // Element-wise sum over all ranks, in place; every rank gets the result.
  virtual void all_reduce_sum(float* data, std::size_t n) = 0;
  virtual void all_reduce_sum(double* data, std::size_t n) = 0;
  // Every rank gets root's values (data must hold n elements on every rank).
  virtual void broadcast(float* data, std::size_t n, int root) = 0;
  virtual void broadcast(double* data, std::size_t n, int root) = 0;
  virtual void broadcast(std::string& text, int root) = 0;
  virtual void barrier() = 0;
  // Ends every rank of the job with `code` after printing `why`. A rank that fails alone inside a
  // collective loop calls this, because its peers would otherwise wait for it forever.
  [[noreturn]] virtual void abort(const std::string& why, int code) = 0;
};

// The default: rank 0 of 1, collectives are the identity.
class SingleProcessCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string name() const override { return "single_process"; }
  void all_reduce_sum(float*, std::size_t) override {}
  void all_reduce_sum(double*, std::size_t) override {}
  void broadcast(float*, std::size_t, int root) override;
  void broadcast(double*, std::size_t, int root) override;
  void broadcast(std::string&, int root) override;
  void barrier() override {}
  [[noreturn]] void abort(const std::string& why, int code) override;
};

std::shared_ptr<Communicator> single_process();

}  // namespace loom::distribute
