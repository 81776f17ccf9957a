#pragma once

// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
// header length, a JSON header {"name": {"dtype": "F32", "shape": [..], "data_offsets":
// [begin, end]}, "__metadata__": {string: string}}, then the raw little-endian tensor bytes.
// Qt-free and LibTorch-free (packaging.h converts to and from at::Tensor).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"

namespace wb::registry {

struct RawTensor {
  std::string name;
  std::string dtype;  // "F32", "F64", "I64", "I32", "U8", "BOOL", …
  std::vector<std::int64_t> shape;
  std::string bytes;  // row-major, little-endian; size = numel × element size
};

/// Serialises TENSORS (written in name order, as the format wants) with METADATA.
/// Errors: a byte count that does not match dtype × shape, an unknown dtype, a duplicate name.
Result<std::string> writeSafetensors(const std::vector<RawTensor>& tensors,
                                     const std::map<std::string, std::string>& metadata = {});

struct SafetensorsFile {
  std::vector<RawTensor> tensors;  // in file order
  std::map<std::string, std::string> metadata;
};

/// Parses and validates: header length within the file, JSON well formed, every tensor's
/// offsets inside the data, contiguous and non-overlapping, sizes matching dtype × shape.
/// Errors name the tensor or the field ("weights.safetensors: tensor 'fc.weight': …").
Result<SafetensorsFile> readSafetensors(std::string_view bytes);

/// Bytes per element of DTYPE, 0 when unknown.
std::size_t dtypeSize(std::string_view dtype);

}  // namespace wb::registry
