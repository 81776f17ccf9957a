#pragma once

#include <QString>

#include "ui/common/qcp.h"

namespace wb::ui {

/// Tick labels people read at a glance: 250k rather than 250000, 5m rather than 300. Duration
/// ticks fall on round seconds, minutes and hours.
class CompactTicker : public QCPAxisTicker {
 public:
  enum class Kind { Number, Duration };
  explicit CompactTicker(Kind kind) : m_kind(kind) {}

  /// 1.5k, 2.5M, 0.001: at most about five significant digits.
  static QString compactNumber(double v);
  /// 4.2s, 3m5s, 2h, 3.5d.
  static QString compactDuration(double seconds);

 protected:
  double getTickStep(const QCPRange& range) override;
  QString getTickLabel(double tick, const QLocale&, QChar, int) override {
    return m_kind == Kind::Duration ? compactDuration(tick) : compactNumber(tick);
  }

 private:
  Kind m_kind;
};

}  // namespace wb::ui
