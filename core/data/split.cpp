#include "core/data/split.h"

#include "core/common/numbers.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <numeric>
#include <string>

namespace wb::data {

std::uint64_t stableHash(std::string_view text, std::uint64_t seed) {
  std::uint64_t h = 1469598103934665603ULL ^ (seed * 0x9E3779B97F4A7C15ULL);
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBULL;
  h ^= h >> 31;
  return h;
}

void assignSplits(std::vector<Sample>& samples, const SplitSpec& spec) {
  std::array<double, 3> ratios = {std::max(0.0, spec.train), std::max(0.0, spec.val),
                                  std::max(0.0, spec.test)};
  const double sum = ratios[0] + ratios[1] + ratios[2];
  if (sum <= 0) ratios = {1, 0, 0};
  else
    for (auto& r : ratios) r /= sum;

  std::map<std::string, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < samples.size(); ++i)
    groups[spec.stratify ? samples[i].label : std::string()].push_back(i);

  // Per group: floors of the exact counts. The leftover samples are then apportioned across
  // all groups at once (largest remainder against the dataset-wide targets), so many small
  // classes do not all round the same way and starve a split.
  struct Group {
    std::vector<std::size_t> order;  // sample indices in hash order
    std::array<std::size_t, 3> counts{};
    std::array<double, 3> remainders{};
    std::size_t left = 0;
  };
  std::vector<Group> gs;
  gs.reserve(groups.size());
  std::array<std::size_t, 3> totals{};
  for (auto& [label, members] : groups) {
    Group g;
    std::vector<std::pair<std::uint64_t, std::size_t>> order;
    order.reserve(members.size());
    for (auto i : members) order.emplace_back(stableHash(samples[i].key, spec.seed), i);
    // Ties (equal hashes) are broken by key so the result never depends on input order.
    std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : samples[a.second].key < samples[b.second].key;
    });
    for (const auto& o : order) g.order.push_back(o.second);
    const auto n = static_cast<double>(g.order.size());
    std::size_t assigned = 0;
    for (int s = 0; s < 3; ++s) {
      const double exact = n * ratios[s];
      g.counts[s] = static_cast<std::size_t>(std::floor(exact));
      g.remainders[s] = exact - std::floor(exact);
      assigned += g.counts[s];
      totals[s] += g.counts[s];
    }
    g.left = g.order.size() - assigned;
    gs.push_back(std::move(g));
  }
  // Dataset-wide targets by largest remainder.
  std::array<std::size_t, 3> target{};
  {
    const auto n = static_cast<double>(samples.size());
    std::array<double, 3> rem{};
    std::size_t assigned = 0;
    for (int s = 0; s < 3; ++s) {
      target[s] = static_cast<std::size_t>(std::floor(n * ratios[s]));
      rem[s] = n * ratios[s] - std::floor(n * ratios[s]);
      assigned += target[s];
    }
    while (assigned < samples.size()) {
      const int best = static_cast<int>(std::max_element(rem.begin(), rem.end()) - rem.begin());
      target[best]++;
      rem[best] = -1;
      assigned++;
    }
  }
  struct Candidate {
    double remainder;
    std::size_t group;
    int split;
  };
  std::vector<Candidate> candidates;
  for (std::size_t g = 0; g < gs.size(); ++g)
    for (int s = 0; s < 3; ++s)
      if (ratios[s] > 0) candidates.push_back({gs[g].remainders[s], g, s});
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.remainder > b.remainder; });
  // Two passes: first within the dataset-wide targets, then whatever is left.
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& c : candidates) {
      Group& g = gs[c.group];
      if (g.left == 0 || (pass == 0 && totals[c.split] >= target[c.split])) continue;
      g.counts[c.split]++;
      totals[c.split]++;
      g.left--;
    }
  for (auto& g : gs) {
    g.counts[0] += g.left;  // only when every ratio but train is 0
    std::size_t pos = 0;
    for (int s = 0; s < 3; ++s)
      for (std::size_t k = 0; k < g.counts[s]; ++k)
        samples[g.order[pos++]].split = static_cast<Split>(s);
  }
}

Result<SplitSpec> parseSplitRatios(std::string_view text) {
  std::vector<double> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find_first_of("/,:", start);
    if (end == std::string_view::npos) end = text.size();
    const auto v = parseDouble(text.substr(start, end - start));
    if (!v || *v < 0)
      return makeError("expected ratios like 80/10/10 or 0.8,0.2", std::string(text));
    parts.push_back(*v);
    start = end + 1;
  }
  if (parts.size() < 1 || parts.size() > 3)
    return makeError("give 1 to 3 ratios (train/val/test)", std::string(text));
  parts.resize(3, 0.0);
  if (parts[0] + parts[1] + parts[2] <= 0)
    return makeError("the ratios add up to zero", std::string(text));
  SplitSpec spec;
  spec.train = parts[0];
  spec.val = parts[1];
  spec.test = parts[2];
  const double sum = spec.train + spec.val + spec.test;
  spec.train /= sum;
  spec.val /= sum;
  spec.test /= sum;
  return spec;
}

}  // namespace wb::data
