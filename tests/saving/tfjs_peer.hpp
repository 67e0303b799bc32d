#pragma once
// Running the TensorFlow.js peer (tests/saving/tfjs/peer.js) from the tests: node from PATH and
// @tensorflow/tfjs 4.22.0 installed by `npm ci` into <build>/tfjs/node_modules (.ci/deps-test, or
// the ctest entry saving.tfjs_peer_setup, which runs tests/saving/npm_peer_setup.sh).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/config.hpp"

namespace loom::test {

inline std::string slurp_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

inline std::string tfjs_modules() { return std::string(LOOM_BINARY_DIR) + "/tfjs/node_modules"; }

// Why the peer cannot run, or "" when it can: the skip message names what is missing and how to get it.
inline std::string tfjs_peer_unavailable() {
  if (std::system("node --version > /dev/null 2>&1") != 0)
    return "node is not installed (run .ci/deps-test, which installs Debian's nodejs and npm)";
  const std::string pkg = tfjs_modules() + "/@tensorflow/tfjs/package.json";
  const std::string text = slurp_file(pkg);
  if (text.empty())
    return "@tensorflow/tfjs is not installed in " + tfjs_modules() +
           " (npm ci did not run or could not reach the npm registry: see the output of ctest's "
           "saving.tfjs_peer_setup, or run tests/saving/npm_peer_setup.sh tests/saving/tfjs " + std::string(LOOM_BINARY_DIR) +
           "/tfjs @tensorflow/tfjs)";
  if (Config::parse(text).value("version", "") != "4.22.0")
    return "@tensorflow/tfjs in " + tfjs_modules() + " is not 4.22.0 (run saving.tfjs_peer_setup again)";
  return "";
}

// node peer.js <cmd> <dir>; returns "" on success, else the exit code and node's stderr.
inline std::string run_tfjs_peer(const std::string& cmd, const std::string& dir) {
  const std::string log = dir + "/peer_" + cmd + ".log";
  const std::string line = "NODE_PATH='" + tfjs_modules() + "' node '" + std::string(LOOM_SOURCE_DIR) +
                           "/tests/saving/tfjs/peer.js' " + cmd + " '" + dir + "' > '" + log + "' 2>&1";
  const int rc = std::system(line.c_str());
  if (rc == 0) return "";
  return "node peer.js " + cmd + " exited with " + std::to_string(rc) + ":\n" + slurp_file(log);
}

inline std::string fresh_dir(const std::string& name) {
  const std::string dir = std::string(LOOM_BINARY_DIR) + "/tfjs_work/" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace loom::test
