#pragma once
// Small helpers shared by the QTest executables.

#include <QtTest>

#include <cmath>
#include <vector>

namespace qs::test {

// |a - b| <= abs + rel * max(|a|, |b|), with a message naming both values when it fails.
inline bool nearlyEqual(double a, double b, double absTol, double relTol = 0.0)
{
    return std::abs(a - b) <= absTol + relTol * std::max(std::abs(a), std::abs(b));
}

} // namespace qs::test

#define QS_COMPARE_NEAR(actual, expected, absTol)                                                            \
    do {                                                                                                     \
        const double qsA = double(actual), qsE = double(expected);                                           \
        if (!qs::test::nearlyEqual(qsA, qsE, absTol))                                                        \
            QFAIL(qPrintable(QStringLiteral("%1 = %2, expected %3 (tolerance %4)")                           \
                                 .arg(QString::fromLatin1(#actual))                                          \
                                 .arg(qsA, 0, 'g', 17)                                                       \
                                 .arg(qsE, 0, 'g', 17)                                                       \
                                 .arg(double(absTol))));                                                     \
    } while (false)
