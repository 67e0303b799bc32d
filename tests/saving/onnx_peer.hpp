#pragma once
// Running the ONNX peers from the tests: onnxruntime-web 1.30.0 in node (tests/saving/onnx/peer.js,
// installed by `npm ci` into <build>/onnx/node_modules by .ci/deps-test or the ctest entry
// saving.onnx_peer_setup) and onnx.checker from Debian's python3-onnx (tests/saving/onnx/check.py).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/tensor.hpp"
#include "saving/tfjs_peer.hpp"  // slurp_file

namespace loom::test {

inline std::string onnx_modules() { return std::string(LOOM_BINARY_DIR) + "/onnx/node_modules"; }

// Why onnxruntime-web cannot run, or "" when it can.
inline std::string onnx_peer_unavailable() {
  if (std::system("node --version > /dev/null 2>&1") != 0)
    return "node is not installed (run .ci/deps-test, which installs Debian's nodejs and npm)";
  const std::string text = slurp_file(onnx_modules() + "/onnxruntime-web/package.json");
  if (text.empty())
    return "onnxruntime-web is not installed in " + onnx_modules() +
           " (npm ci did not run or could not reach the npm registry: see the output of ctest's "
           "saving.onnx_peer_setup, or run tests/saving/npm_peer_setup.sh tests/saving/onnx " + std::string(LOOM_BINARY_DIR) +
           "/onnx onnxruntime-web)";
  if (Config::parse(text).value("version", "") != "1.30.0")
    return "onnxruntime-web in " + onnx_modules() + " is not 1.30.0 (run saving.onnx_peer_setup again)";
  return "";
}

inline std::string onnx_checker_unavailable() {
  if (std::system("/usr/bin/python3 -c 'import onnx' > /dev/null 2>&1") != 0)
    return "/usr/bin/python3 has no onnx module (apt-get install python3-onnx; .ci/deps-test does)";
  return "";
}

// Runs a command with its output in `log`; "" on success, else the exit code and the log.
inline std::string run_logged(const std::string& what, const std::string& line, const std::string& log) {
  const int rc = std::system((line + " > '" + log + "' 2>&1").c_str());
  if (rc == 0) return "";
  return what + " exited with " + std::to_string(rc) + ":\n" + slurp_file(log);
}

// node peer.js <dir>: every model of <dir>/index.json through ONNX Runtime.
inline std::string run_onnx_peer(const std::string& dir) {
  return run_logged("node peer.js", "NODE_PATH='" + onnx_modules() + "' node '" + std::string(LOOM_SOURCE_DIR) +
                    "/tests/saving/onnx/peer.js' '" + dir + "'", dir + "/peer.log");
}

inline std::string run_onnx_checker(const std::string& dir) {
  return run_logged("check.py", "/usr/bin/python3 '" + std::string(LOOM_SOURCE_DIR) + "/tests/saving/onnx/check.py' '" +
                    dir + "'", dir + "/check.log");
}

inline std::string onnx_work_dir(const std::string& name) {
  const std::string dir = std::string(LOOM_BINARY_DIR) + "/onnx_work/" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline void write_f32(const std::string& path, const Tensor<float>& t) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(t.data()), static_cast<std::streamsize>(t.size() * sizeof(float)));
}

// What the peer wrote for one run: y (float32) and y.json (its dims).
inline Tensor<float> read_ort_output(const std::string& path) {
  const auto dims = Config::parse(slurp_file(path + ".json")).get<std::vector<std::size_t>>();
  const std::string bytes = slurp_file(path);
  std::vector<float> v(bytes.size() / sizeof(float));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return Tensor<float>(Shape(dims), v);
}

}  // namespace loom::test
