#include "core/common/ids.h"

#include <array>
#include <random>

namespace wb {

namespace {
std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}
}  // namespace

std::string randomHexId() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    auto bits = rng()();
    for (int i = 0; i < 16; ++i, bits >>= 4) id[half * 16 + i] = kHex[bits & 0xf];
  }
  return id;
}

std::string randomRunName() {
  static constexpr std::array kAdjectives = {
      "amber", "bold",  "brisk", "calm",  "clever", "crisp", "eager", "fair",
      "gentle", "glad", "keen",  "lucid", "merry",  "noble", "quick", "quiet",
      "rapid", "sharp", "solid", "stout", "sunny",  "swift", "vivid", "witty"};
  static constexpr std::array kNouns = {
      "badger", "bison", "crane", "eagle", "falcon", "ferret", "gecko", "heron",
      "ibis",   "koala", "lemur", "lynx",  "marten", "otter",  "panda", "puffin",
      "raven",  "robin", "seal",  "stork", "tapir",  "tiger",  "wren",  "yak"};
  auto& gen = rng();
  return std::string(kAdjectives[gen() % kAdjectives.size()]) + "-" + kNouns[gen() % kNouns.size()] +
         "-" + std::to_string(gen() % 100);
}

}  // namespace wb
