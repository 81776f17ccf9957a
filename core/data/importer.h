#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/data/dataset.h"
#include "core/data/dataset_repository.h"

namespace wb {
class Workspace;
}

namespace wb::data {

enum class SourceFormat { Unknown, ImageFolder, Mnist, Table, Text };
std::string_view toString(SourceFormat format);
SourceFormat sourceFormatFromString(std::string_view text);

struct ImportOptions {
  std::string dataset;  // name; a new version is added if it exists
  SourceFormat format = SourceFormat::Unknown;
  std::filesystem::path source;  // image folder, MNIST images file, CSV/TSV/JSONL file
  std::filesystem::path labels;  // image folder: optional CSV of path,label; MNIST: labels file
  Storage storage = Storage::Objects;  // InPlace: image files are hashed, not copied
  bool validate_images = true;         // decode every image fully (finds truncated files)
  // Tables and text
  char delimiter = 0;   // 0 = detect
  int has_header = -1;  // -1 = detect
  std::string target_column;              // table: the target (default: the last column)
  Task task = Task::Unknown;              // Unknown = guess from the target column
  std::vector<std::string> text_columns;  // text: the input columns (default: text-typed ones)
  std::string key_column;                 // optional stable row id column
  SplitSpec split;
  std::string message;
  int threads = 0;  // 0 = hardware threads
};

struct ImportProgress {
  std::string_view phase;  // "scanning", "hashing", "writing"
  std::size_t done = 0;
  std::size_t total = 0;
  std::uint64_t bytes = 0;
};
/// Returns false to cancel; called from the importing thread only.
using ImportProgressFn = std::function<bool(const ImportProgress&)>;

struct ImportResult {
  DatasetVersion version;
  bool unchanged = false;  // same content as the latest version: no version was added
  std::size_t samples = 0;
  std::size_t new_objects = 0;
  std::uint64_t bytes_read = 0;
  double seconds = 0;
  std::vector<ImportProblem> problems;  // skipped
  std::vector<ImportProblem> warnings;  // imported, but worth a look: images of an odd shape
  std::vector<std::string> notes;  // defaults that were picked ("target column: species")
};

/// Imports a source into a new dataset version. Bad files are skipped and reported in the
/// result and the manifest; only a missing source, a cancel or a store failure is an Error.
Result<ImportResult> importDataset(const Workspace& workspace, const ImportOptions& options,
                                   const ImportProgressFn& progress = {});

/// Same samples, new split: a new version whose parent is `ref`.
Result<ImportResult> resplitDataset(const Workspace& workspace, const std::string& ref,
                                    const SplitSpec& split, const std::string& message);

/// Reads and parses a version's manifest from the object store.
Result<Manifest> loadManifest(const Workspace& workspace, const DatasetVersion& version);

/// Where a sample's bytes are: the object store or, for in-place data, the source file.
std::filesystem::path samplePath(const Workspace& workspace, const Manifest& manifest,
                                 const Sample& sample);

/// One file hashed (and optionally decoded and stored) by the parallel importer.
struct HashedFile {
  std::string hash;
  std::uint64_t size_bytes = 0;
  int width = 0, height = 0, channels = 0;
  bool stored_new = false;
  std::string error;  // non-empty: skipped, with the reason
};

/// HashOnly: content hash (verify). HashAndProbe: also reads the image header and rejects
/// non-images. ValidateImage: decodes fully. ValidateAndStore: decodes and stores the object.
enum class HashMode { Unknown, HashOnly, HashAndProbe, ValidateImage, ValidateAndStore };

/// Hashes files on `threads` workers. The benchmark and the importer share this path.
std::vector<HashedFile> hashFiles(const std::vector<std::filesystem::path>& files, HashMode mode,
                                  const std::filesystem::path& objects_root, int threads,
                                  const ImportProgressFn& progress, std::atomic<bool>& cancelled);

}  // namespace wb::data
