#include "core/data/versioning.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <mutex>
#include <thread>

#include "core/common/files.h"
#include "core/common/ids.h"
#include "core/objects/object_store.h"
#include "core/workspace/workspace.h"

namespace wb::data {

namespace fs = std::filesystem;

ManifestDiff diffManifests(const Manifest& a, const Manifest& b) {
  ManifestDiff d;
  // Rows are compared by column name, so adding or reordering a column does not make every
  // row "modified"; the column changes are reported on their own.
  std::vector<std::pair<int, int>> shared_columns;  // (index in a, index in b), target excluded
  for (std::size_t i = 0; i < a.columns.size(); ++i) {
    const int j = b.columnIndex(a.columns[i].name);
    if (j < 0)
      d.columns_removed.push_back(a.columns[i].name);
    else if (a.columns[i].name != a.target_column && a.columns[i].name != b.target_column)
      shared_columns.emplace_back(static_cast<int>(i), j);
  }
  for (const auto& c : b.columns)
    if (a.columnIndex(c.name) < 0) d.columns_added.push_back(c.name);
  std::size_t i = 0, j = 0;
  while (i < a.samples.size() || j < b.samples.size()) {
    if (j >= b.samples.size() || (i < a.samples.size() && a.samples[i].key < b.samples[j].key)) {
      d.removed.push_back(a.samples[i++].key);
    } else if (i >= a.samples.size() || b.samples[j].key < a.samples[i].key) {
      d.added.push_back(b.samples[j++].key);
    } else {
      const Sample& x = a.samples[i++];
      const Sample& y = b.samples[j++];
      bool same = true;
      // A row's hash covers its label; compare content apart from the label for rows.
      const bool content_changed =
          a.kind == DatasetKind::Images ? x.hash != y.hash : [&] {
            for (const auto& [ia, ib] : shared_columns) {
              const auto ua = static_cast<std::size_t>(ia), ub = static_cast<std::size_t>(ib);
              if (ua >= x.values.size() || ub >= y.values.size()) return true;
              if (x.values[ua] != y.values[ub]) return true;
            }
            return false;
          }();
      if (content_changed) {
        d.modified.push_back(x.key);
        same = false;
      }
      if (x.label != y.label) {
        d.relabelled.push_back({x.key, x.label, y.label});
        same = false;
      }
      if (x.split != y.split) {
        d.split_changed.push_back(
            {x.key, std::string(toString(x.split)), std::string(toString(y.split))});
        same = false;
      }
      if (same) d.unchanged++;
    }
  }
  // Image datasets keep the class in the path: a file moved to another class folder is a
  // relabel, not a removal and an addition.
  if (a.kind == DatasetKind::Images && !d.removed.empty() && !d.added.empty()) {
    std::map<std::string, std::vector<const Sample*>> removed_by_hash;
    std::map<std::string, const Sample*> by_key_a, by_key_b;
    for (const auto& s : a.samples) by_key_a[s.key] = &s;
    for (const auto& s : b.samples) by_key_b[s.key] = &s;
    for (const auto& k : d.removed) removed_by_hash[by_key_a[k]->hash].push_back(by_key_a[k]);
    std::set<std::string> paired_removed, paired_added;
    for (const auto& k : d.added) {
      const Sample* y = by_key_b[k];
      auto it = removed_by_hash.find(y->hash);
      if (it == removed_by_hash.end() || it->second.empty()) continue;
      const Sample* x = it->second.back();
      if (x->label == y->label) continue;  // a plain rename within one class
      it->second.pop_back();
      d.relabelled.push_back({y->key, x->label, y->label});
      paired_removed.insert(x->key);
      paired_added.insert(y->key);
    }
    std::erase_if(d.removed, [&](const std::string& k) { return paired_removed.count(k) > 0; });
    std::erase_if(d.added, [&](const std::string& k) { return paired_added.count(k) > 0; });
  }
  return d;
}

namespace {

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

Result<CheckoutResult> writeCheckout(const Workspace& ws, const Manifest& manifest,
                                     const fs::path& dir, const ImportProgressFn& progress);

}  // namespace

Result<CheckoutResult> checkoutVersion(const Workspace& ws, const DatasetVersion& version,
                                       const fs::path& dir, const ImportProgressFn& progress) {
  auto m = loadManifest(ws, version);
  if (!m) return m.error();
  std::error_code ec;
  const bool existed = fs::exists(dir, ec);
  if (existed && !fs::is_empty(dir, ec)) return makeError("the folder is not empty", dir.string());
  // Everything goes to a hidden sibling folder that is renamed into place at the end: a failed
  // or cancelled checkout leaves nothing behind, and a retry finds the target as it was.
  const fs::path target = fs::absolute(dir, ec).lexically_normal();
  const fs::path staging =
      target.parent_path() / ("." + target.filename().string() + ".wb-checkout-" + randomHexId().substr(0, 8));
  fs::create_directories(staging, ec);
  if (ec) return makeError("cannot create folder: " + ec.message(), staging.string());
  struct Cleanup {
    fs::path path;
    bool keep = false;
    ~Cleanup() {
      std::error_code e;
      if (!keep) fs::remove_all(path, e);
    }
  } cleanup{staging};
  auto done = writeCheckout(ws, *m, staging, progress);
  if (!done) return done.error();
  // Files and folders durable before the rename publishes them: a power cut never leaves a
  // checkout in place with empty or missing files.
  if (auto st = syncTree(staging); !st) return st.error();
  if (existed) fs::remove(target, ec);  // empty: checked above
  fs::rename(staging, target, ec);
  if (ec) return makeError("cannot move the checkout into place: " + ec.message(), target.string());
  cleanup.keep = true;
  if (auto st = fsyncDirectory(target.parent_path()); !st) return st.error();
  done->index = target / done->index.filename();
  return done;
}

namespace {

Result<CheckoutResult> writeCheckout(const Workspace& ws, const Manifest& manifest,
                                     const fs::path& dir, const ImportProgressFn& progress) {
  const Manifest* m = &manifest;
  CheckoutResult r;
  std::string index;
  if (m->kind == DatasetKind::Images) {
    index = "path,label,split\n";
    std::size_t done = 0;
    for (const auto& s : m->samples) {
      if (!isSafeSampleKey(s.key)) return makeError("unsafe path in the manifest", s.key);
      auto bytes = readFileBytes(samplePath(ws, *m, s));
      if (!bytes) return bytes.error();
      if (objects::sha256Hex(bytes->data(), bytes->size()) != s.hash)
        return makeError("content does not match the version (corrupt or changed)", s.key);
      // The staging folder is private and synced as a whole before its rename.
      if (auto st = writeFileNew(dir / s.key, *bytes); !st) return st.error();
      r.files++;
      r.bytes += bytes->size();
      index += csvField(s.key) + "," + csvField(s.label) + "," + std::string(toString(s.split)) + "\n";
      if (progress && ++done % 64 == 0 &&
          !progress({"writing", done, m->samples.size(), r.bytes}))
        return makeError("checkout cancelled");
    }
    r.index = dir / "labels.csv";
  } else {
    for (std::size_t c = 0; c < m->columns.size(); ++c)
      index += (c ? "," : "") + csvField(m->columns[c].name);
    index += ",split\n";
    for (const auto& s : m->samples) {
      for (std::size_t c = 0; c < s.values.size(); ++c)
        index += (c ? "," : "") + csvField(s.values[c]);
      index += "," + std::string(toString(s.split)) + "\n";
    }
    r.index = dir / "data.csv";
    r.files = 0;
  }
  if (auto st = writeFileNew(r.index, index); !st) return st.error();
  r.files++;
  r.bytes += index.size();
  return r;
}

}  // namespace

Result<DataVerifyReport> verifyVersion(const Workspace& ws, const DatasetVersion& version,
                                       int threads, const ImportProgressFn& progress) {
  DataVerifyReport report;
  auto m = loadManifest(ws, version);
  if (!m) {
    report.problems.push_back({"manifest " + version.manifest_id.substr(0, 12), m.error().message});
    return report;
  }
  report.checked = 1;
  if (m->kind != DatasetKind::Images) return report;  // rows live inside the manifest
  std::vector<fs::path> files;
  files.reserve(m->samples.size());
  for (const auto& s : m->samples) files.push_back(samplePath(ws, *m, s));
  std::atomic<bool> cancelled{false};
  auto hashed = hashFiles(files, HashMode::HashOnly, ws.objectsDir(), threads, progress, cancelled);
  if (cancelled) return makeError("verify cancelled");
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& s = m->samples[i];
    report.checked++;
    report.bytes += hashed[i].size_bytes;
    if (!hashed[i].error.empty()) {
      std::error_code ec;
      report.problems.push_back(
          {s.key, fs::exists(files[i], ec) ? hashed[i].error : "missing (" + files[i].string() + ")"});
    } else if (hashed[i].hash != s.hash) {
      report.problems.push_back({s.key, hashed[i].size_bytes != s.size_bytes
                                            ? "truncated or changed (size differs)"
                                            : "corrupt (content hash differs)"});
    }
  }
  return report;
}

}  // namespace wb::data
