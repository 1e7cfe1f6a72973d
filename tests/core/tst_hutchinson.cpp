// Hutchinson traces on quadratics with known Hessians, and the EWGS delta formula.

#include "core/quant/hutchinson.h"
#include "core/train/ewgsupdate.h"
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

// A ResNet-8 with `method` W2A2 in train mode, its ranges initialized by one forward pass of `images`.
qs::ResNet smallQuantizedResNet(const std::string &method, const at::Tensor &images, double ewgsDelta)
{
    qs::ResNetOptions options;
    options.depth = 8;
    options.quant.method = method;
    options.quant.weightBits = options.quant.actBits = 2;
    options.quant.ewgs = ewgsDelta > 0;
    options.quant.ewgsDeltaInit = ewgsDelta;
    options.quant.edges = qs::EdgeLayers::FullPrecision;
    qs::ResNet model(options);
    model->train();
    model->forward(images);
    return model;
}

double relativeDistance(const at::Tensor &a, const at::Tensor &b)
{
    return ((a.to(torch::kDouble) - b.to(torch::kDouble)).norm() / b.to(torch::kDouble).norm())
        .item<double>();
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

    void finiteDifferenceProductMatchesDoubleBackward_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<double>("ewgsDelta");
        // The quantizers' backward factors J0: 1 inside the clip (APoT's STE, LSQ), DSQ's tanh slope, DAQ's
        // soft-assignment slope; EWGS's sign-dependent factor.
        QTest::newRow("apot") << QStringLiteral("apot") << 0.0;
        QTest::newRow("lsq") << QStringLiteral("lsq") << 0.0;
        QTest::newRow("dsq") << QStringLiteral("dsq") << 0.0;
        QTest::newRow("daq") << QStringLiteral("daq") << 0.0;
        QTest::newRow("apot+ewgs") << QStringLiteral("apot") << 0.05;
        QTest::newRow("ewgs-ste") << QStringLiteral("ewgs") << 0.0; // the official QConv, --baseline True
        QTest::newRow("ewgs") << QStringLiteral("ewgs") << 0.05;
    }

    void finiteDifferenceProductMatchesDoubleBackward()
    {
        // The central difference on the linearized replay against autograd's double backward, same probes,
        // float32 as in training. Its error is rounding, eps32 |g| / h with h = cbrt(eps32) rms, i.e.
        // eps32^(2/3) = 2.4e-5 relative to |g| / rms, plus truncation h^2 |g3| / 6 (BatchNorm and the
        // softmax are the only curvature left once the masks are fixed): TOLERANCE below. EWGS: the replay
        // takes the factor 1 for the sign-dependent 1 + delta sign(g') (x_n - x_q), the double backward the
        // sign of its adjoint g'; they differ by up to delta / 2 x (the levels' spacing, 1/3 at 2 bits), 0.8%
        // per element at delta = 0.05.
        QFETCH(QString, method);
        QFETCH(double, ewgsDelta);
        torch::manual_seed(11);
        const auto images = torch::randn({16, 3, 8, 8});
        const auto labels = torch::randint(0, 10, {16});
        auto model = smallQuantizedResNet(method.toStdString(), images, ewgsDelta);
        // The finite-difference base point first: its graph is gone when the exact one is built (DSQ clamps
        // its alpha in place in every forward).
        qs::QuantizerOutputHessian fd(model, images, labels, true);
        qs::QuantizerOutputHessian exact(model, images, labels, false);
        QCOMPARE(fd.outputs().size(), exact.outputs().size());
        QCOMPARE(fd.outputs().size(), size_t(2 * 6)); // ResNet-8: one block of two quantized convs per stage
        std::vector<at::Tensor> probes;
        for (const auto &t : exact.outputs())
            probes.push_back(torch::randint(0, 2, t.sizes()).to(t.dtype()) * 2 - 1);
        const auto hvExact = exact.product()(probes);
        const auto hvFd = fd.product()(probes);
        // Measured here: APoT 3e-4; DAQ 6e-3 (its slope 1 / |s0 - s1| is steep); APoT+EWGS 7e-3 (the sign
        // above); LSQ 4% and DSQ 2% on the first layer's raw weights (rms ~0.05, their gradients large next
        // to h |Hv|: float32 rounding of the gradient). Rounding noise has mean zero: the traces below agree.
        // The EWGS method: 2% on every output, truncation (it scales as h^2: 0.5%, 2%, 7.7% measured at
        // 0.5x, 1x, 2x the step), presumably the curvature of the BatchNorm1d before its classifier, which
        // only this method has. Before its captured w_q was what the replay perturbed, it was 69% off.
        const double tolerance = method == QLatin1String("lsq") || method == QLatin1String("dsq") ? 6e-2
                                 : method == QLatin1String("ewgs")                                ? 4e-2
                                 : method == QLatin1String("daq") || ewgsDelta > 0                ? 1e-2
                                                                                                  : 1e-3;
        for (size_t i = 0; i < probes.size(); ++i) {
            QVERIFY(hvExact[i].defined() && hvFd[i].defined());
            QVERIFY2(hvExact[i].norm().item<double>() > 0,
                     "a zero exact product would make this test vacuous");
            const double d = relativeDistance(hvFd[i], hvExact[i]);
            qDebug("output %d: |Hv_fd - Hv| / |Hv| = %.3g", int(i), d);
            QVERIFY2(
                d < tolerance,
                qPrintable(
                    QStringLiteral("output %1: |Hv_fd - Hv| / |Hv| = %2").arg(int(i)).arg(d, 0, 'g', 3)));
            // The same base gradients either way.
            QVERIFY(relativeDistance(fd.gradients()[i], exact.gradients()[i]) < 1e-6);
        }
        // Replays leave BatchNorm's running statistics where the base pass put them.
        const auto before = model->named_buffers()["bn1.running_mean"].clone();
        fd.product()(probes);
        QCOMPARE(relativeDistance(model->named_buffers()["bn1.running_mean"], before), 0.0);
    }

    void finiteDifferenceTracesMatchExactWithinSamplingError()
    {
        torch::manual_seed(12);
        const auto images = torch::randn({16, 3, 8, 8});
        const auto labels = torch::randint(0, 10, {16});
        auto model = smallQuantizedResNet("apot", images, 0.0);
        qs::HutchinsonOptions opts;
        opts.maxIterations = 200;
        opts.tolerance = 0;
        opts.seed = 5;
        // Finite differences first (their replays would invalidate a retained double-backward graph).
        qs::QuantizerOutputHessian fd(model, images, labels, true);
        const auto jointFd = qs::hutchinsonEstimatesJoint(fd.product(), fd.outputs(), opts, fd.probeScales());
        qs::QuantizerOutputHessian exact(model, images, labels, false);
        const auto jointExact =
            qs::hutchinsonEstimatesJoint(exact.product(), exact.outputs(), opts, fd.probeScales());
        opts.seed = 6; // independent probes for the reference's per-tensor estimator
        const auto perTensor = qs::hutchinsonEstimatesPerTensor(exact.gradients(), exact.outputs(), opts);
        for (size_t i = 0; i < jointFd.size(); ++i) {
            QCOMPARE(jointFd[i].samples, 200);
            // Same probes: only the products' own error (1e-3 above) separates the two, far inside the
            // sampling error.
            QVERIFY(std::abs(jointFd[i].trace - jointExact[i].trace) < 0.05 * jointExact[i].standardError());
            // Independent probes: within 5 combined standard errors.
            const double se = std::hypot(jointFd[i].standardError(), perTensor[i].standardError());
            QVERIFY2(std::abs(jointFd[i].trace - perTensor[i].trace) < 5 * se,
                     qPrintable(QStringLiteral("output %1: fd %2 vs per-tensor %3, se %4")
                                    .arg(int(i))
                                    .arg(jointFd[i].trace)
                                    .arg(perTensor[i].trace)
                                    .arg(se)));
        }
    }

    void referenceStoppingRule()
    {
        // L = x'Ax/2 with A negative definite: every sample is negative. The reference's rule divides by
        // (previous mean + 1e-6) without abs(): from the second sample the ratio is negative and it stops.
        const auto m = torch::randn({20, 20}, kDouble);
        const auto A = -(m.mm(m.t()) + torch::eye(20, kDouble));
        const auto x = torch::randn({20}, kDouble).requires_grad_(true);
        const auto g = torch::autograd::grad({0.5 * x.dot(A.mv(x))}, {x}, {}, true, true)[0];
        qs::HutchinsonOptions opts;
        opts.tolerance = 1e-12;
        opts.referenceDenominator = true;
        QCOMPARE(qs::hutchinsonEstimatesPerTensor({g}, {x}, opts)[0].samples, 2);
        opts.referenceDenominator = false;
        QCOMPARE(qs::hutchinsonEstimatesPerTensor({g}, {x}, opts)[0].samples, 50);
        // A zero Hessian: the reference checks its first sample against a previous mean of 0 and stops there;
        // the abs rule needs two samples.
        const auto zeroPoint = torch::zeros({5}, kDouble).requires_grad_(true);
        const auto gzero = torch::autograd::grad({(zeroPoint * zeroPoint * zeroPoint).sum()}, {zeroPoint}, {},
                                                 true, true)[0];
        opts.referenceDenominator = true;
        QCOMPARE(qs::hutchinsonEstimatesPerTensor({gzero}, {zeroPoint}, opts)[0].samples, 1);
        opts.referenceDenominator = false;
        QCOMPARE(qs::hutchinsonEstimatesPerTensor({gzero}, {zeroPoint}, opts)[0].samples, 2);
    }

    void finiteDifferenceStepIsRelativeToEachTensor()
    {
        QS_COMPARE_NEAR(qs::centralDifferenceRelativeStep(), 4.9215e-3, 1e-7); // cbrt(2^-23)
        QS_COMPARE_NEAR(qs::finiteDifferenceProbeScale(torch::full({10}, -2.0f)), 2.0, 1e-12);
        QS_COMPARE_NEAR(qs::finiteDifferenceProbeScale(torch::tensor({3.0f, 0.0f, -4.0f, 0.0f})), 2.5, 1e-7);
        QS_COMPARE_NEAR(qs::finiteDifferenceProbeScale(torch::zeros({10})), 1.0, 1e-12);
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
