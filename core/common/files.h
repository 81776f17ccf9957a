#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace wb {

/// Writes BYTES to PATH through PATH.part and a rename (creating the parent folder): readers
/// see the old file or the complete new one, never a half-written one.
Status writeFileAtomic(const std::filesystem::path& path, std::string_view bytes);

/// The whole file, or an error naming it.
Result<std::string> readFileBytes(const std::filesystem::path& path);

}  // namespace wb
