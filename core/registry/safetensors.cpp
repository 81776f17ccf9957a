#include "core/registry/safetensors.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

namespace wb::registry {

namespace {

using Json = nlohmann::json;

// Far above any header we write; a file claiming more is damaged or hostile.
constexpr std::uint64_t kMaxHeaderBytes = 100ull << 20;
constexpr const char* kFile = "weights.safetensors";

std::string tensorContext(const std::string& name) { return std::string(kFile) + ": tensor '" + name + "'"; }

// numel × element size, or nullopt on a negative dimension or an overflow.
std::optional<std::uint64_t> byteCount(const std::vector<std::int64_t>& shape, std::size_t element) {
  std::uint64_t n = element;
  for (const auto d : shape) {
    if (d < 0) return std::nullopt;
    const auto u = static_cast<std::uint64_t>(d);
    if (u != 0 && n > UINT64_MAX / u) return std::nullopt;
    n *= u;
  }
  return n;
}

void putU64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t getU64(std::string_view in) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[static_cast<std::size_t>(i)]);
  return v;
}

Result<RawTensor> parseEntry(const std::string& name, const Json& entry, std::uint64_t data_size,
                             std::uint64_t& begin, std::uint64_t& end) {
  const std::string ctx = tensorContext(name);
  if (!entry.is_object()) return makeError("expected an object", ctx);
  RawTensor t;
  t.name = name;
  auto dtype = entry.find("dtype");
  if (dtype == entry.end() || !dtype->is_string()) return makeError("missing \"dtype\"", ctx);
  t.dtype = dtype->get<std::string>();
  const std::size_t element = dtypeSize(t.dtype);
  if (element == 0) return makeError("unknown dtype \"" + t.dtype + "\"", ctx);
  auto shape = entry.find("shape");
  if (shape == entry.end() || !shape->is_array()) return makeError("missing \"shape\"", ctx);
  for (const auto& d : *shape) {
    if (!d.is_number_unsigned()) return makeError("shape: expected non-negative integers", ctx);
    t.shape.push_back(d.get<std::int64_t>());
  }
  auto offsets = entry.find("data_offsets");
  if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned())
    return makeError("\"data_offsets\": expected [begin, end]", ctx);
  begin = (*offsets)[0].get<std::uint64_t>();
  end = (*offsets)[1].get<std::uint64_t>();
  if (begin > end || end > data_size)
    return makeError("data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                         "] outside the data (" + std::to_string(data_size) + " bytes)",
                     ctx);
  const auto expected = byteCount(t.shape, element);
  if (!expected || *expected != end - begin)
    return makeError("holds " + std::to_string(end - begin) + " bytes, dtype " + t.dtype +
                         " × shape needs " + (expected ? std::to_string(*expected) : "too many"),
                     ctx);
  return t;
}

}  // namespace

std::size_t dtypeSize(std::string_view dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL") return 1;
  return 0;
}

Result<std::string> writeSafetensors(const std::vector<RawTensor>& tensors,
                                     const std::map<std::string, std::string>& metadata) {
  std::vector<const RawTensor*> sorted;
  for (const auto& t : tensors) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->name < b->name; });
  Json header = Json::object();
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const RawTensor& t = *sorted[i];
    const std::string ctx = tensorContext(t.name);
    if (t.name.empty() || t.name == "__metadata__") return makeError("invalid tensor name", ctx);
    if (i > 0 && sorted[i - 1]->name == t.name) return makeError("duplicate tensor name", ctx);
    const std::size_t element = dtypeSize(t.dtype);
    if (element == 0) return makeError("unknown dtype \"" + t.dtype + "\"", ctx);
    const auto expected = byteCount(t.shape, element);
    if (!expected || *expected != t.bytes.size())
      return makeError(std::to_string(t.bytes.size()) + " bytes do not match dtype " + t.dtype + " × shape", ctx);
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text = header.dump(-1, ' ', false, Json::error_handler_t::strict);
  // Pad with spaces to 8 bytes so the data starts aligned (as the reference writer does).
  while (text.size() % 8 != 0) text.push_back(' ');
  std::string out;
  out.reserve(8 + text.size() + offset);
  putU64(out, text.size());
  out += text;
  for (const auto* t : sorted) out += t->bytes;
  return out;
}

Result<SafetensorsFile> readSafetensors(std::string_view bytes) {
  if (bytes.size() < 8) return makeError("too short for a header length (" + std::to_string(bytes.size()) + " bytes)", kFile);
  const std::uint64_t header_size = getU64(bytes);
  if (header_size > kMaxHeaderBytes || header_size > bytes.size() - 8)
    return makeError("header length " + std::to_string(header_size) + " exceeds the file (" +
                         std::to_string(bytes.size()) + " bytes)", kFile);
  Json header = Json::parse(bytes.substr(8, header_size), nullptr, false);
  if (header.is_discarded() || !header.is_object()) return makeError("the header is not a JSON object", kFile);
  const std::string_view data = bytes.substr(8 + header_size);
  SafetensorsFile file;
  struct Span {
    std::uint64_t begin, end;
    std::size_t index;
  };
  std::vector<Span> spans;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) return makeError("__metadata__: expected an object of strings", kFile);
      for (const auto& [k, v] : entry.items()) {
        if (!v.is_string()) return makeError("__metadata__." + k + ": expected a string", kFile);
        file.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    std::uint64_t begin = 0, end = 0;
    auto t = parseEntry(name, entry, data.size(), begin, end);
    if (!t) return t.error();
    spans.push_back({begin, end, file.tensors.size()});
    file.tensors.push_back(std::move(*t));
  }
  // The data must be covered exactly: in offset order, each tensor starts where the last ended.
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t at = 0;
  for (const auto& s : spans) {
    const std::string& name = file.tensors[s.index].name;
    if (s.begin < at) return makeError("overlaps the previous tensor", tensorContext(name));
    if (s.begin > at) return makeError("leaves a gap before it (data not contiguous)", tensorContext(name));
    at = s.end;
    file.tensors[s.index].bytes.assign(data.substr(s.begin, s.end - s.begin));
  }
  if (at != data.size())
    return makeError(std::to_string(data.size() - at) + " bytes after the last tensor", kFile);
  // File order = offset order.
  std::vector<RawTensor> ordered;
  ordered.reserve(spans.size());
  for (const auto& s : spans) ordered.push_back(std::move(file.tensors[s.index]));
  file.tensors = std::move(ordered);
  return file;
}

}  // namespace wb::registry
