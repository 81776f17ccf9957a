#include "core/registry/bundle.h"

#include <zip.h>

#include <algorithm>
#include <ctime>
#include <memory>
#include <set>
#include <system_error>

#include "core/common/files.h"
#include "core/common/numbers.h"
#include "core/objects/object_store.h"

#ifndef WB_VERSION
#define WB_VERSION "unknown"
#endif

namespace wb::registry {

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

constexpr const char* kChecksums = "checksums.sha256";
constexpr const char* kModelJson = "model.json";
constexpr std::uint64_t kMaxBundleFileBytes = 8ull << 30;
// 1980-01-01 00:00 in MS-DOS time: the earliest a zip can say, so every bundle says it.
constexpr zip_uint16_t kDosTime = 0;
constexpr zip_uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;

bool isTextMember(const std::string& name) {
  for (const char* ext : {".json", ".md", ".txt", ".sha256", ".yaml", ".csv"})
    if (name.ends_with(ext)) return true;
  return false;
}

// model.json, README.md, the weights, then everything else by name: a fixed order.
std::vector<std::string> memberOrder(const BundleFiles& files) {
  std::vector<std::string> first;
  for (const char* name : {kModelJson, "README.md", "weights.safetensors", "model.pt"})
    if (files.members.count(name)) first.push_back(name);
  for (const auto& [name, bytes] : files.members)
    if (std::find(first.begin(), first.end(), name) == first.end()) first.push_back(name);
  return first;
}

// A member name is a relative path with no way out of the folder it is unpacked in.
bool isSafeMemberName(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.find('\\') != std::string::npos ||
      name.find('\0') != std::string::npos)
    return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t end = std::min(name.find('/', start), name.size());
    const std::string_view part(name.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

std::string sha256(const std::string& bytes) { return objects::sha256Hex(bytes.data(), bytes.size()); }

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;

Status addMember(zip_t* za, const std::string& name, const std::string& bytes) {
  zip_source_t* source = zip_source_buffer(za, bytes.data(), bytes.size(), 0);
  if (!source) return makeError(zip_strerror(za), name);
  const zip_int64_t index = zip_file_add(za, name.c_str(), source, ZIP_FL_ENC_UTF_8);
  if (index < 0) {
    zip_source_free(source);
    return makeError(zip_strerror(za), name);
  }
  const auto i = static_cast<zip_uint64_t>(index);
  const bool deflate = isTextMember(name);
  if (zip_set_file_compression(za, i, deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, deflate ? 9 : 0) != 0 ||
      zip_file_set_dostime(za, i, kDosTime, kDosDate, 0) != 0 ||
      zip_file_set_external_attributes(za, i, 0, ZIP_OPSYS_UNIX, 0100644u << 16) != 0)
    return makeError(zip_strerror(za), name);
  return {};
}

Result<std::string> readSource(zip_source_t* source) {
  if (zip_source_open(source) < 0) return makeError(zip_error_strerror(zip_source_error(source)));
  std::string out;
  char buffer[1 << 16];
  zip_int64_t n = 0;
  while ((n = zip_source_read(source, buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<std::size_t>(n));
  zip_source_close(source);
  if (n < 0) return makeError(zip_error_strerror(zip_source_error(source)));
  return out;
}

// Why libzip could not open BYTES, in the words of bundle.h.
Error openError(std::string_view bytes, int code, const std::string& source) {
  const bool zip_start = bytes.size() >= 4 && bytes.substr(0, 4) == std::string_view("PK\3\4", 4);
  if (zip_start && (code == ZIP_ER_NOZIP || code == ZIP_ER_INCONS || code == ZIP_ER_EOF))
    return makeError("truncated or damaged zip file (its central directory is missing or cut)", source);
  if (code == ZIP_ER_NOZIP) return makeError("not a zip file", source);
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  Error err = makeError(std::string("not a readable zip file: ") + zip_error_strerror(&e), source);
  zip_error_fini(&e);
  return err;
}

Result<std::string> readMember(zip_t* za, zip_uint64_t index, const zip_stat_t& st, const std::string& ctx) {
  zip_file_t* file = zip_fopen_index(za, index, 0);
  if (!file) return makeError(std::string("cannot read: ") + zip_strerror(za), ctx);
  std::string out;
  out.resize(static_cast<std::size_t>(st.size));
  zip_uint64_t done = 0;
  zip_int64_t n = 0;
  while (done < st.size && (n = zip_fread(file, out.data() + done, st.size - done)) > 0)
    done += static_cast<zip_uint64_t>(n);
  char extra = 0;
  const zip_int64_t more = n < 0 ? -1 : zip_fread(file, &extra, 1);  // also verifies the CRC at the end
  std::string error;
  if (n < 0 || more < 0) {
    const int code = zip_error_code_zip(zip_file_get_error(file));
    error = code == ZIP_ER_CRC ? std::string("damaged (CRC mismatch)") : std::string("damaged: ") + zip_file_strerror(file);
  } else if (done != st.size || more > 0) {
    error = "damaged (its size does not match the zip directory)";
  }
  zip_fclose(file);
  if (!error.empty()) return makeError(error, ctx);
  return out;
}

// checksums.sha256: "<64 hex>  <member>" lines (sha256sum's format; " *" marks binary mode).
Result<std::vector<std::pair<std::string, std::string>>> parseChecksums(const std::string& text,
                                                                        const std::string& source) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t line_no = 0, start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (line.empty()) continue;
    const bool ok = line.size() > 66 && objects::ObjectStore::isValidId(line.substr(0, 64)) && line[64] == ' ' &&
                    (line[65] == ' ' || line[65] == '*');
    if (!ok) return makeError("malformed line (expected \"<sha256>  <member>\")", source + ": " + kChecksums + ":" + std::to_string(line_no));
    out.emplace_back(line.substr(66), line.substr(0, 64));
  }
  return out;
}

Status checkModelJson(const BundleFiles& files, const std::string& source) {
  auto json = files.modelJson();
  if (!json) return makeError(json.error().text(), source);
  if (json->value("format", std::string()) != kBundleFormat)
    return makeError("model.json: \"format\" is not \"" + std::string(kBundleFormat) + "\" (not a Workbench bundle)", source);
  auto version = json->find("format_version");
  if (version == json->end() || !version->is_number_integer())
    return makeError("model.json: \"format_version\" missing", source);
  if (version->get<std::int64_t>() > kBundleFormatVersion)
    return makeError("bundle format_version " + std::to_string(version->get<std::int64_t>()) +
                         " is newer than this Workbench reads (" + std::to_string(kBundleFormatVersion) + ")",
                     source);
  return {};
}

// Every member listed and matching, nothing unlisted.
Status checkChecksums(const BundleFiles& files, const std::string& checksums, const std::string& source) {
  auto listed = parseChecksums(checksums, source);
  if (!listed) return listed.error();
  std::set<std::string> seen;
  for (const auto& [name, hash] : *listed) {
    if (!seen.insert(name).second) return makeError(std::string(kChecksums) + " lists " + name + " twice", source);
    const std::string* bytes = files.find(name);
    if (!bytes) return makeError("member " + name + " is listed in " + kChecksums + " but missing", source);
    if (sha256(*bytes) != hash) return makeError("member " + name + ": SHA-256 mismatch (damaged)", source);
  }
  for (const auto& [name, bytes] : files.members)
    if (!seen.count(name)) return makeError("member " + name + " is not listed in " + kChecksums, source);
  return {};
}

std::string utcText(double unix_s) {
  const std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string jsonText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return formatGeneral(v.get<double>(), 6);
  if (v.is_null()) return "–";
  return v.dump();
}

}  // namespace

std::string workbenchVersion() { return WB_VERSION; }

Result<Json> BundleFiles::modelJson() const {
  const std::string* text = find(kModelJson);
  if (!text) return makeError("no model.json (not a Workbench bundle)");
  Json json = Json::parse(*text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return makeError("model.json is not a JSON object");
  return json;
}

const std::string* BundleFiles::find(const std::string& path) const {
  auto it = members.find(path);
  return it == members.end() ? nullptr : &it->second;
}

Result<std::string> writeBundle(const BundleFiles& files) {
  std::string checksums;
  const auto order = memberOrder(files);
  for (const auto& name : order) {
    if (!isSafeMemberName(name) || name == kChecksums) return makeError("invalid member name", name);
    checksums += sha256(files.members.at(name)) + "  " + name + "\n";
  }
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (!buffer) return makeError(zip_error_strerror(&error), "bundle");
  ZipPtr za(zip_open_from_source(buffer, ZIP_TRUNCATE, &error));
  if (!za) {
    zip_source_free(buffer);
    return makeError(zip_error_strerror(&error), "bundle");
  }
  zip_source_keep(buffer);  // outlives zip_close: it holds the result
  std::unique_ptr<zip_source_t, decltype(&zip_source_free)> keep(buffer, &zip_source_free);
  for (const auto& name : order)
    if (auto st = addMember(za.get(), name, files.members.at(name)); !st) return st.error();
  if (auto st = addMember(za.get(), kChecksums, checksums); !st) return st.error();
  if (zip_close(za.get()) != 0) return makeError(zip_strerror(za.get()), "bundle");
  (void)za.release();
  return readSource(buffer);
}

Result<BundleFiles> readBundle(std::string_view bytes, const std::string& source, std::uint64_t max_member_bytes) {
  // libzip opens an empty buffer as an empty archive.
  if (bytes.empty()) return makeError("not a zip file (empty)", source);
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (!src) return makeError(zip_error_strerror(&error), source);
  ZipPtr za(zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &error));
  if (!za) {
    zip_source_free(src);
    const int code = zip_error_code_zip(&error);
    zip_error_fini(&error);
    return openError(bytes, code, source);
  }
  const zip_int64_t count = zip_get_num_entries(za.get(), 0);
  if (count < 0 || static_cast<std::uint64_t>(count) > kMaxBundleMembers)
    return makeError(std::to_string(count) + " members: more than a bundle has (limit " +
                         std::to_string(kMaxBundleMembers) + ")", source);
  BundleFiles files;
  std::string checksums;
  bool has_checksums = false;
  for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(count); ++i) {
    zip_stat_t st;
    if (zip_stat_index(za.get(), i, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) || !(st.valid & ZIP_STAT_SIZE))
      return makeError("unreadable zip entry " + std::to_string(i), source);
    const std::string name = st.name;
    if (name.ends_with('/') && st.size == 0) continue;  // a folder entry (re-zipped by hand)
    const std::string ctx = source + ": member " + name;
    if (!isSafeMemberName(name)) return makeError("unsafe member name", ctx);
    if (st.size > max_member_bytes)
      return makeError("unpacks to " + std::to_string(st.size) + " bytes, above the limit of " +
                           std::to_string(max_member_bytes) + " (a zip bomb or a damaged file)",
                       ctx);
    auto data = readMember(za.get(), i, st, ctx);
    if (!data) return data.error();
    if (name == kChecksums) {
      checksums = std::move(*data);
      has_checksums = true;
    } else if (!files.members.emplace(name, std::move(*data)).second) {
      return makeError("appears twice", ctx);
    }
  }
  if (!has_checksums) return makeError("not a Workbench bundle (no checksums.sha256)", source);
  if (auto st = checkChecksums(files, checksums, source); !st) return st.error();
  if (auto st = checkModelJson(files, source); !st) return st.error();
  return files;
}

Result<BundleFiles> readBundleFile(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return makeError("cannot read: " + ec.message(), path.string());
  if (size > kMaxBundleFileBytes)
    return makeError("file of " + std::to_string(size) + " bytes is too large for a bundle", path.string());
  auto bytes = readFileBytes(path);
  if (!bytes) return bytes.error();
  return readBundle(*bytes, path.string());
}

std::string modelCard(const Json& m) {
  const Json sig = m.value("signature", Json::object());
  const Json lineage = m.value("lineage", Json::object());
  std::string name = m.value("name", std::string("model"));
  const int version = m.value("version", 0);
  std::string card = "# " + name + (version > 0 ? " v" + std::to_string(version) : std::string()) + "\n\n";
  if (auto d = m.value("description", std::string()); !d.empty()) card += d + "\n\n";
  const std::string task = sig.value("task", std::string("classification"));
  card += "- **Type**: " + m.value("type", std::string("?")) + "\n";
  card += "- **Task**: " + task + " on " + sig.value("kind", std::string("?")) + " input\n";
  if (auto c = sig.find("classes"); c != sig.end() && c->is_array() && !c->empty()) {
    std::string list;
    for (const auto& v : *c) list += (list.empty() ? "" : ", ") + jsonText(v);
    card += "- **Classes** (" + std::to_string(c->size()) + "): " + list + "\n";
  }
  if (auto t = sig.value("target", std::string()); !t.empty()) card += "- **Target**: " + t + "\n";
  if (auto in = sig.find("inputs"); in != sig.end() && in->is_array())
    for (const auto& i : *in)
      card += "- **Input** `" + i.value("name", std::string()) + "`: " + i.value("datatype", std::string()) + " " +
              i.value("shape", Json::array()).dump() + "\n";
  if (auto f = sig.find("features"); f != sig.end() && f->is_array() && !f->empty()) {
    std::string list;
    for (const auto& v : *f) list += (list.empty() ? "" : ", ") + jsonText(v);
    card += "- **Features**: " + list + "\n";
  }
  if (const Json metrics = m.value("metrics", Json::object()); metrics.is_object() && !metrics.empty()) {
    card += "\n## Metrics\n\n| metric | last | min | max |\n|---|---|---|---|\n";
    for (const auto& [key, v] : metrics.items())
      card += "| " + key + " | " + jsonText(v.value("last", Json())) + " | " + jsonText(v.value("min", Json())) +
              " | " + jsonText(v.value("max", Json())) + " |\n";
  }
  card += "\n## Lineage\n\n";
  for (const char* key : {"run_id", "run_name", "checkpoint", "dataset", "config_hash", "workbench_version"})
    if (auto v = lineage.value(key, std::string()); !v.empty()) card += "- " + std::string(key) + ": " + v + "\n";
  if (auto at = lineage.find("created_at"); at != lineage.end() && at->is_number())
    card += "- created_at: " + utcText(at->get<double>()) + "\n";
  const bool torchscript = m.value("weights", std::string()) == "model.pt";
  card += "\n## Use\n\n"
          "This file is a zip: `unzip` lists and unpacks it, `sha256sum -c checksums.sha256` checks the "
          "unpacked members. Workbench loads it without a workspace (`registry::loadBundleFile`), and "
          "`wb models import` registers it in one, where `" + name + "@ALIAS` then names it.\n\n";
  card += torchscript ? "The model is a TorchScript archive, `model.pt` (`torch.jit.load` in Python).\n"
                      : "The weights are `weights.safetensors`, by parameter name (Python: the `safetensors` "
                        "package, or json + struct).\n";
  card += "`model.json` holds the signature and the fitted preprocessing inputs need; `examples/` a few "
          "inputs with the outputs expected from them.\n";
  return card;
}

}  // namespace wb::registry
