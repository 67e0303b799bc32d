#include "train/io/atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.hpp"

namespace loom::io {
namespace {

std::string errno_text() { return std::strerror(errno); }

std::string folder_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string name_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The process umask, read without umask()'s set-and-restore race against other threads.
mode_t current_umask() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("Umask:", 0) == 0) return static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
  return 022;
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)) {
  const std::string name = name_of(path_);
  if (name.empty() || name == "." || name == "..")
    throw IOError("AtomicFileWriter: path expected to name a file, received '" + path_ + "'");
  std::string tmpl = folder_of(path_) + "/." + name + ".tmp-XXXXXX";
  fd_ = ::mkstemp(tmpl.data());
  if (fd_ < 0)
    throw IOError("AtomicFileWriter: cannot create a temporary file in folder '" + folder_of(path_) +
                  "' for '" + path_ + "': " + errno_text());
  temp_ = tmpl;
  // mkstemp makes the file 0600; a saved file should be as readable as one from std::ofstream.
  ::fchmod(fd_, 0666 & ~current_umask());
}

AtomicFileWriter::~AtomicFileWriter() {
  if (!committed_) discard();
}

void AtomicFileWriter::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicFileWriter::write(const void* data, std::size_t size) {
  if (fd_ < 0 || committed_)
    throw IOError("AtomicFileWriter: write to '" + path_ + "' after commit or failure");
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd_, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = errno_text();
      discard();
      throw IOError("AtomicFileWriter: writing '" + temp_ + "' (for '" + path_ + "') failed: " + why);
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void AtomicFileWriter::commit() {
  if (fd_ < 0 || committed_)
    throw IOError("AtomicFileWriter: commit of '" + path_ + "' after commit or failure");
  auto fail = [&](const char* step) {
    const std::string why = errno_text();
    discard();
    throw IOError(std::string("AtomicFileWriter: ") + step + " for '" + path_ + "' failed: " + why +
                  "; the previous file, if any, is untouched");
  };
  if (::fsync(fd_) != 0) fail("fsync of the temporary file");
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close of the temporary file");
  if (::rename(temp_.c_str(), path_.c_str()) != 0) fail("rename of the temporary file");
  committed_ = true;
  // Persist the rename. A folder that cannot be opened or synced (some file systems) leaves the
  // file complete either way, so this step does not fail the write.
  const int dfd = ::open(folder_of(path_).c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  AtomicFileWriter w(path);
  w.write(bytes);
  w.commit();
}

std::string read_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw IOError("read_file: '" + path + "' is a folder, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IOError("read_file: cannot open '" + path + "' (missing or unreadable)");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw IOError("read_file: error while reading '" + path + "'");
  return ss.str();
}

}  // namespace loom::io
