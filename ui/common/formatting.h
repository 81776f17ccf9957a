#pragma once

#include <QString>
#include <QtGlobal>

#include "core/common/text_format.h"

// The GUI's one set of number, time, duration and size formatters. Values that the user may
// type back (filter expressions, params) keep core's locale-free spelling, so a table cell reads
// as the filter `optim.lr < 0.01` does and as the CLI prints it; sizes use the user's
// QLocale conventions ("1,5 MB" under de_DE) with the CLI's decimal units.
namespace wb::ui {

inline constexpr int kValueDigits = 5;  // significant digits of a shown value

/// A param or metric value: kValueDigits significant digits, '.' decimal ("0.01", "1e-05", "nan").
QString formatValue(double value);

/// "4.2s", "3m 05s", "1h 02m", as the CLI writes durations.
QString formatDuration(double seconds);

/// Local time "YYYY-MM-DD HH:MM" (Minutes, dataset lists) or with seconds (the Runs table).
QString formatTime(double unix_seconds, TimePrecision precision = TimePrecision::Minutes);

/// Decimal units as the CLI uses them, in the user's locale: "512 bytes", "1.5 MB".
QString formatBytes(qint64 bytes);

}  // namespace wb::ui
