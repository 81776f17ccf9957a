#include "core/data/importer.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "core/common/text_format.h"
#include "core/data/image_codec.h"
#include "core/data/split.h"
#include "core/data/table_parse.h"
#include "core/objects/gc.h"
#include "core/objects/object_store.h"
#include "core/store/database.h"
#include "core/workspace/workspace.h"

namespace wb::data {

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::string_view, 5> kFormatNames = {"unknown", "images", "mnist", "table",
                                                          "text"};

int threadCount(int requested) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (requested > 0) return std::min(requested, 4 * cores);
  return cores;
}

// For messages only: invalid UTF-8 bytes become '?'.
std::string sanitizeUtf8(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len > 0 && i + len <= text.size() && isValidUtf8(text.substr(i, len))) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += '?';
      ++i;
    }
  }
  return out;
}

// Files larger than this are not read whole into memory (no image is that big).
constexpr std::uint64_t kMaxFileBytes = 1ULL << 30;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool isImageExtension(const fs::path& p) {
  const auto ext = lower(p.extension().string());
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

// Runs item(i) for every i in [0, total) on `threads` workers (item returns the bytes it
// processed) while the calling thread reports progress; a false from the callback, or an item
// setting `cancelled`, stops the workers after their current item.
void parallelFor(std::size_t total, int threads, std::string_view phase,
                 const ImportProgressFn& progress, std::atomic<bool>& cancelled,
                 const std::function<std::uint64_t(std::size_t)>& item) {
  std::atomic<std::size_t> next{0}, done{0};
  std::atomic<std::uint64_t> bytes{0};
  std::mutex mutex;
  std::condition_variable cv;
  const int n = std::max(1, std::min<int>(threadCount(threads), static_cast<int>(total)));
  int running = n;  // guarded by mutex
  std::vector<std::thread> pool;
  for (int t = 0; t < n; ++t)
    pool.emplace_back([&] {
      for (std::size_t i; (i = next.fetch_add(1)) < total && !cancelled;) {
        bytes += item(i);
        done++;
      }
      std::lock_guard lock(mutex);
      running--;
      cv.notify_all();
    });
  {
    std::unique_lock lock(mutex);
    while (running > 0) {
      cv.wait_for(lock, std::chrono::milliseconds(50));
      if (progress && !cancelled) {
        lock.unlock();
        if (!progress({phase, done.load(), total, bytes.load()})) cancelled = true;
        lock.lock();
      }
    }
  }
  for (auto& t : pool) t.join();
  if (progress && !cancelled) progress({phase, done.load(), total, bytes.load()});
}

}  // namespace

std::string_view toString(SourceFormat format) {
  return kFormatNames[static_cast<std::size_t>(format) < kFormatNames.size()
                          ? static_cast<std::size_t>(format)
                          : 0];
}

SourceFormat sourceFormatFromString(std::string_view text) {
  for (std::size_t i = 1; i < kFormatNames.size(); ++i)
    if (kFormatNames[i] == text) return static_cast<SourceFormat>(i);
  if (text == "image-folder" || text == "folder") return SourceFormat::ImageFolder;
  if (text == "csv" || text == "tsv" || text == "tabular") return SourceFormat::Table;
  if (text == "jsonl") return SourceFormat::Text;
  return SourceFormat::Unknown;
}

std::vector<HashedFile> hashFiles(const std::vector<fs::path>& files, HashMode mode,
                                  const fs::path& objects_root, int threads,
                                  const ImportProgressFn& progress, std::atomic<bool>& cancelled) {
  std::vector<HashedFile> out(files.size());
  objects::ObjectStore store(objects_root);
  parallelFor(files.size(), threads, "hashing", progress, cancelled, [&](std::size_t i) {
    thread_local std::string buffer;  // reused across files: no allocation per file
    HashedFile& r = out[i];
    try {
      std::error_code size_ec;
      const auto file_bytes = fs::file_size(files[i], size_ec);
      std::ifstream in(files[i], std::ios::binary);
      if (!size_ec && file_bytes > kMaxFileBytes && mode != HashMode::HashOnly) {
        r.error = "file larger than 1 GiB (skipped)";
        return std::uint64_t{0};
      }
      if (!in) {
        r.error = std::string("cannot open: ") + std::strerror(errno);
        return std::uint64_t{0};
      }
      in.seekg(0, std::ios::end);
      const auto size = in.tellg();
      in.seekg(0);
      buffer.resize(size > 0 ? static_cast<std::size_t>(size) : 0);
      if (size < 0 || !in.read(buffer.data(), size)) {
        r.error = "cannot read the file";
        return std::uint64_t{0};
      }
      if (buffer.empty()) {
        r.error = "empty file";
        return std::uint64_t{0};
      }
      r.size_bytes = buffer.size();
      r.hash = objects::sha256Hex(buffer.data(), buffer.size());
      if (mode == HashMode::ValidateImage || mode == HashMode::ValidateAndStore) {
        auto img = decodeImage(buffer.data(), buffer.size());
        if (!img) {
          r.error = img.error().message;
        } else {
          r.width = img->width;
          r.height = img->height;
          r.channels = img->channels;
        }
      } else if (mode == HashMode::HashAndProbe) {
        // Header only: cheap, still catches files that are not images at all.
        if (auto info = probeImage(buffer.data(), buffer.size())) {
          r.width = info->width;
          r.height = info->height;
          r.channels = info->channels;
        } else {
          r.error = info.error().message;
        }
      }
      if (r.error.empty() && mode == HashMode::ValidateAndStore) {
        // putHashed skips intact copies and replaces truncated ones (a crash mid-import).
        const bool had = store.exists(r.hash);
        auto put = store.putHashed(r.hash, buffer.data(), buffer.size(),
                                   objects::ObjectStore::Durability::Deferred);
        if (!put)
          r.error = "cannot store: " + put.error().text();
        else
          r.stored_new = !had;
      }
    } catch (const std::exception& e) {
      r.error = std::string("cannot process: ") + e.what();  // e.g. out of memory
    }
    return r.size_bytes;
  });
  return out;
}

namespace {

struct Collected {
  Manifest manifest;
  std::size_t new_objects = 0;
  std::uint64_t bytes_read = 0;
  std::vector<std::string> notes;
};

// The labels CSV of an image folder: relative path → label. Rows without a label are
// problems; the path and label columns are found by name, else the first two.
Result<std::map<std::string, std::string>> readLabelsCsv(const fs::path& labels_file,
                                                         std::vector<ImportProblem>& problems) {
  auto table = readDelimitedFile(labels_file, TableParseOptions{});
  if (!table) return table.error();
  int path_col = -1, label_col = -1;
  for (std::size_t i = 0; i < table->columns.size(); ++i) {
    const auto name = lower(table->columns[i].name);
    if (path_col < 0 && (name == "path" || name == "file" || name == "filename" || name == "image"))
      path_col = static_cast<int>(i);
    if (label_col < 0 && (name == "label" || name == "class" || name == "target"))
      label_col = static_cast<int>(i);
  }
  if (path_col < 0) path_col = 0;
  if (label_col < 0) label_col = table->columns.size() > 1 ? 1 : -1;
  if (label_col < 0 || path_col == label_col)
    return makeError("the labels file needs two columns: path,label", labels_file.string());
  for (const auto& p : table->problems) problems.push_back(p);
  std::map<std::string, std::string> labels;
  for (std::size_t r = 0; r < table->rows.size(); ++r) {
    const auto& row = table->rows[r];
    const std::string rel = fs::path(row[path_col]).lexically_normal().generic_string();
    if (row[label_col].empty()) {
      problems.push_back({labels_file.string() + ":" + std::to_string(table->row_lines[r]),
                          "no label for " + row[path_col]});
      continue;
    }
    labels[rel] = row[label_col];
  }
  return labels;
}

// What a walk of an image folder found: the image files with their keys and labels.
struct FolderScan {
  std::vector<fs::path> files;
  std::vector<std::string> keys, labels;
  std::set<std::string> class_dirs;  // top-level folders (no labels CSV): empty ones are problems
};

// Walks the folder (hidden entries skipped); what is not a labelled image becomes a problem.
Result<FolderScan> scanImageFolder(const fs::path& root, const ImportOptions& o,
                                   const std::map<std::string, std::string>& csv_labels,
                                   std::vector<ImportProblem>& problems) {
  FolderScan scan;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& p = it->path();
    const std::string name = p.filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    const std::string rel = p.lexically_relative(root).generic_string();
    if (!isValidUtf8(rel)) {
      // Keys live in JSON manifests: a name that is not UTF-8 cannot be stored faithfully.
      problems.push_back({std::string(sanitizeUtf8(rel)), "file name is not valid UTF-8 (skipped)"});
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory(ec)) {
      if (o.labels.empty() && it.depth() == 0) scan.class_dirs.insert(rel);
      continue;
    }
    if (!isImageExtension(p)) {
      if (!(o.labels.empty() ? false : fs::equivalent(p, o.labels, ec)))
        problems.push_back({rel, "not a JPEG or PNG file (skipped)"});
      continue;
    }
    std::string label;
    if (!o.labels.empty()) {
      auto l = csv_labels.find(rel);
      if (l == csv_labels.end()) {
        problems.push_back({rel, "not listed in the labels file"});
        continue;
      }
      label = l->second;
    } else {
      const auto slash = rel.find('/');
      if (slash == std::string::npos) {
        problems.push_back({rel, "not inside a class folder"});
        continue;
      }
      label = rel.substr(0, slash);
    }
    scan.files.push_back(p);
    scan.keys.push_back(rel);
    scan.labels.push_back(std::move(label));
  }
  if (ec) return makeError("cannot list the folder: " + ec.message(), o.source.string());
  if (!o.labels.empty()) {
    std::set<std::string> seen(scan.keys.begin(), scan.keys.end());
    for (const auto& [rel, label] : csv_labels)
      if (!seen.count(rel)) problems.push_back({rel, "listed in the labels file but not found"});
  }
  return scan;
}

// The hashed files become samples (failed ones problems); classes are the labels seen.
void addImageSamples(const FolderScan& scan, const std::vector<HashedFile>& hashed, Collected& c) {
  Manifest& m = c.manifest;
  std::map<std::string, std::size_t> per_class;
  for (const auto& d : scan.class_dirs) per_class[d] = 0;
  for (std::size_t i = 0; i < scan.files.size(); ++i) {
    const auto& h = hashed[i];
    c.bytes_read += h.size_bytes;
    if (!h.error.empty()) {
      m.problems.push_back({scan.keys[i], h.error});
      continue;
    }
    if (h.stored_new) c.new_objects++;
    Sample s;
    s.key = scan.keys[i];
    s.hash = h.hash;
    s.label = scan.labels[i];
    s.size_bytes = h.size_bytes;
    s.width = h.width;
    s.height = h.height;
    s.channels = h.channels;
    per_class[s.label]++;
    m.samples.push_back(std::move(s));
  }
  for (const auto& [label, n] : per_class) {
    if (n == 0)
      m.problems.push_back({label + "/", "empty class folder (no readable images)"});
    else
      m.classes.push_back(label);
  }
}

// Image folder: class = first folder below the root, or the label CSV's label.
Result<Collected> collectImages(const Workspace& ws, const ImportOptions& o,
                                const ImportProgressFn& progress, std::atomic<bool>& cancelled) {
  Collected c;
  Manifest& m = c.manifest;
  m.kind = DatasetKind::Images;
  m.task = Task::Classification;
  m.storage = o.storage;
  std::error_code ec;
  if (!fs::is_directory(o.source, ec)) return makeError("not a folder", o.source.string());
  const fs::path root = fs::canonical(o.source, ec);
  if (!isValidUtf8(root.string()))
    return makeError("the folder's path is not valid UTF-8; rename it", sanitizeUtf8(root.string()));
  if (m.storage == Storage::InPlace) m.source_root = root.string();

  std::map<std::string, std::string> csv_labels;
  if (!o.labels.empty()) {
    auto labels = readLabelsCsv(o.labels, m.problems);
    if (!labels) return labels.error();
    csv_labels = std::move(*labels);
  }
  if (progress && !progress({"scanning", 0, 0, 0})) return makeError("import cancelled");
  auto scan = scanImageFolder(root, o, csv_labels, m.problems);
  if (!scan) return scan.error();

  const HashMode mode = m.storage == Storage::Objects
                            ? HashMode::ValidateAndStore
                            : (o.validate_images ? HashMode::ValidateImage : HashMode::HashAndProbe);
  auto hashed = hashFiles(scan->files, mode, ws.objectsDir(), o.threads, progress, cancelled);
  if (cancelled) return makeError("import cancelled");
  addImageSamples(*scan, hashed, c);
  if (mode == HashMode::ValidateAndStore) {
    if (auto st = objects::ObjectStore(ws.objectsDir()).sync(); !st) return st.error();
  }
  return c;
}

constexpr std::uint64_t kMaxInflateRatio = 100;
constexpr std::uint64_t kMinInflateLimit = 64ULL << 20;  // small files may inflate this far
constexpr std::uint64_t kMaxIdxBytes = 4ULL << 30;       // 4 GiB: 60,000 images are 47 MB

// MNIST IDX files, raw or gzip (gzread reads both). Inflation is bounded: real IDX files
// compress about 5:1, a gzip bomb 1000:1, so more than kMaxInflateRatio times the file (or
// kMaxIdxBytes in all) is refused before it fills memory.
Result<std::string> readMaybeGzip(const fs::path& path) {
  std::error_code ec;
  const auto compressed = fs::file_size(path, ec);
  if (ec) return makeError("cannot open: " + ec.message(), path.string());
  const std::uint64_t limit =
      std::min<std::uint64_t>(kMaxIdxBytes, std::max<std::uint64_t>(kMinInflateLimit, compressed * kMaxInflateRatio));
  using GzFile = std::unique_ptr<gzFile_s, decltype(&gzclose)>;
  GzFile f(gzopen(path.c_str(), "rb"), &gzclose);
  if (!f) return makeError(std::string("cannot open: ") + std::strerror(errno), path.string());
  std::string out;
  std::array<char, 1 << 16> buf;
  for (;;) {
    const int n = gzread(f.get(), buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0) {
      int err = 0;
      return makeError(std::string("corrupt gzip data: ") + gzerror(f.get(), &err), path.string());
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > limit)
      return makeError("decompresses to more than " + formatBytes(limit) + " (" +
                           std::to_string(kMaxInflateRatio) +
                           "x the file, at most " + formatBytes(kMaxIdxBytes) +
                           "): not an MNIST file, or a gzip bomb",
                       path.string());
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  return out;
}

std::uint32_t bigEndian32(const std::string& b, std::size_t at) {
  return (std::uint32_t(std::uint8_t(b[at])) << 24) | (std::uint32_t(std::uint8_t(b[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(b[at + 2])) << 8) | std::uint32_t(std::uint8_t(b[at + 3]));
}

Result<Collected> collectMnist(const Workspace& ws, const ImportOptions& o,
                               const ImportProgressFn& progress, std::atomic<bool>& cancelled) {
  Collected c;
  Manifest& m = c.manifest;
  m.kind = DatasetKind::Images;
  m.task = Task::Classification;
  m.storage = Storage::Objects;  // the IDX file holds no image files to track in place
  if (o.storage == Storage::InPlace)
    c.notes.push_back("MNIST images are stored as PNG objects (there are no files to track)");
  if (o.labels.empty()) return makeError("MNIST needs a labels file (--labels)", o.source.string());
  auto images = readMaybeGzip(o.source);
  if (!images) return images.error();
  auto labels = readMaybeGzip(o.labels);
  if (!labels) return labels.error();
  c.bytes_read = images->size() + labels->size();
  if (images->size() < 16 || bigEndian32(*images, 0) != 0x00000803)
    return makeError("not an MNIST IDX image file (magic 0x00000803)", o.source.string());
  if (labels->size() < 8 || bigEndian32(*labels, 0) != 0x00000801)
    return makeError("not an MNIST IDX label file (magic 0x00000801)", o.labels.string());
  const std::size_t declared = bigEndian32(*images, 4);
  const int rows = static_cast<int>(bigEndian32(*images, 8));
  const int cols = static_cast<int>(bigEndian32(*images, 12));
  if (rows <= 0 || cols <= 0 || rows > 4096 || cols > 4096)
    return makeError("implausible image size " + std::to_string(rows) + "x" + std::to_string(cols),
                     o.source.string());
  const std::size_t pixels = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
  std::size_t n_images = std::min(declared, (images->size() - 16) / pixels);
  if (n_images < declared)
    m.problems.push_back({o.source.filename().string(),
                          "truncated: declares " + std::to_string(declared) + " images, holds " +
                              std::to_string(n_images)});
  const std::size_t declared_labels = bigEndian32(*labels, 4);
  std::size_t n_labels = std::min(declared_labels, labels->size() - 8);
  if (n_labels < declared_labels)
    m.problems.push_back({o.labels.filename().string(),
                          "truncated: declares " + std::to_string(declared_labels) +
                              " labels, holds " + std::to_string(n_labels)});
  if (n_labels != n_images)
    m.problems.push_back({o.labels.filename().string(),
                          std::to_string(n_images) + " images but " + std::to_string(n_labels) +
                              " labels; the extra ones are skipped"});
  const std::size_t n = std::min(n_images, n_labels);
  std::string stem = o.source.filename().string();
  for (const char* suffix : {".gz", "-idx3-ubyte", ".idx3-ubyte"})
    if (stem.size() > std::strlen(suffix) && stem.ends_with(suffix))
      stem.resize(stem.size() - std::strlen(suffix));

  if (!isValidUtf8(stem)) stem = "mnist";
  objects::ObjectStore store(ws.objectsDir());
  m.samples.resize(n);
  std::atomic<std::size_t> new_objects{0};
  std::mutex error_mutex;
  std::optional<Error> failure;  // guarded by error_mutex
  auto fail = [&](Error e) {
    std::lock_guard lock(error_mutex);
    failure = std::move(e);
    cancelled = true;
  };
  parallelFor(n, o.threads, "converting", progress, cancelled, [&](std::size_t i) {
    thread_local Image img;
    img.width = cols;
    img.height = rows;
    img.channels = 1;
    img.pixels.assign(images->begin() + static_cast<std::ptrdiff_t>(16 + i * pixels),
                      images->begin() + static_cast<std::ptrdiff_t>(16 + (i + 1) * pixels));
    Sample& s = m.samples[i];
    char key[32];
    std::snprintf(key, sizeof key, "/%05zu.png", i);
    s.key = stem + key;
    s.label = std::to_string(static_cast<unsigned>(static_cast<std::uint8_t>((*labels)[8 + i])));
    s.width = cols;
    s.height = rows;
    s.channels = 1;
    auto png = encodePng(img);
    if (!png) {
      fail(png.error());
      return std::uint64_t{0};
    }
    s.hash = objects::sha256Hex(png->data(), png->size());
    s.size_bytes = png->size();
    const bool had = store.exists(s.hash);
    auto put = store.putHashed(s.hash, png->data(), png->size(),
                               objects::ObjectStore::Durability::Deferred);
    if (!put) {
      fail(put.error());
      return std::uint64_t{0};
    }
    if (!had) new_objects++;
    return static_cast<std::uint64_t>(pixels);
  });
  if (failure) return *failure;
  if (cancelled) return makeError("import cancelled");
  if (auto st = store.sync(); !st) return st.error();
  c.new_objects = new_objects;
  std::set<std::string> classes;
  for (const auto& s : m.samples) classes.insert(s.label);
  m.classes.assign(classes.begin(), classes.end());
  return c;
}

std::string joinCells(const std::vector<std::string>& cells, std::size_t skip) {
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i == skip) continue;
    out += cells[i];
    out += '\x1f';
  }
  return out;
}

// Tables: CSV/TSV by delimiter detection; text: those or JSON Lines.
Result<Table> readRowsFile(const ImportOptions& o) {
  const auto ext = lower(o.source.extension().string());
  if (ext == ".jsonl" || ext == ".ndjson" || ext == ".json") return readJsonLinesFile(o.source);
  TableParseOptions po;
  po.delimiter = o.delimiter;
  po.has_header = o.has_header;
  return readDelimitedFile(o.source, po);
}

// The columns a row import reads, as indexes into the table.
struct RowColumns {
  int target = -1;
  int key = -1;  // -1: keys from the feature cells
  std::vector<int> text;
};

int findColumn(const Table& table, const std::string& name) {
  for (std::size_t i = 0; i < table.columns.size(); ++i)
    if (table.columns[i].name == name) return static_cast<int>(i);
  return -1;
}

std::string columnList(const Table& table) {
  std::string names;
  for (const auto& col : table.columns) names += (names.empty() ? "" : ", ") + col.name;
  return names;
}

// Text: the given input columns, else the text-typed ones (else the non-numeric ones).
Status chooseTextColumns(const Table& table, const ImportOptions& o, Collected& c) {
  Manifest& m = c.manifest;
  const std::string& target = m.target_column;
  if (!o.text_columns.empty()) {
    for (const auto& t : o.text_columns) {
      if (findColumn(table, t) < 0)
        return makeError("no column named '" + t + "' (columns: " + columnList(table) + ")",
                         o.source.string());
      m.text_columns.push_back(t);
    }
    return {};
  }
  for (const auto& col : table.columns)
    if (col.type == ColumnType::Text && col.name != target) m.text_columns.push_back(col.name);
  // Few rows make text look categorical: fall back to the non-numeric columns.
  if (m.text_columns.empty())
    for (const auto& col : table.columns)
      if (col.type == ColumnType::Categorical && col.name != target && col.name != o.key_column)
        m.text_columns.push_back(col.name);
  if (m.text_columns.empty())
    return makeError("no text column found; name them with --text-columns (columns: " +
                         columnList(table) + ")",
                     o.source.string());
  std::string joined;
  for (const auto& t : m.text_columns) joined += (joined.empty() ? "" : ",") + t;
  c.notes.push_back("text columns: " + joined);
  return {};
}

// Picks the target (default: "label" for text, else the last column), the task and the
// input columns; defaults that were picked become notes.
Result<RowColumns> chooseColumns(const Table& table, const ImportOptions& o, bool text, Collected& c) {
  Manifest& m = c.manifest;
  std::string target = o.target_column;
  if (target.empty()) {
    target = text && findColumn(table, "label") >= 0 ? "label" : table.columns.back().name;
    c.notes.push_back((text ? "label column: " : "target column: ") + target);
  }
  RowColumns cols;
  cols.target = findColumn(table, target);
  if (cols.target < 0)
    return makeError("no column named '" + target + "' (columns: " + columnList(table) + ")",
                     o.source.string());
  m.target_column = target;
  const ColumnInfo& target_info = table.columns[static_cast<std::size_t>(cols.target)];
  if (text) {
    m.task = Task::Classification;
    if (auto st = chooseTextColumns(table, o, c); !st) return st.error();
  } else {
    m.task = o.task != Task::Unknown ? o.task : guessTask(target_info);
    if (o.task == Task::Unknown) c.notes.push_back("task: " + std::string(toString(m.task)));
    if (m.task == Task::Regression && target_info.type != ColumnType::Integer &&
        target_info.type != ColumnType::Real)
      return makeError("regression needs a numeric target; '" + target + "' is " +
                           std::string(toString(target_info.type)),
                       o.source.string());
  }
  cols.key = o.key_column.empty() ? -1 : findColumn(table, o.key_column);
  if (!o.key_column.empty() && cols.key < 0)
    return makeError("no column named '" + o.key_column + "'", o.source.string());
  for (const auto& t : m.text_columns) cols.text.push_back(findColumn(table, t));
  return cols;
}

// Rows become samples: keys from a key column, or from the feature cells so that a
// relabelled row keeps its key. Rows without a target (or text) are problems.
void addRowSamples(Table& table, const RowColumns& cols, const ImportOptions& o, Manifest& m) {
  std::map<std::string, int> seen_keys;
  std::set<std::string> classes;
  const std::string source_name = o.source.filename().string();
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    auto& row = table.rows[r];
    const std::string where = source_name + ":" + std::to_string(table.row_lines[r]);
    if (isMissingCell(row[cols.target])) {
      m.problems.push_back({where, "missing " + m.target_column});
      continue;
    }
    if (!cols.text.empty() && std::all_of(cols.text.begin(), cols.text.end(),
                                          [&](int tc) { return row[tc].empty(); })) {
      m.problems.push_back({where, "empty text"});
      continue;
    }
    Sample s;
    const std::string all = joinCells(row, std::string::npos);
    s.hash = objects::sha256Hex(all.data(), all.size());
    if (cols.key >= 0) {
      s.key = row[cols.key];
    } else {
      const std::string features = joinCells(row, static_cast<std::size_t>(cols.target));
      s.key = "r" + objects::sha256Hex(features.data(), features.size()).substr(0, 16);
    }
    // Duplicate rows (or keys) stay distinct samples with a numbered key, never colliding
    // with a real key such as "a#2".
    if (seen_keys.count(s.key)) {
      const std::string base = s.key;
      int n = seen_keys[base];
      do s.key = base + "#" + std::to_string(++n);
      while (seen_keys.count(s.key));
      seen_keys[base] = n;
    }
    seen_keys.emplace(s.key, 1);
    s.label = row[cols.target];
    s.size_bytes = all.size();
    if (m.task == Task::Classification) classes.insert(s.label);
    s.values = std::move(row);
    m.samples.push_back(std::move(s));
  }
  m.classes.assign(classes.begin(), classes.end());
}

// Tables and text share rows.
Result<Collected> collectRows(const ImportOptions& o, bool text, const ImportProgressFn& progress) {
  Collected c;
  Manifest& m = c.manifest;
  m.kind = text ? DatasetKind::Text : DatasetKind::Tabular;
  m.storage = Storage::Objects;
  if (progress && !progress({"parsing", 0, 0, 0})) return makeError("import cancelled");
  auto table = readRowsFile(o);
  if (!table) return table.error();
  std::error_code ec;
  c.bytes_read = fs::file_size(o.source, ec);
  m.problems = table->problems;
  if (table->columns.empty()) return makeError("no columns found", o.source.string());
  auto cols = chooseColumns(*table, o, text, c);
  if (!cols) return cols.error();
  addRowSamples(*table, *cols, o, m);
  m.columns = table->columns;
  if (m.samples.empty()) return makeError("no usable rows", o.source.string());
  return c;
}

Result<Manifest> finishManifest(Manifest m, const SplitSpec& split) {
  std::sort(m.samples.begin(), m.samples.end(),
            [](const Sample& a, const Sample& b) { return a.key < b.key; });
  m.split = split;
  // A continuous target has one "class" per value: stratifying would put everything in train.
  if (m.task != Task::Classification) m.split.stratify = false;
  assignSplits(m.samples, m.split);
  return m;
}

// Stores the manifest and adds a version unless the latest one has the same content.
Result<ImportResult> commitVersion(const Workspace& ws, const std::string& dataset,
                                   const Manifest& m, const std::string& message,
                                   const std::string& source, std::optional<int> parent) {
  ImportResult result;
  ManifestStats stats = ManifestStats::of(m);
  const std::string json = m.toJson();
  objects::ObjectStore store(ws.objectsDir());
  const bool existed = store.exists(objects::sha256Hex(json.data(), json.size()));
  auto id = store.put(json);
  if (!id) return id.error();
  if (!existed) result.new_objects++;
  auto db = ws.connect();
  if (!db) return db.error();
  DatasetRepository repo(**db);
  if (auto latest = repo.resolve(dataset + "@latest"); latest && latest->manifest_id == *id) {
    result.version = *latest;
    result.unchanged = true;
  } else {
    NewDatasetVersion v;
    v.dataset = dataset;
    v.kind = m.kind;
    v.manifest_id = *id;
    v.parent_version = parent;
    v.message = message;
    v.source = source;
    v.storage = m.storage;
    v.stats = stats;
    auto added = repo.addVersion(v);
    if (!added) return added.error();
    result.version = *added;
  }
  result.samples = m.samples.size();
  result.problems = m.problems;
  result.warnings = std::move(stats.shape_warnings);
  return result;
}

}  // namespace

Result<ImportResult> importDataset(const Workspace& ws, const ImportOptions& o,
                                   const ImportProgressFn& progress) {
  const auto started = std::chrono::steady_clock::now();
  if (auto ref = DatasetRef::parse(o.dataset); !ref)
    return ref.error();
  else if (ref->version != 0)
    return makeError("give the dataset name without a version", o.dataset);
  std::error_code ec;
  if (!fs::exists(o.source, ec)) return makeError("no such file or folder", o.source.string());
  if (o.format == SourceFormat::ImageFolder && !o.labels.empty() && !fs::exists(o.labels, ec))
    return makeError("no such file", o.labels.string());

  // Shared gc lock until the version is committed: gc never removes objects an import has
  // stored but not yet referenced, however long the import takes.
  auto gc_lock = objects::GcLock::acquire(ws.objectsDir(), objects::GcLock::Kind::Shared,
                                          objects::GcLock::Wait::Block);
  if (!gc_lock) return gc_lock.error();
  std::atomic<bool> cancelled{false};
  Result<Collected> collected = makeError("unknown source format (images, mnist, table, text)");
  switch (o.format) {
    case SourceFormat::ImageFolder:
      collected = collectImages(ws, o, progress, cancelled);
      break;
    case SourceFormat::Mnist:
      collected = collectMnist(ws, o, progress, cancelled);
      break;
    case SourceFormat::Table:
      collected = collectRows(o, false, progress);
      break;
    case SourceFormat::Text:
      collected = collectRows(o, true, progress);
      break;
    case SourceFormat::Unknown:
      break;
  }
  if (!collected) return collected.error();
  if (collected->manifest.samples.empty()) {
    std::string why = "no usable samples";
    if (!collected->manifest.problems.empty())
      why += " (" + std::to_string(collected->manifest.problems.size()) +
             " problems; first: " + collected->manifest.problems.front().path + ": " +
             collected->manifest.problems.front().reason + ")";
    return makeError(why, o.source.string());
  }
  if (progress && !progress({"writing", 0, 1, 0})) return makeError("import cancelled");
  auto manifest = finishManifest(std::move(collected->manifest), o.split);
  if (!manifest) return manifest.error();
  const std::string source = fs::absolute(o.source, ec).lexically_normal().string();
  auto result = commitVersion(ws, o.dataset, *manifest, o.message, source, std::nullopt);
  if (!result) return result.error();
  result->new_objects += collected->new_objects;
  result->bytes_read = collected->bytes_read;
  result->notes = std::move(collected->notes);
  result->seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

Result<Manifest> loadManifest(const Workspace& ws, const DatasetVersion& version) {
  objects::ObjectStore store(ws.objectsDir());
  auto bytes = store.read(version.manifest_id);
  if (!bytes) return makeError("cannot read the manifest: " + bytes.error().text(), version.ref());
  if (objects::sha256Hex(bytes->data(), bytes->size()) != version.manifest_id)
    return makeError("the manifest object is corrupt (hash mismatch)", version.ref());
  auto m = Manifest::fromJson(*bytes);
  if (!m) return makeError(m.error().text(), version.ref());
  return m;
}

Result<ImportResult> resplitDataset(const Workspace& ws, const std::string& ref,
                                    const SplitSpec& split, const std::string& message) {
  auto db = ws.connect();
  if (!db) return db.error();
  DatasetRepository repo(**db);
  auto version = repo.resolve(ref);
  if (!version) return version.error();
  auto m = loadManifest(ws, *version);
  if (!m) return m.error();
  auto manifest = finishManifest(std::move(*m), split);
  if (!manifest) return manifest.error();
  std::string msg = message;
  if (msg.empty()) {
    char text[128];
    std::snprintf(text, sizeof text, "re-split %.0f/%.0f/%.0f seed %llu", split.train * 100,
                  split.val * 100, split.test * 100, static_cast<unsigned long long>(split.seed));
    msg = text;
  }
  return commitVersion(ws, version->dataset, *manifest, msg, version->source, version->version);
}

fs::path samplePath(const Workspace& ws, const Manifest& m, const Sample& s) {
  if (m.storage == Storage::InPlace) return fs::path(m.source_root) / s.key;
  return objects::ObjectStore(ws.objectsDir()).pathOf(s.hash);
}

}  // namespace wb::data
