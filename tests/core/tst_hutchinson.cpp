// Hutchinson traces on quadratics with known Hessians, and the EWGS delta formula.

#include "core/quant/hutchinson.h"
#include "testsupport.h"

#include <torch/torch.h>

#include <QtTest>

namespace {
const auto kDouble = torch::TensorOptions().dtype(torch::kDouble);

at::Tensor symmetric(int n, double diagBoost)
{
    const auto m = torch::randn({n, n}, kDouble);
    return (m + m.t()) / 2 + diagBoost * torch::eye(n, kDouble);
}
} // namespace

class TestHutchinson : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { torch::manual_seed(7); }

    void diagonalHessianIsExactAfterOneSample()
    {
        // For a diagonal H every Rademacher sample v^T H v equals Tr(H).
        const auto d = torch::rand({50}, kDouble) + 0.5;
        const auto x = torch::randn({50}, kDouble).requires_grad_(true);
        const auto loss = 0.5 * (d * x * x).sum();
        const auto g = torch::autograd::grad({loss}, {x}, {}, true, true)[0];
        qs::HutchinsonOptions opts;
        const auto traces = qs::hutchinsonTracesPerTensor({g}, {x}, opts);
        QS_COMPARE_NEAR(traces[0], d.sum().item<double>(), 1e-9);
    }

    void denseQuadraticConvergesToTheTrace()
    {
        const int n = 30;
        const auto A = symmetric(n, 3.0), B = symmetric(n, -2.0), C = torch::randn({n, n}, kDouble);
        const auto x = torch::randn({n}, kDouble).requires_grad_(true);
        const auto y = torch::randn({n}, kDouble).requires_grad_(true);
        // L = x'Ax/2 + y'By/2 + x'Cy: block-diagonal traces Tr(A), Tr(B); the coupling C must not bias them.
        const auto loss = 0.5 * x.dot(A.mv(x)) + 0.5 * y.dot(B.mv(y)) + x.dot(C.mv(y));
        const auto grads = torch::autograd::grad({loss}, {x, y}, {}, true, true);
        qs::HutchinsonOptions opts;
        opts.maxIterations = 4000;
        opts.tolerance = 0; // run every sample
        const double trA = A.trace().item<double>(), trB = B.trace().item<double>();
        const auto perTensor = qs::hutchinsonTracesPerTensor(grads, {x, y}, opts);
        const auto joint = qs::hutchinsonTracesJoint(grads, {x, y}, opts);
        // Standard error of the mean: sqrt(2 sum_{i != j} H_ij^2 / samples), a few units here; allow 5 sigma.
        const double tol = 5 * std::sqrt(2 * (A.pow(2).sum() + C.pow(2).sum() * 2).item<double>() / 4000);
        QS_COMPARE_NEAR(perTensor[0], trA, tol);
        QS_COMPARE_NEAR(perTensor[1], trB, tol);
        QS_COMPARE_NEAR(joint[0], trA, tol);
        QS_COMPARE_NEAR(joint[1], trB, tol);
    }

    void toleranceStopsEarlyAndSeedIsReproducible()
    {
        const auto A = symmetric(20, 5.0);
        const auto x = torch::randn({20}, kDouble).requires_grad_(true);
        const auto g = torch::autograd::grad({0.5 * x.dot(A.mv(x))}, {x}, {}, true, true)[0];
        qs::HutchinsonOptions opts;
        opts.seed = 42;
        const auto a = qs::hutchinsonTracesPerTensor({g}, {x}, opts);
        const auto b = qs::hutchinsonTracesPerTensor({g}, {x}, opts);
        QCOMPARE(a[0], b[0]);
        opts.seed = 43;
        QVERIFY(qs::hutchinsonTracesPerTensor({g}, {x}, opts)[0] != a[0]);
    }

    void gradientsWithoutGraphAreRejected()
    {
        const auto x = torch::randn({3}, kDouble).requires_grad_(true);
        const auto g = torch::autograd::grad({x.pow(2).sum()}, {x})[0];
        QVERIFY_THROWS_EXCEPTION(c10::Error, qs::hutchinsonTracesPerTensor({g}, {x}, {}));
    }

    void ewgsDeltaFormulaAndClip()
    {
        const auto g = torch::tensor({1.0, -1.0, 3.0, -3.0}, kDouble);
        const double sd = g.std().item<double>();
        QS_COMPARE_NEAR(qs::ewgsDeltaSample(12.0, 4, g), (12.0 / 4) / (3 * sd), 1e-15);
        qs::EwgsDeltaAccumulator acc(2);
        acc.add(0, 0.3);
        acc.add(1, -0.5);
        acc.finishBatch();
        acc.add(0, 0.1);
        acc.add(1, 0.2);
        acc.finishBatch();
        const auto deltas = acc.deltas();
        QS_COMPARE_NEAR(deltas[0], 0.2, 1e-15);
        QCOMPARE(deltas[1], 0.0); // mean -0.15 clipped at 0
    }
};

QTEST_APPLESS_MAIN(TestHutchinson)
#include "tst_hutchinson.moc"
