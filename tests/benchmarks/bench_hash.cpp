// Import hashing throughput: SHA-256 over a generated 1 GB folder with the importer's
// multi-threaded hasher, beside coreutils' sha256sum (one process, one core) as a reference.
//   bench_hash [DIR] [--size-mb N]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/data/importer.h"

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

}  // namespace

int main(int argc, char** argv) {
  fs::path dir = fs::temp_directory_path() / "wb-bench-hash";
  std::uint64_t size_mb = 1024;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--size-mb" && i + 1 < argc)
      size_mb = std::strtoull(argv[++i], nullptr, 10);
    else
      dir = a;
  }
  std::printf("generating %llu MB in %s …\n", static_cast<unsigned long long>(size_mb),
              dir.c_str());
  const auto files = generate(dir, size_mb << 20);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::uint64_t bytes = 0;
  hashRun(files, static_cast<int>(cores), bytes);  // warm the page cache

  std::printf("\n%zu files, %.0f MB (page cache warm)\n", files.size(), bytes / 1e6);
  std::printf("%-34s %10s %10s\n", "hasher", "seconds", "MB/s");
  double best_all = 0;
  for (int threads : {1, static_cast<int>(cores)}) {
    double best = 1e9;
    for (int rep = 0; rep < 3; ++rep) best = std::min(best, hashRun(files, threads, bytes));
    const double mbs = bytes / 1e6 / best;
    if (threads == static_cast<int>(cores)) best_all = mbs;
    std::printf("wb importer, %d thread(s)%*s %10.2f %10.0f\n", threads, threads > 9 ? 7 : 8, "",
                best, mbs);
  }
  // Reference: coreutils sha256sum over the same files, one process.
  const fs::path list = dir / "files.txt";
  {
    std::ofstream out(list);
    for (const auto& f : files) out << f.string() << '\n';
  }
  const std::string cmd = "xargs -a '" + list.string() + "' -d '\\n' sha256sum > /dev/null";
  const auto t0 = Clock::now();
  const int rc = std::system(cmd.c_str());
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (rc == 0) {
    std::printf("%-34s %10.2f %10.0f\n", "sha256sum (coreutils, 1 process)", s, bytes / 1e6 / s);
    std::printf("\nratio wb (%u threads) / sha256sum: %.2fx\n", cores, best_all / (bytes / 1e6 / s));
  }
  std::printf("figure: import hashing %.0f MB/s with %u threads\n", best_all, cores);
  return 0;
}
