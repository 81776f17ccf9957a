#include "core/common/files.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace wb {

namespace fs = std::filesystem;

Status writeFileAtomic(const fs::path& path, std::string_view bytes) {
  std::error_code ec;
  if (path.has_parent_path()) {
    fs::create_directories(path.parent_path(), ec);
    if (ec) return makeError("cannot create folder: " + ec.message(), path.parent_path().string());
  }
  const fs::path tmp = path.string() + ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return makeError(std::string("cannot write: ") + std::strerror(errno), tmp.string());
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      fs::remove(tmp, ec);
      return makeError("write failed (disk full?)", path.string());
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return makeError("cannot rename: " + ec.message(), path.string());
  }
  return {};
}

Result<std::string> readFileBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(std::string("cannot open: ") + std::strerror(errno), path.string());
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return makeError("read failed", path.string());
  return bytes;
}

}  // namespace wb
