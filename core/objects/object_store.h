#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"

namespace wb::objects {

/// SHA-256 of a buffer or a file, as 64 lowercase hex characters.
std::string sha256Hex(const void* data, std::size_t size_bytes);
Result<std::string> sha256File(const std::filesystem::path& path);

struct VerifyProblem {
  std::string object_id;
  std::string reason;
};

struct VerifyReport {
  std::size_t checked = 0;
  std::uint64_t bytes = 0;
  std::vector<VerifyProblem> problems;
};

/// Content-addressed, immutable objects under ROOT/ab/cdef… (the id is the SHA-256).
/// Writes go to a temporary file, are fsynced and renamed into place: a reader never sees a
/// partial object, putting the same content twice stores it once, and concurrent writers of
/// the same content are safe.
class ObjectStore {
 public:
  explicit ObjectStore(std::filesystem::path root) : m_root(std::move(root)) {}

  const std::filesystem::path& root() const { return m_root; }

  Result<std::string> put(const void* data, std::size_t size_bytes);
  Result<std::string> put(const std::string& bytes) { return put(bytes.data(), bytes.size()); }
  Result<std::string> putFile(const std::filesystem::path& source);
  /// Stores bytes whose SHA-256 the caller already computed (bulk imports hash once).
  /// Durability::Deferred skips the per-object fsync: call sync() before anything refers
  /// to the object (bulk imports of many small files, where one sync is far cheaper).
  enum class Durability { Unknown, Immediate, Deferred };
  Result<std::string> putHashed(const std::string& id, const void* data, std::size_t size_bytes,
                                Durability durability = Durability::Immediate);
  /// Flushes every deferred write of the file system holding the store.
  Status sync() const;

  bool exists(const std::string& id) const;
  /// Where the object lives; an empty path for anything but a valid id (64 lowercase hex).
  std::filesystem::path pathOf(const std::string& id) const;
  /// In-flight writes (`<random>.part`); a killed writer leaves them behind for gc.
  std::filesystem::path tempDir() const { return m_root / "tmp"; }
  static constexpr std::string_view kTempSuffix = ".part";
  Result<std::string> read(const std::string& id) const;
  Result<std::uint64_t> size(const std::string& id) const;

  /// Re-hashes one object: an error names what is wrong (missing, truncated, altered).
  Status verify(const std::string& id) const;
  /// Re-hashes every object; progress(done, total) may return false to cancel.
  Result<VerifyReport> verifyAll(
      const std::function<bool(std::size_t, std::size_t)>& progress = {}) const;

  /// 64 lowercase hex characters: the only strings any method turns into a path.
  static bool isValidId(const std::string& id);

 private:
  static bool claimExisting(const std::filesystem::path& target, std::uint64_t size_bytes);
  Result<std::string> commitTemp(const std::filesystem::path& tmp, const std::string& id,
                                 std::uint64_t size_bytes, bool sync_dir = true);
  Result<std::filesystem::path> makeTemp(int& fd);
  std::filesystem::path m_root;
};

}  // namespace wb::objects
