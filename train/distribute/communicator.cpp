#include "train/distribute/communicator.hpp"

#include <cstdlib>
#include <iostream>

#include "core/errors.hpp"

namespace loom::distribute {

namespace {
void check_root(int root) {
  if (root != 0)
    throw ValueError("SingleProcessCommunicator broadcast: root expected 0 (the only rank), received " +
                     std::to_string(root));
}
}  // namespace

void SingleProcessCommunicator::broadcast(float*, std::size_t, int root) { check_root(root); }
void SingleProcessCommunicator::broadcast(double*, std::size_t, int root) { check_root(root); }
void SingleProcessCommunicator::broadcast(std::string&, int root) { check_root(root); }

void SingleProcessCommunicator::abort(const std::string& why, int code) {
  std::cerr << "loom: " << why << std::endl;
  std::_Exit(code);
}

std::shared_ptr<Communicator> single_process() { return std::make_shared<SingleProcessCommunicator>(); }

}  // namespace loom::distribute
