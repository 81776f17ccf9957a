#include "core/metrics/incremental_ema.h"

#include <algorithm>
#include <cmath>

namespace wb::metrics {

std::size_t IncrementalEma::update(std::span<const double> ys, double weight, std::size_t from,
                                   std::vector<double>& out) {
  const std::size_t n = ys.size();
  if (!(weight > 0)) {
    out.assign(ys.begin(), ys.end());
    m_weight = weight;
    m_done = n;
    return 0;
  }
  // The same arithmetic as emaSmoothInto, with its state kept between calls.
  const double w = std::min(weight, std::nextafter(1.0, 0.0));
  bool restart = weight != m_weight || from == 0 || from != m_done || from > n;
  if (!restart && m_constant) {
    for (std::size_t i = from; i < n && !restart; ++i) restart = !(ys[i] == ys[0]);
    if (!restart) {
      out.assign(ys.begin(), ys.end());
      m_done = n;
      return from;
    }
  }
  std::size_t changed_from = from;
  if (restart) {
    m_weight = weight;
    m_state = {};
    m_constant =
        n > 0 && std::all_of(ys.begin(), ys.end(), [&](double y) { return y == ys.front(); });
    out.assign(ys.begin(), ys.end());
    m_done = n;
    if (m_constant) return 0;
    from = changed_from = 0;
  } else {
    out.resize(n);
  }
  for (std::size_t i = from; i < n; ++i)
    out[i] = std::isfinite(ys[i]) ? m_state.push(ys[i], w) : ys[i];
  m_done = n;
  return changed_from;
}

}  // namespace wb::metrics
