// Import hashing throughput: SHA-256 over a generated folder (1 GB by default, in the page
// cache) with the importer's multi-threaded hasher, against coreutils' sha256sum on the same
// files, like for like: the same number of runs and the same statistic (best of N) on both
// sides, one thread against one sha256sum process, and all cores against `xargs -P <cores>`
// sha256sum processes.
//   bench_hash [DIR] [--size-mb N] [--runs N]
// Prints "readme-row:" lines for the README's figures table.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/common/numbers.h"
#include "core/data/importer.h"
#include "tests/benchmarks/bench_rows.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Mixed file sizes, like a real image folder: 64 KB to 4 MB.
std::vector<fs::path> generate(const fs::path& dir, std::uint64_t total_bytes) {
  std::vector<fs::path> files;
  std::uint64_t written = 0, state = 0x9E3779B97F4A7C15ULL;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::vector<std::uint64_t> buf;
  for (int i = 0; written < total_bytes; ++i) {
    const std::uint64_t size = (64u << 10) << (next() % 7);  // 64 KB … 4 MB
    const fs::path p = dir / ("class" + std::to_string(i % 10)) / ("f" + std::to_string(i) + ".bin");
    files.push_back(p);
    written += size;
    // Content from its own stream, so sizes do not depend on which files already exist.
    std::uint64_t content = state ^ (0xD1B54A32D192ED03ULL * static_cast<std::uint64_t>(i + 1));
    std::error_code ec;
    if (fs::exists(p, ec) && fs::file_size(p, ec) == size) continue;
    fs::create_directories(p.parent_path());
    buf.resize(size / 8);
    for (auto& w : buf) {
      content ^= content << 13;
      content ^= content >> 7;
      content ^= content << 17;
      w = content;
    }
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(buf.data()),
                                             static_cast<std::streamsize>(size));
  }
  return files;
}

double hashRun(const std::vector<fs::path>& files, int threads, std::uint64_t& bytes) {
  std::atomic<bool> cancelled{false};
  const auto t0 = Clock::now();
  auto out = wb::data::hashFiles(files, wb::data::HashMode::HashOnly, "/nonexistent", threads, {},
                                 cancelled);
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  bytes = 0;
  for (const auto& h : out) {
    if (!h.error.empty() || h.hash.size() != 64) {
      std::fprintf(stderr, "hash failed: %s\n", h.error.c_str());
      std::exit(1);
    }
    bytes += h.size_bytes;
  }
  return s;
}

// sha256sum over the listed files: one process at a time (processes == 1) or `processes` in
// parallel, each given a share of the list. Seconds, or a negative value when it failed.
double sha256sumRun(const fs::path& list, std::size_t files, unsigned processes) {
  std::string cmd = "xargs -a '" + list.string() + "' -d '\\n'";
  if (processes > 1) {
    // Enough chunks that the processes stay busy to the end, whatever the file sizes.
    const std::size_t per = std::max<std::size_t>(1, files / (std::size_t(processes) * 8));
    cmd += " -P " + std::to_string(processes) + " -n " + std::to_string(per);
  }
  cmd += " sha256sum > /dev/null";
  const auto t0 = Clock::now();
  const int rc = std::system(cmd.c_str());
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  return rc == 0 ? s : -1;
}

struct Args {
  fs::path dir = fs::temp_directory_path() / "wb-bench-hash";
  std::uint64_t size_mb = 1024;
  int runs = 3;
};

Args parseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto number = [&] {
      const auto v = i + 1 < argc ? wb::parseInt(argv[++i]) : std::nullopt;
      if (!v || *v < 1) {
        std::fprintf(stderr, "bench_hash: %s needs a positive whole number\n", arg.c_str());
        std::exit(2);
      }
      return *v;
    };
    if (arg == "--size-mb")
      a.size_mb = std::uint64_t(number());
    else if (arg == "--runs")
      a.runs = int(number());
    else
      a.dir = arg;
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parseArgs(argc, argv);
  std::printf("generating %llu MB in %s …\n", static_cast<unsigned long long>(args.size_mb),
              args.dir.c_str());
  const auto files = generate(args.dir, args.size_mb << 20);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const fs::path list = args.dir / "files.txt";
  {
    std::ofstream out(list);
    for (const auto& f : files) out << f.string() << '\n';
  }
  std::uint64_t bytes = 0;
  hashRun(files, static_cast<int>(cores), bytes);  // warm the page cache
  sha256sumRun(list, files.size(), cores);          // and sha256sum's binary

  const double mb = double(bytes) / 1e6;
  const std::string what = "Import hashing (SHA-256) of a " + wb::bench::grouped(mb) + " MB folder of " +
                           std::to_string(files.size()) + " files in the page cache";
  std::printf("\n%zu files, %s MB (page cache warm), best of %d runs on each side\n", files.size(),
              wb::formatFixed(mb, 0).c_str(), args.runs);
  std::printf("%-40s %10s %10s\n", "hasher", "seconds", "MB/s");
  const std::vector<unsigned> thread_counts = cores > 1 ? std::vector<unsigned>{1u, cores}
                                                        : std::vector<unsigned>{1u};
  for (unsigned threads : thread_counts) {
    double ours = 1e30, theirs = 1e30;
    // Interleaved, so a burst of load from elsewhere hits both sides alike.
    for (int rep = 0; rep < args.runs; ++rep) {
      ours = std::min(ours, hashRun(files, int(threads), bytes));
      const double s = sha256sumRun(list, files.size(), threads);
      if (s > 0) theirs = std::min(theirs, s);
    }
    const double ours_mbs = mb / ours;
    const double theirs_mbs = theirs < 1e30 ? mb / theirs : 0;
    const std::string ref = threads == 1 ? "sha256sum, 1 process"
                                         : "sha256sum, xargs -P " + std::to_string(threads);
    std::printf("%-40s %10s %10s\n", ("wb importer, " + std::to_string(threads) + " thread(s)").c_str(),
                wb::formatFixed(ours, 3).c_str(), wb::formatFixed(ours_mbs, 0).c_str());
    std::printf("%-40s %10s %10s\n", ref.c_str(), theirs_mbs > 0 ? wb::formatFixed(theirs, 3).c_str() : "failed",
                wb::formatFixed(theirs_mbs, 0).c_str());
    const std::string compared =
        threads == 1 ? "1 thread vs one `sha256sum` process over the same files; best of " +
                           std::to_string(args.runs) + " each"
                     : std::to_string(threads) + " threads (all cores) vs `xargs -P " +
                           std::to_string(threads) + " sha256sum` over the same files; best of " +
                           std::to_string(args.runs) + " each";
    wb::bench::readmeRow(what, compared, wb::bench::versus(ours_mbs, theirs_mbs, "MB/s"), "measured");
  }
  return 0;
}
