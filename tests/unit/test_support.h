// Small helpers shared by the unit tests: Result checks and readable QCOMPARE output.
#pragma once

#include <QDebug>
#include <QString>
#include <QTest>

#include <string>

// Fails the test, with the error's text, when a wb::Result or wb::Status holds an error.
#define WB_VERIFY_OK(expr)                                                \
  do {                                                                    \
    const auto& wb_r_ = (expr);                                           \
    QVERIFY2(wb_r_.ok(), wb_r_.ok() ? "" : wb_r_.error().text().c_str()); \
  } while (false)

// QCOMPARE prints std::string (and containers of them) through QDebug; QDebug lives in the
// global namespace, so argument-dependent lookup finds this.
inline QDebug operator<<(QDebug debug, const std::string& text) {
  return debug << QString::fromStdString(text);
}
