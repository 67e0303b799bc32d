#include "train/io/atomic_file.hpp"

#include <dirent.h>
#include <signal.h>

#include <cerrno>
#include <cstdlib>
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

// A symbolic link is written through, as open() would: the rename then replaces the file the
// link names and the link stays. Relative links resolve against the link's own folder.
std::string resolve_links(const std::string& path) {
  std::string p = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    std::string target(4096, '\0');
    const ssize_t n = ::readlink(p.c_str(), target.data(), target.size());
    if (n < 0 || static_cast<std::size_t>(n) >= target.size())
      throw IOError("AtomicFileWriter: path '" + path + "' expected a readable symbolic link, received '" + p +
                    "' (" + errno_text() + ")");
    target.resize(static_cast<std::size_t>(n));
    p = target.front() == '/' ? target : folder_of(p) + "/" + target;
  }
  throw IOError("AtomicFileWriter: path '" + path + "' expected at most 40 symbolic links, received more");
}

// Temporary files are ".<name>.tmp-<pid>-XXXXXX": one whose process no longer runs was left by a
// kill between create and rename, and is removed before a new one is made.
void remove_stale_temporaries(const std::string& folder, const std::string& name) {
  const std::string prefix = "." + name + ".tmp-";
  DIR* d = ::opendir(folder.c_str());
  if (!d) return;
  while (const dirent* e = ::readdir(d)) {
    const std::string entry = e->d_name;
    if (entry.rfind(prefix, 0) != 0) continue;
    const std::string rest = entry.substr(prefix.size());
    const auto dash = rest.find('-');
    if (dash == std::string::npos || dash == 0 || rest.find_first_not_of("0123456789") != dash) continue;
    const long pid = std::strtol(rest.substr(0, dash).c_str(), nullptr, 10);
    if (pid <= 0 || pid == ::getpid()) continue;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) ::unlink((folder + "/" + entry).c_str());
  }
  ::closedir(d);
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)) {
  if (name_of(path_).empty() || name_of(path_) == "." || name_of(path_) == "..")
    throw IOError("AtomicFileWriter: path expected to name a file, received '" + path_ + "'");
  path_ = resolve_links(path_);
  const std::string name = name_of(path_);
  // rename() would replace a device node, a fifo or a socket with a regular file (as root, saving
  // to /dev/full replaced the device); a folder cannot be replaced at all.
  struct stat st {};
  const bool exists = ::stat(path_.c_str(), &st) == 0;
  if (exists && !S_ISREG(st.st_mode))
    throw IOError("AtomicFileWriter: path '" + path_ + "' expected a regular file or a new name, received " +
                  (S_ISDIR(st.st_mode) ? "a folder" : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                                                                                                  : "a special file"));
  remove_stale_temporaries(folder_of(path_), name);
  std::string tmpl = folder_of(path_) + "/." + name + ".tmp-" + std::to_string(::getpid()) + "-XXXXXX";
  fd_ = ::mkstemp(tmpl.data());
  if (fd_ < 0)
    throw IOError("AtomicFileWriter: cannot create a temporary file in folder '" + folder_of(path_) +
                  "' for '" + path_ + "': " + errno_text());
  temp_ = tmpl;
  // mkstemp makes the file 0600: an existing file keeps its own mode, a new one gets what
  // std::ofstream would give it.
  ::fchmod(fd_, exists ? (st.st_mode & 07777) : (0666 & ~current_umask()));
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
