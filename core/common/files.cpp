#include "core/common/files.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fcntl.h>
#include <unistd.h>

#include "core/common/ids.h"

namespace wb {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTempSuffix = ".wbtmp";

std::string errnoText() { return std::strerror(errno); }

Status writeAllTo(int fd, std::string_view bytes, const fs::path& where) {
  const char* data = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return makeError("write failed (disk full?): " + errnoText(), where.string());
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  return {};
}

Status makeParent(const fs::path& path) {
  if (!path.has_parent_path()) return {};
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return makeError("cannot create folder: " + ec.message(), path.parent_path().string());
  return {};
}

// Opens a new, uniquely named temp file beside PATH (O_EXCL: never someone else's).
Result<fs::path> openTempBeside(const fs::path& path, int& fd) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    const fs::path tmp = path.parent_path() / ("." + path.filename().string() + "." +
                                               randomHexId().substr(0, 12) + std::string(kTempSuffix));
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) return tmp;
    if (errno != EEXIST) return makeError("cannot write: " + errnoText(), tmp.string());
  }
  return makeError("cannot create a unique temp file", path.string());
}

}  // namespace

Status writeFileAtomic(const fs::path& path, std::string_view bytes) {
  if (auto st = makeParent(path); !st) return st;
  int fd = -1;
  auto tmp = openTempBeside(path, fd);
  if (!tmp) return tmp.error();
  auto fail = [&](Error e) -> Status {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp->c_str());
    return e;
  };
  if (auto st = writeAllTo(fd, bytes, path); !st) return fail(st.error());
  if (::fsync(fd) != 0) return fail(makeError("fsync failed: " + errnoText(), path.string()));
  const int closed = ::close(fd);
  fd = -1;
  if (closed != 0) return fail(makeError("write failed: " + errnoText(), path.string()));
  if (::rename(tmp->c_str(), path.c_str()) != 0)
    return fail(makeError("cannot rename: " + errnoText(), path.string()));
  return fsyncDirectory(path.has_parent_path() ? path.parent_path() : fs::path("."));
}

Status writeFileNew(const fs::path& path, std::string_view bytes) {
  if (auto st = makeParent(path); !st) return st;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return makeError("cannot write: " + errnoText(), path.string());
  Status st = writeAllTo(fd, bytes, path);
  if (::close(fd) != 0 && st) st = makeError("write failed: " + errnoText(), path.string());
  if (!st) ::unlink(path.c_str());
  return st;
}

namespace {

// Runs SYNC (fsync or syncfs) on an open descriptor of DIR.
Status syncDirWith(const fs::path& dir, int (*sync)(int), const char* what) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return makeError("cannot open folder: " + errnoText(), dir.string());
  const int rc = sync(fd);
  const std::string why = rc != 0 ? errnoText() : std::string();
  ::close(fd);
  if (rc != 0) return makeError(std::string(what) + " failed: " + why, dir.string());
  return {};
}

}  // namespace

Status fsyncDirectory(const fs::path& dir) { return syncDirWith(dir, ::fsync, "fsync"); }

Status syncTree(const fs::path& dir) {
  if (auto st = syncDirWith(dir, ::syncfs, "sync"); !st) return st;
  // syncfs covers directory entries too on Linux file systems, but fsync of each folder is
  // what POSIX promises; folders are few.
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec))
      if (auto st = fsyncDirectory(it->path()); !st) return st;
  if (ec) return makeError("cannot list folder: " + ec.message(), dir.string());
  return fsyncDirectory(dir);
}

Result<std::string> readFileBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(std::string("cannot open: ") + std::strerror(errno), path.string());
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return makeError("read failed", path.string());
  return bytes;
}

bool isAtomicWriteTemp(const fs::path& path) {
  const std::string name = path.filename().string();
  return name.size() > kTempSuffix.size() + 1 && name.front() == '.' && name.ends_with(kTempSuffix);
}

}  // namespace wb
