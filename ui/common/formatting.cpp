#include "ui/common/formatting.h"

#include <QLocale>

#include "core/common/numbers.h"

namespace wb::ui {

QString formatValue(double value) { return QString::fromStdString(formatGeneral(value, kValueDigits)); }

QString formatDuration(double seconds) {
  return QString::fromStdString(wb::formatDuration(seconds));
}

QString formatTime(double unix_seconds, TimePrecision precision) {
  return QString::fromStdString(formatLocalTime(unix_seconds, precision));
}

QString formatBytes(qint64 bytes) {
  return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeSIFormat);
}

}  // namespace wb::ui
