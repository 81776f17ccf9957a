#include "ui/charts/qcp_compact_ticker.h"

#include <cmath>

namespace wb::ui {

QString CompactTicker::compactNumber(double v) {
  const double a = std::fabs(v);
  auto trim = [](double x) { return QString::number(x, 'g', 4); };
  if (a >= 1e12) return trim(v / 1e12) + QLatin1Char('T');
  if (a >= 1e9) return trim(v / 1e9) + QLatin1Char('B');
  if (a >= 1e6) return trim(v / 1e6) + QLatin1Char('M');
  if (a >= 1e4) return trim(v / 1e3) + QLatin1Char('k');
  if (a < 1e-12) return QStringLiteral("0");
  return QString::number(v, 'g', 5);
}

QString CompactTicker::compactDuration(double seconds) {
  const bool negative = seconds < 0;
  double s = std::fabs(seconds);
  QString out;
  if (s < 60) {
    out = QString::number(s, 'g', s < 10 ? 3 : 4) + QLatin1Char('s');
  } else if (s < 3600) {
    const int m = static_cast<int>(s / 60);
    const int r = static_cast<int>(std::lround(s - m * 60.0));
    out = QString::number(m) + QLatin1Char('m') +
          (r ? QString::number(r) + QLatin1Char('s') : QString());
  } else if (s < 86400 * 2) {
    const int h = static_cast<int>(s / 3600);
    const int m = static_cast<int>(std::lround((s - h * 3600.0) / 60));
    out = QString::number(h) + QLatin1Char('h') +
          (m ? QString::number(m) + QLatin1Char('m') : QString());
  } else {
    out = QString::number(s / 86400, 'g', 3) + QLatin1Char('d');
  }
  return negative ? QLatin1Char('-') + out : out;
}

double CompactTicker::getTickStep(const QCPRange& range) {
  if (m_kind != Kind::Duration) return QCPAxisTicker::getTickStep(range);
  const double raw = range.size() / (mTickCount + 1e-10);
  static const double steps[] = {1,     2,     5,     10,    15,     30,     60,
                                 120,   300,   600,   900,   1800,   3600,   7200,
                                 10800, 21600, 43200, 86400, 172800, 432000, 864000};
  for (double s : steps)
    if (s >= raw) return s;
  return QCPAxisTicker::getTickStep(range);
}

}  // namespace wb::ui
