#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace wb {

/// Writes BYTES to PATH durably and atomically (creating the parent folder): the bytes go to
/// a uniquely named temp file in the same folder (so concurrent writers never share one),
/// which is fsynced, renamed over PATH, and the folder fsynced. Readers see the old file or
/// a complete new one; after success the new one survives a power cut. On any error the
/// temp file is removed.
Status writeFileAtomic(const std::filesystem::path& path, std::string_view bytes);

/// Creates PATH (which must not exist) and writes BYTES, without fsync: for files inside a
/// staging folder that is synced as a whole (syncTree) before it is renamed into place.
Status writeFileNew(const std::filesystem::path& path, std::string_view bytes);

/// fsyncs a directory, so the names created or renamed in it are durable.
Status fsyncDirectory(const std::filesystem::path& dir);

/// Makes a freshly written folder durable: syncs the file system holding it (every file's
/// data, one call instead of one fsync per file), then fsyncs every folder in it.
Status syncTree(const std::filesystem::path& dir);

/// The whole file, or an error naming it.
Result<std::string> readFileBytes(const std::filesystem::path& path);

/// True for the temp files writeFileAtomic makes (`.<name>.<random>.wbtmp`): a crash can
/// leave one behind.
bool isAtomicWriteTemp(const std::filesystem::path& path);

}  // namespace wb
