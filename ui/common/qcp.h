#pragma once

// QCustomPlot's header uses Qt's keyword macros, which QT_NO_KEYWORDS turns off project-wide
// (they clash with LibTorch). Define them for this one header only.
#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef emit
#undef foreach
