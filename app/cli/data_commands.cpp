// `wb data …`: import, version, diff, check out and verify datasets. Parsing and printing
// only; the work is in core/data.
#include "app/cli/data_commands.h"

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/cli_errors.h"
#include "app/cli/cli_command.h"
#include "app/cli/cli_output.h"
#include "core/common/numbers.h"
#include "core/common/text_format.h"
#include "core/data/dataset_repository.h"
#include "core/data/importer.h"
#include "core/data/split.h"
#include "core/data/versioning.h"
#include "core/store/database.h"
#include "core/workspace/workspace.h"

namespace wb::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Progress on stderr, only on a terminal: scripts and --json get clean output.
data::ImportProgressFn terminalProgress(bool json_mode) {
  if (json_mode || !::isatty(STDERR_FILENO)) return {};
  return [](const data::ImportProgress& p) {
    if (p.total > 0)
      std::fprintf(stderr, "\r%-10s %zu/%zu  %s   ", std::string(p.phase).c_str(), p.done,
                   p.total, formatBytes(p.bytes).c_str());
    else
      std::fprintf(stderr, "\r%-10s …            ", std::string(p.phase).c_str());
    std::fflush(stderr);
    return true;
  };
}

void endProgressLine(bool json_mode) {
  if (!json_mode && ::isatty(STDERR_FILENO)) std::fprintf(stderr, "\r%60s\r", "");
}

json versionToJson(const data::DatasetVersion& v) {
  json j = {{"ref", v.ref()},
            {"dataset", v.dataset},
            {"version", v.version},
            {"kind", data::toString(v.kind)},
            {"manifest", v.manifest_id},
            {"message", v.message},
            {"source", v.source},
            {"storage", data::toString(v.storage)},
            {"created_at", v.created_at},
            {"samples", v.sample_count},
            {"problems", v.problem_count},
            {"total_bytes", v.total_bytes}};
  j["parent_version"] = v.parent_version ? json(*v.parent_version) : json(nullptr);
  j["stats"] = json::parse(v.stats_json, nullptr, false);
  return j;
}

std::string splitsText(const json& stats) {
  if (!stats.is_object() || !stats.contains("splits")) return "";
  const auto& s = stats["splits"];
  return std::to_string(s.value("train", 0)) + "/" + std::to_string(s.value("val", 0)) + "/" +
         std::to_string(s.value("test", 0));
}

std::unique_ptr<store::Database> connect(const Workspace& ws) { return unwrap(ws.connect()); }

data::SourceFormat guessFormat(const fs::path& source, bool has_text_columns) {
  std::error_code ec;
  if (fs::is_directory(source, ec)) return data::SourceFormat::ImageFolder;
  const std::string name = source.filename().string();
  if (name.find("ubyte") != std::string::npos || name.find(".idx") != std::string::npos)
    return data::SourceFormat::Mnist;
  const std::string ext = source.extension().string();
  if (ext == ".jsonl" || ext == ".ndjson") return data::SourceFormat::Text;
  return has_text_columns ? data::SourceFormat::Text : data::SourceFormat::Table;
}

std::vector<std::string> splitComma(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    auto end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

void printProblems(const std::vector<data::ImportProblem>& problems, std::size_t limit) {
  for (std::size_t i = 0; i < problems.size() && i < limit; ++i)
    std::cout << "  " << problems[i].path << ": " << problems[i].reason << '\n';
  if (problems.size() > limit)
    std::cout << "  … and " << problems.size() - limit << " more (wb data show REF --problems)\n";
}

struct ImportArgs {
  std::string source, format, name, labels, target, task, text_columns, key_column, split,
      message, delimiter;
  bool in_place = false, no_validate = false, no_stratify = false, header = false,
       no_header = false;
  std::uint64_t seed = 42;
  int threads = 0;
};

data::ImportOptions importOptions(const ImportArgs& args) {
  data::ImportOptions o;
  o.dataset = args.name;
  o.source = args.source;
  o.labels = args.labels;
  o.format = args.format.empty() ? guessFormat(o.source, !args.text_columns.empty())
                                 : data::sourceFormatFromString(args.format);
  if (o.format == data::SourceFormat::Unknown)
    fail("unknown format '" + args.format + "' (images, mnist, table, text)");
  o.storage = args.in_place ? data::Storage::InPlace : data::Storage::Objects;
  o.validate_images = !args.no_validate;
  o.target_column = args.target;
  if (!args.task.empty()) {
    o.task = data::taskFromString(args.task);
    if (o.task == data::Task::Unknown)
      fail("unknown task '" + args.task + "' (classification, regression)");
  }
  o.text_columns = splitComma(args.text_columns);
  o.key_column = args.key_column;
  std::string delimiter = args.delimiter;
  if (delimiter == "\\t" || delimiter == "tab") delimiter = "\t";
  if (delimiter.size() > 1) fail("the delimiter is one character");
  o.delimiter = delimiter.empty() ? 0 : delimiter[0];
  o.has_header = args.header ? 1 : (args.no_header ? 0 : -1);
  if (!args.split.empty()) o.split = unwrap(data::parseSplitRatios(args.split));
  o.split.seed = args.seed;
  o.split.stratify = !args.no_stratify;
  o.message = args.message;
  o.threads = args.threads;
  return o;
}

void printImportResult(const data::ImportResult& r, bool json_mode) {
  if (json_mode) {
    json problems = json::array();
    for (const auto& p : r.problems) problems.push_back({{"path", p.path}, {"reason", p.reason}});
    json warnings = json::array();
    for (const auto& w : r.warnings) warnings.push_back({{"path", w.path}, {"reason", w.reason}});
    std::cout << json{{"version", versionToJson(r.version)},
                      {"unchanged", r.unchanged},
                      {"samples", r.samples},
                      {"new_objects", r.new_objects},
                      {"bytes_read", r.bytes_read},
                      {"seconds", r.seconds},
                      {"notes", r.notes},
                      {"problems", problems},
                      {"warnings", warnings}}
                     .dump(-1, ' ', false, json::error_handler_t::replace)
              << '\n';
    return;
  }
  for (const auto& n : r.notes) std::cout << "note: " << n << '\n';
  if (r.unchanged)
    std::cout << "unchanged: same content as " << r.version.ref() << " (no new version)\n";
  else
    std::cout << "imported " << r.version.ref() << ": " << r.samples << " samples ("
              << splitsText(json::parse(r.version.stats_json, nullptr, false))
              << " train/val/test), " << r.new_objects << " new objects, "
              << formatBytes(r.bytes_read) << " read in " << formatDuration(r.seconds) << '\n';
  if (!r.problems.empty()) {
    std::cout << r.problems.size() << " problem(s), skipped:\n";
    printProblems(r.problems, 20);
  }
  if (!r.warnings.empty()) {
    std::cout << r.warnings.size() << " warning(s), imported all the same:\n";
    printProblems(r.warnings, 20);
  }
}

void addImport(CLI::App& data, const OpenWorkspace& open_workspace, const bool& json_mode,
               std::function<void()>& action) {
  auto args = std::make_shared<ImportArgs>();
  auto* imp = data.add_subcommand(
      "import", "Import an image folder, MNIST IDX files, a CSV/TSV table or text (CSV/JSONL)");
  imp->add_option("SOURCE", args->source,
                  "Image folder (one subfolder per class), MNIST images file, CSV/TSV or JSONL")
      ->required();
  imp->add_option("-n,--name", args->name, "Dataset name (a new version if it exists)")
      ->required();
  imp->add_option("-f,--format", args->format,
                  "images | mnist | table | text (default: from SOURCE)");
  imp->add_option("--labels", args->labels,
                  "Images: CSV of path,label; MNIST: the labels IDX file");
  imp->add_flag("--in-place", args->in_place,
                "Track image files where they are (hash only) instead of copying them");
  imp->add_flag("--no-validate", args->no_validate,
                "With --in-place: read image headers only instead of decoding every image");
  imp->add_option("--target", args->target,
                  "Table: the target column; text: the label column (default: last/'label')");
  imp->add_option("--task", args->task, "classification | regression (default: guessed)");
  imp->add_option("--text-columns", args->text_columns,
                  "Text: comma-separated input columns (default: the text-typed ones)");
  imp->add_option("--key-column", args->key_column, "A column that identifies rows across versions");
  imp->add_option("--delimiter", args->delimiter, "CSV delimiter (default: detected)");
  imp->add_flag("--header", args->header, "The first row is a header (default: detected)");
  imp->add_flag("--no-header", args->no_header, "The first row is data");
  imp->add_option("--split", args->split, "train/val/test ratios (default 80/10/10)");
  imp->add_option("--seed", args->seed, "Split seed (default 42)");
  imp->add_flag("--no-stratify", args->no_stratify, "Split without keeping class proportions");
  imp->add_option("-m,--message", args->message, "Version message");
  imp->add_option("--threads", args->threads, "Hashing threads (default: all cores)");
  setAction(imp, action, [args, open_workspace, &json_mode] {
    const Workspace ws = open_workspace();
    auto result = data::importDataset(ws, importOptions(*args), terminalProgress(json_mode));
    endProgressLine(json_mode);
    printImportResult(unwrap(std::move(result)), json_mode);
  });
}

void addList(CLI::App& data, const OpenWorkspace& open_workspace, const bool& json_mode,
    std::function<void()>& action) {
  auto* list = data.add_subcommand("list", "List datasets");
  list->callback([&action, open_workspace, &json_mode] {
    action = [open_workspace, &json_mode] {
      const Workspace ws = open_workspace();
      auto db = connect(ws);
      data::DatasetRepository repo(*db);
      const auto all = unwrap(repo.list());
      if (json_mode) {
        json out = json::array();
        for (const auto& d : all) {
          json j = {{"name", d.name},
                    {"kind", data::toString(d.kind)},
                    {"versions", d.version_count},
                    {"latest", d.latest_version},
                    {"created_at", d.created_at}};
          if (d.latest_version > 0)
            j["latest_version"] = versionToJson(unwrap(repo.resolve(d.name)));
          out.push_back(std::move(j));
        }
        std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
        return;
      }
      std::vector<std::vector<std::string>> rows = {
          {"NAME", "KIND", "LATEST", "VERSIONS", "SAMPLES", "TRAIN/VAL/TEST", "SIZE"}};
      for (const auto& d : all) {
        const auto v = unwrap(repo.resolve(d.name));
        rows.push_back({d.name, std::string(data::toString(d.kind)), "@" + std::to_string(v.version),
                        std::to_string(d.version_count), std::to_string(v.sample_count),
                        splitsText(json::parse(v.stats_json, nullptr, false)),
                        formatBytes(static_cast<std::uint64_t>(v.total_bytes))});
      }
      if (all.empty())
        std::cout << "no datasets yet (import one with `wb data import SOURCE --name NAME`)\n";
      else
        printTable(std::cout, rows);
    };
  });
}

void addVersions(CLI::App& data, const OpenWorkspace& open_workspace, const bool& json_mode,
    std::function<void()>& action) {
  auto* versions = data.add_subcommand("versions", "List the versions of a dataset");
  auto versions_name = std::make_shared<std::string>();
  versions->add_option("NAME", *versions_name, "Dataset name")->required();
  versions->callback([&action, open_workspace, &json_mode, versions_name] {
    action = [open_workspace, &json_mode, versions_name] {
      const Workspace ws = open_workspace();
      auto db = connect(ws);
      data::DatasetRepository repo(*db);
      auto name = unwrap(data::DatasetRef::parse(*versions_name)).name;
      const auto all = unwrap(repo.versions(name));
      if (all.empty()) fail(name + ": no such dataset");
      if (json_mode) {
        json out = json::array();
        for (const auto& v : all) out.push_back(versionToJson(v));
        std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
        return;
      }
      std::vector<std::vector<std::string>> rows = {
          {"VERSION", "CREATED", "PARENT", "SAMPLES", "TRAIN/VAL/TEST", "PROBLEMS", "MESSAGE"}};
      for (auto it = all.rbegin(); it != all.rend(); ++it)
        rows.push_back({"@" + std::to_string(it->version), formatLocalTime(it->created_at),
                        it->parent_version ? "@" + std::to_string(*it->parent_version) : "-",
                        std::to_string(it->sample_count),
                        splitsText(json::parse(it->stats_json, nullptr, false)),
                        std::to_string(it->problem_count), it->message});
      printTable(std::cout, rows);
    };
  });
}

void printShowJson(const data::DatasetVersion& v, const data::Manifest& m, int sample_count) {
  json j = versionToJson(v);
  j["task"] = data::toString(m.task);
  j["classes"] = m.classes;
  j["target_column"] = m.target_column;
  j["text_columns"] = m.text_columns;
  json cols = json::array();
  for (const auto& c : m.columns)
    cols.push_back({{"name", c.name},
                    {"type", data::toString(c.type)},
                    {"missing", c.missing},
                    {"distinct", c.distinct},
                    {"min", c.min},
                    {"max", c.max},
                    {"mean", c.mean},
                    {"stddev", c.stddev}});
  j["columns"] = cols;
  j["split_spec"] = {{"train", m.split.train},
                     {"val", m.split.val},
                     {"test", m.split.test},
                     {"seed", m.split.seed},
                     {"stratify", m.split.stratify}};
  json problems = json::array();
  for (const auto& p : m.problems) problems.push_back({{"path", p.path}, {"reason", p.reason}});
  j["problem_list"] = problems;
  json samples = json::array();
  for (int i = 0; i < sample_count && i < static_cast<int>(m.samples.size()); ++i) {
    const auto& s = m.samples[i];
    samples.push_back({{"key", s.key},
                       {"hash", s.hash},
                       {"label", s.label},
                       {"split", data::toString(s.split)},
                       {"size_bytes", s.size_bytes},
                       {"width", s.width},
                       {"height", s.height},
                       {"channels", s.channels}});
  }
  j["sample_list"] = samples;
  std::cout << j.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
}

void printShowSummary(const data::DatasetVersion& v, const data::Manifest& m, const json& stats) {
  std::cout << v.ref() << "  (" << data::toString(v.kind) << ", " << data::toString(m.task)
            << ", " << data::toString(v.storage) << ")\n"
            << "created   " << formatLocalTime(v.created_at) << "\n"
            << "message   " << (v.message.empty() ? "-" : v.message) << "\n"
            << "parent    " << (v.parent_version ? "@" + std::to_string(*v.parent_version) : "-")
            << "\nsource    " << v.source << "\nmanifest  " << v.manifest_id << "\n"
            << "samples   " << v.sample_count << " (" << splitsText(stats)
            << " train/val/test; split seed " << m.split.seed
            << (m.split.stratify ? ", stratified" : "") << ")\n"
            << "size      " << formatBytes(static_cast<std::uint64_t>(v.total_bytes)) << "\n";
  if (!m.classes.empty() && m.classes.size() <= 50) {
    std::vector<std::vector<std::string>> rows = {{"CLASS", "TRAIN", "VAL", "TEST"}};
    for (const auto& [label, counts] : stats["classes"].items())
      rows.push_back({label, std::to_string(counts[0].get<int>()),
                      std::to_string(counts[1].get<int>()), std::to_string(counts[2].get<int>())});
    std::cout << '\n';
    printTable(std::cout, rows);
  } else if (!m.classes.empty()) {
    std::cout << "classes   " << m.classes.size() << '\n';
  }
}

// Images of another size or channel count than the dataset's dominant one.
void printShapeWarnings(const data::ManifestStats& st, bool all) {
  if (!st.dominant_shape) return;
  std::cout << "\ndominant  " << data::toString(*st.dominant_shape);
  if (!st.shape_warnings.empty())
    std::cout << "; " << st.shape_warnings.size() << " sample(s) of another size/channels:\n";
  else
    std::cout << '\n';
  printProblems(st.shape_warnings, all ? st.shape_warnings.size() : 10);
}

void printShowDetails(const data::Manifest& m, const json& stats, int samples, bool all_problems) {
  if (stats.contains("image_sizes")) {
    std::cout << "\nimage sizes:";
    int shown = 0;
    for (const auto& s : stats["image_sizes"]) {
      if (shown++ == 8) {
        std::cout << " …";
        break;
      }
      std::cout << "  " << s[0].get<int>() << "x" << s[1].get<int>() << " ×" << s[2].get<int>();
    }
    std::cout << '\n';
  }
  if (!m.columns.empty()) {
    std::vector<std::vector<std::string>> rows = {
        {"COLUMN", "TYPE", "MISSING", "DISTINCT", "MIN", "MAX", "MEAN", "STD"}};
    for (const auto& c : m.columns) {
      const bool numeric = c.type == data::ColumnType::Integer || c.type == data::ColumnType::Real;
      rows.push_back({c.name + (c.name == m.target_column ? " (target)" : ""),
                      std::string(data::toString(c.type)), std::to_string(c.missing),
                      std::to_string(c.distinct), numeric ? formatGeneral(c.min) : "",
                      numeric ? formatGeneral(c.max) : "", numeric ? formatGeneral(c.mean) : "",
                      numeric ? formatGeneral(c.stddev) : ""});
    }
    std::cout << '\n';
    printTable(std::cout, rows);
  }
  if (stats.contains("text_chars"))
    std::cout << "\ntext length (chars): min " << stats["text_chars"]["min"].get<int>()
              << ", mean " << formatGeneral(stats["text_chars"]["mean"].get<double>())
              << ", max " << stats["text_chars"]["max"].get<int>() << '\n';
  if (samples > 0) {
    std::vector<std::vector<std::string>> rows = {{"KEY", "LABEL", "SPLIT", "HASH"}};
    for (int i = 0; i < samples && i < static_cast<int>(m.samples.size()); ++i)
      rows.push_back({m.samples[i].key, m.samples[i].label,
                      std::string(data::toString(m.samples[i].split)),
                      m.samples[i].hash.substr(0, 12)});
    std::cout << '\n';
    printTable(std::cout, rows);
  }
  if (!m.problems.empty()) {
    std::cout << '\n' << m.problems.size() << " import problem(s):\n";
    printProblems(m.problems, all_problems ? m.problems.size() : 10);
  }
  printShapeWarnings(data::ManifestStats::of(m), all_problems);
}

void addShow(CLI::App& data, const OpenWorkspace& open_workspace, const bool& json_mode,
             std::function<void()>& action) {
  auto* show = data.add_subcommand("show", "Show a version: stats, classes, columns, samples");
  struct Args {
    std::string ref;
    int samples = 0;
    bool problems = false;
  };
  auto a = std::make_shared<Args>();
  show->add_option("REF", a->ref, "NAME, NAME@VERSION or NAME@latest")->required();
  show->add_option("--samples", a->samples, "Also list the first N samples");
  show->add_flag("--problems", a->problems, "List every import problem");
  setAction(show, action, [open_workspace, &json_mode, a] {
    const Workspace ws = open_workspace();
    auto db = connect(ws);
    data::DatasetRepository repo(*db);
    const auto v = unwrap(repo.resolve(a->ref));
    const auto m = unwrap(data::loadManifest(ws, v));
    if (json_mode) return printShowJson(v, m, a->samples);
    const json stats = json::parse(v.stats_json, nullptr, false);
    printShowSummary(v, m, stats);
    printShowDetails(m, stats, a->samples, a->problems);
  });
}

void addDiff(CLI::App& data, const OpenWorkspace& open_workspace, const bool& json_mode,
    std::function<void()>& action) {
  auto* diff = data.add_subcommand("diff", "What changed between two versions");
  auto diff_a = std::make_shared<std::string>();
  auto diff_b = std::make_shared<std::string>();
  auto diff_limit = std::make_shared<int>(20);
  diff->add_option("A", *diff_a, "NAME@VERSION")->required();
  diff->add_option("B", *diff_b, "NAME@VERSION, or @VERSION of the same dataset")->required();
  diff->add_option("--limit", *diff_limit, "Keys listed per kind of change (default 20)");
  diff->callback([&action, open_workspace, &json_mode, diff_a, diff_b, diff_limit] {
    action = [open_workspace, &json_mode, diff_a, diff_b, diff_limit] {
      const Workspace ws = open_workspace();
      auto db = connect(ws);
      data::DatasetRepository repo(*db);
      const auto va = unwrap(repo.resolve(*diff_a));
      const std::string b_ref = !diff_b->empty() && (*diff_b)[0] == '@' ? va.dataset + *diff_b : *diff_b;
      const auto vb = unwrap(repo.resolve(b_ref));
      const auto d = data::diffManifests(unwrap(data::loadManifest(ws, va)),
                                         unwrap(data::loadManifest(ws, vb)));
      if (json_mode) {
        auto changes = [](const std::vector<data::ManifestDiff::Change>& cs) {
          json out = json::array();
          for (const auto& c : cs) out.push_back({{"key", c.key}, {"from", c.from}, {"to", c.to}});
          return out;
        };
        std::cout << json{{"a", va.ref()},
                          {"b", vb.ref()},
                          {"added", d.added},
                          {"removed", d.removed},
                          {"modified", d.modified},
                          {"relabelled", changes(d.relabelled)},
                          {"split_changed", changes(d.split_changed)},
                          {"columns_added", d.columns_added},
                          {"columns_removed", d.columns_removed},
                          {"unchanged", d.unchanged}}
                         .dump(-1, ' ', false, json::error_handler_t::replace)
                  << '\n';
        return;
      }
      std::cout << va.ref() << " → " << vb.ref() << ": " << d.added.size() << " added, "
                << d.removed.size() << " removed, " << d.modified.size() << " modified, "
                << d.relabelled.size() << " relabelled, " << d.split_changed.size()
                << " split changes, " << d.unchanged << " unchanged\n";
      const auto limit = static_cast<std::size_t>(std::max(0, *diff_limit));
      auto list = [&](const char* sign, const std::vector<std::string>& keys) {
        for (std::size_t i = 0; i < keys.size() && i < limit; ++i)
          std::cout << sign << ' ' << keys[i] << '\n';
        if (keys.size() > limit) std::cout << sign << " … " << keys.size() - limit << " more\n";
      };
      auto listChanges = [&](const char* sign, const std::vector<data::ManifestDiff::Change>& cs) {
        for (std::size_t i = 0; i < cs.size() && i < limit; ++i)
          std::cout << sign << ' ' << cs[i].key << ": " << cs[i].from << " → " << cs[i].to << '\n';
        if (cs.size() > limit) std::cout << sign << " … " << cs.size() - limit << " more\n";
      };
      for (const auto& c : d.columns_added) std::cout << "+ column " << c << '\n';
      for (const auto& c : d.columns_removed) std::cout << "- column " << c << '\n';
      list("+", d.added);
      list("-", d.removed);
      list("M", d.modified);
      listChanges("L", d.relabelled);
      listChanges("S", d.split_changed);
    };
  });
}

void addCheckout(CLI::App& data, const OpenWorkspace& open_workspace, const bool& json_mode,
    std::function<void()>& action) {
  auto* checkout = data.add_subcommand("checkout", "Write a version's files into a folder");
  auto co_ref = std::make_shared<std::string>();
  auto co_dir = std::make_shared<std::string>();
  checkout->add_option("REF", *co_ref, "NAME@VERSION")->required();
  checkout->add_option("DIR", *co_dir, "An empty or new folder")->required();
  checkout->callback([&action, open_workspace, &json_mode, co_ref, co_dir] {
    action = [open_workspace, &json_mode, co_ref, co_dir] {
      const Workspace ws = open_workspace();
      auto db = connect(ws);
      data::DatasetRepository repo(*db);
      const auto v = unwrap(repo.resolve(*co_ref));
      auto result = data::checkoutVersion(ws, v, *co_dir, terminalProgress(json_mode));
      endProgressLine(json_mode);
      const auto r = unwrap(std::move(result));
      if (json_mode)
        std::cout << json{{"ref", v.ref()}, {"dir", *co_dir}, {"files", r.files}, {"bytes", r.bytes},
                          {"index", r.index.string()}}
                         .dump(-1, ' ', false, json::error_handler_t::replace)
                  << '\n';
      else
        std::cout << "checked out " << v.ref() << " into " << *co_dir << ": " << r.files
                  << " files, " << formatBytes(r.bytes) << " (index: " << r.index.filename().string()
                  << ")\n";
    };
  });
}

void addVerify(CLI::App& data, const OpenWorkspace& open_workspace, const bool& json_mode,
    std::function<void()>& action) {
  auto* verify = data.add_subcommand(
      "verify", "Re-hash the samples of versions and report corruption (default: every version)");
  auto verify_refs = std::make_shared<std::vector<std::string>>();
  verify->add_option("REF", *verify_refs, "NAME, NAME@VERSION (default: all)");
  verify->callback([&action, open_workspace, &json_mode, verify_refs] {
    action = [open_workspace, &json_mode, verify_refs] {
      const Workspace ws = open_workspace();
      auto db = connect(ws);
      data::DatasetRepository repo(*db);
      std::vector<data::DatasetVersion> targets;
      if (verify_refs->empty()) {
        for (const auto& d : unwrap(repo.list()))
          for (auto& v : unwrap(repo.versions(d.name))) targets.push_back(std::move(v));
      } else {
        for (const auto& r : *verify_refs) {
          if (r.find('@') == std::string::npos) {
            auto all = unwrap(repo.versions(r));
            if (all.empty()) fail(r + ": no such dataset");
            targets.insert(targets.end(), all.begin(), all.end());
          } else {
            targets.push_back(unwrap(repo.resolve(r)));
          }
        }
      }
      std::size_t bad = 0;
      json out = json::array();
      for (const auto& v : targets) {
        auto report = data::verifyVersion(ws, v, 0, terminalProgress(json_mode));
        endProgressLine(json_mode);
        const auto r = unwrap(std::move(report));
        bad += r.problems.size();
        if (json_mode) {
          json problems = json::array();
          for (const auto& p : r.problems) problems.push_back({{"key", p.path}, {"reason", p.reason}});
          out.push_back({{"ref", v.ref()}, {"checked", r.checked}, {"bytes", r.bytes},
                         {"ok", r.problems.empty()}, {"problems", problems}});
        } else {
          std::cout << v.ref() << ": " << r.checked << " checked, "
                    << (r.problems.empty() ? "ok" : std::to_string(r.problems.size()) + " problem(s)")
                    << '\n';
          printProblems(r.problems, 50);
        }
      }
      if (json_mode) std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
      if (bad > 0) fail(std::to_string(bad) + " corrupt or missing sample(s)");
    };
  });
}

void addSplit(CLI::App& data, const OpenWorkspace& open_workspace, const bool& json_mode,
    std::function<void()>& action) {
  auto* split = data.add_subcommand("split", "Re-split a version (creates a new version)");
  auto sp_ref = std::make_shared<std::string>();
  auto sp_ratios = std::make_shared<std::string>("80/10/10");
  auto sp_seed = std::make_shared<std::uint64_t>(42);
  auto sp_no_stratify = std::make_shared<bool>(false);
  auto sp_message = std::make_shared<std::string>();
  split->add_option("REF", *sp_ref, "NAME or NAME@VERSION")->required();
  split->add_option("--split", *sp_ratios, "train/val/test ratios (default 80/10/10)");
  split->add_option("--seed", *sp_seed, "Seed (default 42)");
  split->add_flag("--no-stratify", *sp_no_stratify, "Do not keep class proportions");
  split->add_option("-m,--message", *sp_message, "Version message");
  split->callback([&action, open_workspace, &json_mode, sp_ref, sp_ratios, sp_seed, sp_no_stratify,
                   sp_message] {
    action = [open_workspace, &json_mode, sp_ref, sp_ratios, sp_seed, sp_no_stratify, sp_message] {
      const Workspace ws = open_workspace();
      auto spec = unwrap(data::parseSplitRatios(*sp_ratios));
      spec.seed = *sp_seed;
      spec.stratify = !*sp_no_stratify;
      const auto r = unwrap(data::resplitDataset(ws, *sp_ref, spec, *sp_message));
      if (json_mode) {
        std::cout << json{{"version", versionToJson(r.version)}, {"unchanged", r.unchanged}}.dump(-1, ' ', false, json::error_handler_t::replace)
                  << '\n';
        return;
      }
      if (r.unchanged)
        std::cout << "unchanged: " << r.version.ref() << " already has this split\n";
      else
        std::cout << "created " << r.version.ref() << ": "
                  << splitsText(json::parse(r.version.stats_json, nullptr, false))
                  << " train/val/test\n";
    };
  });
}

void addRm(CLI::App& data, const OpenWorkspace& open_workspace, const bool& json_mode,
    std::function<void()>& action) {
  auto* rm = data.add_subcommand("rm", "Delete a dataset and all its versions");
  auto rm_name = std::make_shared<std::string>();
  rm->add_option("NAME", *rm_name, "Dataset name")->required();
  rm->callback([&action, open_workspace, &json_mode, rm_name] {
    action = [open_workspace, &json_mode, rm_name] {
      const Workspace ws = open_workspace();
      auto db = connect(ws);
      data::DatasetRepository repo(*db);
      check(repo.remove(*rm_name));
      if (json_mode)
        std::cout << json{{"removed", *rm_name}}.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
      else
        std::cout << "removed dataset " << *rm_name << '\n';
    };
  });
}

}  // namespace

void addDataCommands(CLI::App& app, const OpenWorkspace& open_workspace, const bool& json_mode,
                     std::function<void()>& action) {
  auto* data = app.add_subcommand(
      "data", "Import, version, split, diff, check out and verify datasets");
  data->require_subcommand(1);
  addImport(*data, open_workspace, json_mode, action);
  addList(*data, open_workspace, json_mode, action);
  addVersions(*data, open_workspace, json_mode, action);
  addShow(*data, open_workspace, json_mode, action);
  addDiff(*data, open_workspace, json_mode, action);
  addCheckout(*data, open_workspace, json_mode, action);
  addVerify(*data, open_workspace, json_mode, action);
  addSplit(*data, open_workspace, json_mode, action);
  addRm(*data, open_workspace, json_mode, action);
}

}  // namespace wb::cli
