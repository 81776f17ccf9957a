#include "core/objects/object_store.h"

#include <cerrno>
#include <cstring>
#include <memory>

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/common/ids.h"

namespace fs = std::filesystem;

namespace wb::objects {

namespace {

using EvpCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
constexpr std::size_t kIoBlock = 1 << 20;

std::string toHex(const unsigned char* digest, unsigned len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(len * 2, '0');
  for (unsigned i = 0; i < len; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return out;
}

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

Status writeAll(int fd, const char* data, std::size_t size, const fs::path& where) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return makeError(std::string("write failed: ") + std::strerror(errno), where.string());
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

void fsyncDir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Reads FD to its end in kIoBlock pieces, handing each to CONSUME.
template <typename Consume>
Status readBlocks(int fd, const fs::path& path, Consume&& consume) {
  std::vector<char> buf(kIoBlock);
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return makeError(std::string("read failed: ") + std::strerror(errno), path.string());
    }
    if (n == 0) return {};
    consume(buf.data(), static_cast<std::size_t>(n));
  }
}

}  // namespace

std::string sha256Hex(const void* data, std::size_t size_bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(data, size_bytes, digest, &len, EVP_sha256(), nullptr);
  return toHex(digest, len);
}

Result<std::string> sha256File(const fs::path& path) {
  Fd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.fd < 0) return makeError(std::strerror(errno), path.string());
  EvpCtx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  const Status read = readBlocks(in.fd, path, [&](const char* data, std::size_t n) {
    EVP_DigestUpdate(ctx.get(), data, n);
  });
  if (!read) return read.error();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  return toHex(digest, len);
}

bool ObjectStore::isValidId(const std::string& id) {
  return id.size() == 64 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

fs::path ObjectStore::pathOf(const std::string& id) const {
  // An id from an untrusted manifest ("../../etc/passwd") must never become a path.
  if (!isValidId(id)) return {};
  return m_root / id.substr(0, 2) / id.substr(2);
}

bool ObjectStore::claimExisting(const fs::path& target, std::uint64_t size_bytes) {
  // Touch first: gc spares young objects and checks the age after moving an object aside,
  // so a copy this writer reuses is either seen as young or gone (then it is written anew).
  if (::utimensat(AT_FDCWD, target.c_str(), nullptr, 0) != 0) return false;
  std::error_code ec;
  const auto n = fs::file_size(target, ec);
  return !ec && n == size_bytes;
}

bool ObjectStore::exists(const std::string& id) const {
  std::error_code ec;
  return isValidId(id) && fs::is_regular_file(pathOf(id), ec);
}

Result<std::uint64_t> ObjectStore::size(const std::string& id) const {
  if (!isValidId(id)) return makeError("not an object id", id);
  std::error_code ec;
  const auto n = fs::file_size(pathOf(id), ec);
  if (ec) return makeError("no such object", id);
  return static_cast<std::uint64_t>(n);
}

Result<fs::path> ObjectStore::makeTemp(int& fd) {
  const fs::path dir = tempDir();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return makeError("cannot create folder: " + ec.message(), dir.string());
  const fs::path tmp = dir / (randomHexId() + std::string(kTempSuffix));
  fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return makeError(std::string("cannot create: ") + std::strerror(errno), tmp.string());
  return tmp;
}

Result<std::string> ObjectStore::commitTemp(const fs::path& tmp, const std::string& id,
                                            std::uint64_t size_bytes, bool sync_dir) {
  const fs::path target = pathOf(id);
  std::error_code ec;
  // Dedup: an intact copy is already there. A truncated one is replaced.
  if (claimExisting(target, size_bytes)) {
    fs::remove(tmp, ec);
    return id;
  }
  fs::create_directories(target.parent_path(), ec);
  if (ec) {
    fs::remove(tmp, ec);
    return makeError("cannot create folder: " + ec.message(), target.parent_path().string());
  }
  ::chmod(tmp.c_str(), 0444);
  // rename() is atomic: concurrent writers of the same content each replace it with identical
  // bytes, and readers see either the old or the new complete file.
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    fs::remove(tmp, ec);
    return makeError("cannot store object: " + why, target.string());
  }
  if (sync_dir) fsyncDir(target.parent_path());
  return id;
}

Result<std::string> ObjectStore::put(const void* data, std::size_t size_bytes) {
  return putHashed(sha256Hex(data, size_bytes), data, size_bytes, Durability::Immediate);
}

Status ObjectStore::sync() const {
  Fd fd(::open(m_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.fd < 0) return makeError(std::strerror(errno), m_root.string());
  if (::syncfs(fd.fd) != 0)
    return makeError(std::string("sync failed: ") + std::strerror(errno), m_root.string());
  return {};
}

Result<std::string> ObjectStore::putHashed(const std::string& id, const void* data,
                                           std::size_t size_bytes, Durability durability) {
  if (!isValidId(id)) return makeError("not an object id", id);
  const bool deferred = durability == Durability::Deferred;
  std::error_code ec;
  if (claimExisting(pathOf(id), size_bytes)) return id;
  int raw_fd = -1;
  auto tmp = makeTemp(raw_fd);
  if (!tmp) return tmp.error();
  {
    Fd fd(raw_fd);
    if (auto st = writeAll(fd.fd, static_cast<const char*>(data), size_bytes, *tmp); !st) {
      fs::remove(*tmp, ec);
      return st.error();
    }
    if (!deferred && ::fsync(fd.fd) != 0) {
      const std::string why = std::strerror(errno);
      fs::remove(*tmp, ec);
      return makeError("fsync failed: " + why, tmp->string());
    }
  }
  return commitTemp(*tmp, id, size_bytes, !deferred);
}

Result<std::string> ObjectStore::putFile(const fs::path& source) {
  // Hash first: already-stored content costs one read and no write.
  auto id = sha256File(source);
  if (!id) return id.error();
  std::error_code ec;
  const auto size_bytes = fs::file_size(source, ec);
  if (ec) return makeError(ec.message(), source.string());
  if (claimExisting(pathOf(*id), size_bytes)) return *id;

  Fd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.fd < 0) return makeError(std::strerror(errno), source.string());
  int raw_fd = -1;
  auto tmp = makeTemp(raw_fd);
  if (!tmp) return tmp.error();
  Fd out(raw_fd);
  // Hash what is copied as well: a file changing under us must not be stored under a wrong id.
  EvpCtx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buf(kIoBlock);
  std::uint64_t copied = 0;
  for (;;) {
    const ssize_t n = ::read(in.fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fs::remove(*tmp, ec);
      return makeError(std::string("read failed: ") + std::strerror(errno), source.string());
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(n));
    if (auto st = writeAll(out.fd, buf.data(), static_cast<std::size_t>(n), *tmp); !st) {
      fs::remove(*tmp, ec);
      return st.error();
    }
    copied += static_cast<std::uint64_t>(n);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  if (toHex(digest, len) != *id) {
    fs::remove(*tmp, ec);
    return makeError("file changed while it was being stored", source.string());
  }
  if (::fsync(out.fd) != 0) {
    const std::string why = std::strerror(errno);
    fs::remove(*tmp, ec);
    return makeError("fsync failed: " + why, tmp->string());
  }
  return commitTemp(*tmp, *id, copied);
}

Result<std::string> ObjectStore::read(const std::string& id) const {
  if (!isValidId(id)) return makeError("not an object id", id);
  const fs::path path = pathOf(id);
  Fd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.fd < 0) return makeError("no such object", id);
  std::string out;
  struct stat st {};
  if (::fstat(in.fd, &st) == 0) out.reserve(static_cast<std::size_t>(st.st_size));
  const Status status =
      readBlocks(in.fd, path, [&](const char* data, std::size_t n) { out.append(data, n); });
  if (!status) return status.error();
  return out;
}

Status ObjectStore::verify(const std::string& id) const {
  if (!isValidId(id)) return makeError("not an object id", id);
  if (!exists(id)) return makeError("missing", id);
  auto actual = sha256File(pathOf(id));
  if (!actual) return actual.error();
  if (*actual != id) return makeError("content does not match its hash (corrupt)", id);
  return {};
}

Result<VerifyReport> ObjectStore::verifyAll(
    const std::function<bool(std::size_t, std::size_t)>& progress) const {
  std::vector<std::string> ids;
  std::error_code ec;
  if (!fs::exists(m_root, ec)) return VerifyReport{};
  for (const auto& dir : fs::directory_iterator(m_root, ec)) {
    const auto prefix = dir.path().filename().string();
    if (!dir.is_directory() || prefix.size() != 2 || prefix == "tm") continue;
    for (const auto& f : fs::directory_iterator(dir.path(), ec)) {
      if (f.is_regular_file()) ids.push_back(prefix + f.path().filename().string());
    }
  }
  if (ec) return makeError(ec.message(), m_root.string());
  VerifyReport report;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (progress && !progress(i, ids.size())) return makeError("cancelled");
    ++report.checked;
    if (auto sz = size(ids[i])) report.bytes += *sz;
    if (!isValidId(ids[i])) {
      report.problems.push_back({ids[i], "stray file in the object store"});
      continue;
    }
    if (auto st = verify(ids[i]); !st) report.problems.push_back({ids[i], st.error().message});
  }
  if (progress) progress(ids.size(), ids.size());
  return report;
}

}  // namespace wb::objects
