// Quantizer forward/backward against methods.md: reference formulations written with plain tensor ops (as the
// official Python does it), finite differences, hand-computed EWGS values, and the fused CPU kernels against
// the tensor-op path used on other devices.

#include "core/quant/levels.h"
#include "core/quant/quantizers.h"
#include "testsupport.h"

#include <torch/torch.h>

#include <QtTest>

using qs::LevelTable;
using qs::Scheme;

namespace {
const auto kDouble = torch::TensorOptions().dtype(torch::kDouble);

at::Tensor scalarParam(double v)
{
    return torch::full({}, v, kDouble).requires_grad_(true);
}

double maxAbsDiff(const at::Tensor &a, const at::Tensor &b)
{
    return (a - b).abs().max().item<double>();
}

// The reference's nearest-level projection: argmin over the N x L broadcast (methods.md 1.3).
at::Tensor referenceNearest(const at::Tensor &x, const std::vector<double> &levels)
{
    const auto v = torch::tensor(levels, kDouble).to(x.dtype());
    const auto idx = (x.unsqueeze(-1) - v).abs().argmin(-1);
    return v.index_select(0, idx.flatten()).view_as(x);
}

// APoT `_pq` as the reference computes it, with its hand-written backward expressed through autograd.
std::pair<at::Tensor, at::Tensor> referenceWeightGrads(const at::Tensor &wn, double alpha,
                                                       const at::Tensor &g, const std::vector<double> &mags)
{
    const auto x = wn / alpha;
    const auto xc = x.clamp(-1, 1);
    const auto q = xc.sign() * referenceNearest(xc.abs(), mags);
    const auto i = (x.abs() > 1).to(x.dtype());
    const auto galpha = (g * (x.sign() * i + (q - x) * (1 - i))).sum();
    return {q * alpha, galpha};
}
} // namespace

class TestQuantizers : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { torch::manual_seed(20261124); }
    void cleanup() { qs::detail::setForceTensorOpPath(false); }

    void powerWeightMatchesReference_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("scheme");
        QTest::addColumn<bool>("tensorOps");
        for (bool ops : {false, true})
            for (int b = 2; b <= 7; ++b) {
                QTest::newRow(qPrintable(QStringLiteral("apot w%1 %2")
                                             .arg(b)
                                             .arg(ops ? QStringLiteral("ops") : QStringLiteral("fused"))))
                    << b << int(Scheme::APoT) << ops;
                QTest::newRow(qPrintable(QStringLiteral("pot w%1 %2")
                                             .arg(b)
                                             .arg(ops ? QStringLiteral("ops") : QStringLiteral("fused"))))
                    << b << int(Scheme::PoT) << ops;
            }
    }
    void powerWeightMatchesReference()
    {
        QFETCH(int, bits);
        QFETCH(int, scheme);
        QFETCH(bool, tensorOps);
        qs::detail::setForceTensorOpPath(tensorOps);
        const auto mags = qs::magnitudeLevels({Scheme(scheme), bits, true});
        const LevelTable table(mags);
        const auto wn = (torch::randn({4097}, kDouble) * 2).requires_grad_(true);
        const auto alpha = scalarParam(1.7);
        const auto out = qs::powerQuantizeWeight(wn, alpha, table);
        const auto g = torch::randn_like(out);
        out.backward(g);
        const auto [refOut, refGalpha] = referenceWeightGrads(wn.detach(), 1.7, g, mags);
        QVERIFY(maxAbsDiff(out, refOut) < 1e-12);
        QVERIFY(maxAbsDiff(wn.grad(), g) == 0.0); // unclipped STE: the gradient passes unchanged
        QS_COMPARE_NEAR(alpha.grad().item<double>(), refGalpha.item<double>(), 1e-9);
    }

    void powerWeightFloatMatchesReference()
    {
        const auto mags = qs::magnitudeLevels({Scheme::APoT, 4, true});
        const auto wn = torch::randn({100000});
        const auto alpha = torch::full({}, 2.5f);
        const auto out = qs::powerQuantizeWeight(wn, alpha, LevelTable(mags));
        const auto x = (wn / alpha).clamp(-1, 1);
        const auto ref = x.sign() * referenceNearest(x.abs(), mags) * alpha;
        // Midpoint ties are measure-zero; float rounding may flip at most a handful of them.
        QVERIFY((out - ref).abs().gt(1e-6).sum().item<int64_t>() <= 2);
    }

    void powerActivationMatchesReference_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("tensorOps");
        for (bool ops : {false, true})
            for (int b = 2; b <= 6; ++b)
                QTest::newRow(qPrintable(QStringLiteral("a%1 %2").arg(b).arg(ops ? QStringLiteral("ops")
                                                                                 : QStringLiteral("fused"))))
                    << b << ops;
    }
    void powerActivationMatchesReference()
    {
        QFETCH(int, bits);
        QFETCH(bool, tensorOps);
        qs::detail::setForceTensorOpPath(tensorOps);
        const auto levels = qs::levelSet({Scheme::APoT, bits, false});
        const auto x = torch::relu(torch::randn({3001}, kDouble) * 6).requires_grad_(true);
        const auto alpha = scalarParam(8.0);
        const auto out = qs::powerQuantizeActivation(x, alpha, LevelTable(levels));
        const auto g = torch::randn_like(out);
        out.backward(g);
        // `_uq`: y = x / alpha, clamp(max=1), gx = g (1 - i), galpha = sum(g (i + (q - y)(1 - i)))
        const auto y = x.detach() / 8.0;
        const auto q = referenceNearest(y.clamp_max(1), levels);
        const auto i = (y > 1).to(y.dtype());
        QVERIFY(maxAbsDiff(out, q * 8.0) < 1e-12);
        QVERIFY(maxAbsDiff(x.grad(), g * (1 - i)) == 0.0);
        QS_COMPARE_NEAR(alpha.grad().item<double>(), (g * (i + (q - y) * (1 - i))).sum().item<double>(),
                        1e-9);
        QVERIFY(i.sum().item<double>() > 0); // the test data does reach the clip
    }

    void rcfGradientMatchesFiniteDifferenceOfSurrogate()
    {
        // With the quantized value q frozen, the RCF gradient is the derivative of alpha * (q - c0 +
        // clamp(x/alpha)).
        const auto mags = qs::magnitudeLevels({Scheme::APoT, 5, true});
        const auto wn = torch::tensor({-3.1, -0.7, -0.05, 0.33, 1.2, 2.9}, kDouble);
        const double a = 1.3, h = 1e-6;
        const auto alpha = scalarParam(a);
        qs::powerQuantizeWeight(wn, alpha, LevelTable(mags)).sum().backward();
        const auto q = qs::powerQuantizeWeight(wn, torch::full({}, a, kDouble), LevelTable(mags)) / a;
        const auto c0 = (wn / a).clamp(-1, 1);
        auto surrogate = [&](double al) {
            return (al * (q - c0 + (wn / al).clamp(-1, 1))).sum().item<double>();
        };
        QS_COMPARE_NEAR(alpha.grad().item<double>(), (surrogate(a + h) - surrogate(a - h)) / (2 * h), 1e-6);
    }

    void uniformMatchesAutogradReference()
    {
        for (bool isSigned : {true, false})
            for (int bits : {2, 3, 4, 8})
                for (bool ops : {false, true}) {
                    qs::detail::setForceTensorOpPath(ops);
                    const auto x = (torch::randn({2049}, kDouble) * 2).requires_grad_(true);
                    const auto alpha = scalarParam(1.5);
                    const auto out = qs::uniformQuantize(x, alpha, bits, isSigned);
                    const auto g = torch::randn_like(out);
                    out.backward(g);
                    // APoT ImageNet `uniform_quantization`: clamp, round STE, autograd does the rest.
                    const double n = isSigned ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
                    const auto xr = x.detach().clone().requires_grad_(true);
                    const auto ar = scalarParam(1.5);
                    const auto c = (xr / ar).clamp(isSigned ? -1.0 : 0.0, 1.0) * n;
                    const auto ref = ((c.round() - c).detach() + c) / n * ar;
                    ref.backward(g);
                    QVERIFY(maxAbsDiff(out, ref) < 1e-12);
                    QVERIFY(maxAbsDiff(x.grad(), xr.grad()) < 1e-12);
                    QS_COMPARE_NEAR(alpha.grad().item<double>(), ar.grad().item<double>(), 1e-9);
                }
    }

    void lsqMatchesAutogradReference()
    {
        for (bool isSigned : {true, false})
            for (int bits : {2, 4})
                for (bool ops : {false, true}) {
                    qs::detail::setForceTensorOpPath(ops);
                    const auto x = (torch::randn({1001}, kDouble) * (isSigned ? 1.0 : 0.0) +
                                    (isSigned ? 0.0 : 1.0) * torch::rand({1001}, kDouble) * 3)
                                       .requires_grad_(true);
                    const double s0 = qs::lsqInitialStep(x, bits, isSigned).item<double>();
                    const double gscale = qs::lsqGradScale(x.numel(), bits, isSigned);
                    const auto step = scalarParam(s0);
                    const auto out = qs::lsqQuantize(x, step, bits, isSigned, gscale);
                    const auto g = torch::randn_like(out);
                    out.backward(g);
                    // zhutmost/lsq-net: s = grad_scale(s, g); x = round_pass(clamp(x / s, -Qn, Qp)) * s
                    const auto r = qs::lsqRange(bits, isSigned);
                    const auto xr = x.detach().clone().requires_grad_(true);
                    const auto sr = scalarParam(s0);
                    const auto sEff = (sr - sr * gscale).detach() + sr * gscale;
                    const auto c = (xr / sEff).clamp(-double(r.qn), double(r.qp));
                    const auto ref = ((c.round() - c).detach() + c) * sEff;
                    ref.backward(g);
                    QVERIFY(maxAbsDiff(out, ref) < 1e-12);
                    QVERIFY(maxAbsDiff(x.grad(), xr.grad()) < 1e-12);
                    QS_COMPARE_NEAR(step.grad().item<double>(), sr.grad().item<double>(), 1e-9);
                }
    }

    void fusedKernelsMatchTensorOpChains_data()
    {
        QTest::addColumn<QString>("quantizer");
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("isDouble");
        for (const char *name :
             {"uniform-signed", "uniform-unsigned", "lsq-signed", "lsq-unsigned", "lsqplus", "lsqplus-ewgs",
              "uniform-ewgs", "dsq", "daq-signed", "daq-unsigned", "ewgs", "ewgs-ste"})
            for (int bits : {1, 2, 4, 8})
                for (bool isDouble : {false, true}) {
                    const QString q = QString::fromLatin1(name);
                    if (bits == 1 &&
                        (q.contains(QLatin1String("signed")) && !q.contains(QLatin1String("unsigned")) &&
                         !q.startsWith(QLatin1String("daq"))))
                        continue; // signed uniform/LSQ grids need 2 bits
                    QTest::addRow("%s-%db-%s", name, bits, isDouble ? "f64" : "f32") << q << bits << isDouble;
                }
    }

    void fusedKernelsMatchTensorOpChains()
    {
        // The single-pass CPU kernels (uniform, LSQ, LSQ+, DSQ, DAQ, EWGS's range) against the chains of tensor ops they
        // replaced (still the path on other devices and under create_graph): forward, input gradient and
        // every parameter gradient on random inputs, with the edge cases placed exactly: clamp bounds, just
        // outside them, rounding midpoints (ties), zeros. Tolerance 1e-6 relative (float32's own rounding is
        // 6e-8 per operation; DSQ and DAQ evaluate tanh and exp by polynomials good to a few float ulps).
        QFETCH(QString, quantizer);
        QFETCH(int, bits);
        QFETCH(bool, isDouble);
        const auto dtype = isDouble ? torch::kDouble : torch::kFloat;
        torch::manual_seed(1000 + bits);
        // A grid of n = 2^bits - 1 steps of 1/8 over [lo, hi]: levels and midpoints are exact in float, so
        // ties are ties on both paths.
        const double n = double((1 << bits) - 1);
        const bool unsignedRange = quantizer.contains(QLatin1String("unsigned")) ||
                                   quantizer == QLatin1String("dsq") ||
                                   quantizer.startsWith(QLatin1String("lsqplus"));
        const double lo = unsignedRange ? 0.0 : -n / 16, hi = lo + n / 8;
        // Random inputs over the range and beyond, plus exact edge values.
        std::vector<double> edges = {lo, hi, lo - 1e-3, hi + 1e-3, 0.0, -0.0, 2 * hi + 1, 2 * lo - 1};
        for (int i = 0; i < std::min(int(n), 40); ++i) {
            edges.push_back(lo + (i + 0.5) / 8); // midpoints between levels
            edges.push_back(lo + i / 8.0);       // the levels
        }
        const auto input = torch::cat({torch::randn({50000}, kDouble) * (hi - lo) * 0.6 + (hi + lo) / 2,
                                       torch::tensor(edges, kDouble)})
                               .to(dtype);
        const auto g = torch::randn(input.sizes(), kDouble).to(dtype);
        struct Result
        {
            at::Tensor out, gx;
            std::vector<double> gparams;
        };
        const auto run = [&](bool tensorOps, torch::ScalarType type) {
            qs::detail::setForceTensorOpPath(tensorOps);
            const auto x = input.to(type).clone().requires_grad_(true);
            const auto param = [&](double v) { return torch::full({}, v, x.options()).requires_grad_(true); };
            std::vector<at::Tensor> params;
            at::Tensor out;
            const bool isSigned = !quantizer.contains(QLatin1String("unsigned"));
            if (quantizer.startsWith(QLatin1String("uniform"))) {
                params = {param(hi)};
                out = qs::uniformQuantize(x, params[0], std::max(bits, isSigned ? 2 : 1), isSigned,
                                          quantizer.endsWith(QLatin1String("ewgs")) ? 0.2 : 0.0);
            } else if (quantizer.startsWith(QLatin1String("lsqplus"))) {
                params = {param((hi - lo) / n), param(-0.25)};
                out = qs::lsqPlusActivationQuantize(x, params[0], params[1], n, 0.01,
                                                    quantizer.endsWith(QLatin1String("ewgs")) ? 0.2 : 0.0);
            } else if (quantizer.startsWith(QLatin1String("lsq"))) {
                const int b = std::max(bits, isSigned ? 2 : 1);
                params = {param(hi / double(qs::lsqRange(b, isSigned).qp))};
                out = qs::lsqQuantize(x, params[0], b, isSigned, 0.01);
            } else if (quantizer.startsWith(QLatin1String("ewgs"))) {
                // 2^bits levels over [lo, hi]: n steps of 1/8, as the grid above.
                params = {param(lo), param(hi)};
                out = qs::ewgsRangeQuantize(x, params[0], params[1], int64_t(1) << bits,
                                            quantizer == QLatin1String("ewgs") ? 0.2 : 0.0);
            } else if (quantizer == QLatin1String("dsq")) {
                params = {param(lo), param(hi), param(0.2)};
                out = qs::dsqQuantize(x, params[0], params[1], params[2], bits);
            } else {
                params = {param(lo), param(hi)};
                out = qs::daqQuantize(x, params[0], params[1], bits, isSigned, 2.0, isSigned ? 1.0 : 2.0);
            }
            out.backward(g.to(type));
            Result r{out.detach(), x.grad(), {}};
            for (const auto &p : params)
                r.gparams.push_back(p.grad().item<double>());
            return r;
        };
        const Result fused = run(false, dtype), ops = run(true, dtype), ops64 = run(true, torch::kDouble);
        qs::detail::setForceTensorOpPath(false);
        // |fused - chain| <= 1e-6 max(1, |chain|) plus, in float32, the chain's own rounding error (its
        // distance to the same chain in float64): the chain of ~20 float32 operations is itself off by up to
        // ~1e-6.
        const auto close = [&](const at::Tensor &a, const at::Tensor &b, const at::Tensor &b64) {
            const auto ad = a.to(torch::kDouble), bd = b.to(torch::kDouble);
            const auto own = isDouble ? torch::zeros_like(bd) : (bd - b64).abs();
            return ((ad - bd).abs() - 1e-6 * bd.abs().clamp_min(1) - own).max().item<double>() <= 0;
        };
        QVERIFY2(close(fused.out, ops.out, ops64.out), "forward");
        QVERIFY2(close(fused.gx, ops.gx, ops64.gx), "input gradient");
        QVERIFY(fused.gx.abs().sum().item<double>() > 0); // not vacuous
        for (size_t i = 0; i < fused.gparams.size(); ++i) {
            // Sums of 50000 signed terms: the same rule in float64; in float32 2e-5 relative plus the chain's
            // own error. Measured: the kernels' float32 sums (DSQ's alpha, DAQ's range at 1 bit) sit up
            // to 1.1e-5 from the float64 chain, the float32 chain up to 1e-5: cancellation among the terms,
            // not the kernels.
            const double a = fused.gparams[i], b = ops.gparams[i];
            const double own = isDouble ? 0.0 : std::abs(b - ops64.gparams[i]);
            QVERIFY2(std::abs(a - b) <= (isDouble ? 1e-6 : 2e-5) * std::max(1.0, std::abs(b)) + own,
                     qPrintable(QStringLiteral("parameter %1: fused %2, tensor ops %3 (float64: %4)")
                                    .arg(int(i))
                                    .arg(a, 0, 'g', 12)
                                    .arg(b, 0, 'g', 12)
                                    .arg(ops64.gparams[i], 0, 'g', 12)));
        }
    }

    void maxScaled8BitIsStraightThrough()
    {
        const auto w = torch::tensor({-0.9, -0.1, 0.0, 0.25, 0.5}, kDouble).requires_grad_(true);
        const auto out = qs::maxScaled8BitQuantize(w);
        QS_COMPARE_NEAR(out[1].item<double>(), std::round(-0.1 / 0.5 * 127) / 127 * 0.5, 1e-15);
        QCOMPARE(out[0].item<double>(),
                 std::round(-0.9 / 0.5 * 127) / 127 * 0.5); // not clamped: max, not abs-max
        out.sum().backward();
        QVERIFY(maxAbsDiff(w.grad(), torch::ones_like(w)) == 0.0);
        QVERIFY_THROWS_EXCEPTION(c10::Error, qs::maxScaled8BitQuantize(-torch::ones({3})));
    }

    void ewgsBackwardOnKnownInputs()
    {
        // Unsigned 2-bit uniform, alpha 1: levels 0, 1/3, 2/3, 1. x = 0.2 -> q = 1/3; x = 0.6 -> q = 2/3.
        const auto x = torch::tensor({0.2, 0.6, 0.2, 0.6}, kDouble).requires_grad_(true);
        const auto g = torch::tensor({1.0, 1.0, -2.0, -2.0}, kDouble);
        const double delta = 0.3;
        for (bool ops : {false, true}) {
            qs::detail::setForceTensorOpPath(ops);
            x.mutable_grad() = at::Tensor();
            qs::uniformQuantize(x, torch::full({}, 1.0, kDouble), 2, false, delta).backward(g);
            const auto gx = x.grad();
            QS_COMPARE_NEAR(gx[0].item<double>(), 1.0 * (1 + delta * (0.2 - 1.0 / 3)), 1e-12);
            QS_COMPARE_NEAR(gx[1].item<double>(), 1.0 * (1 + delta * (0.6 - 2.0 / 3)), 1e-12);
            QS_COMPARE_NEAR(gx[2].item<double>(), -2.0 * (1 - delta * (0.2 - 1.0 / 3)), 1e-12);
            QS_COMPARE_NEAR(gx[3].item<double>(), -2.0 * (1 - delta * (0.6 - 2.0 / 3)), 1e-12);
        }
        // On APoT weights (the seed paper's APoT+EWGS), in the normalized domain x / alpha.
        const auto wn = torch::tensor({0.37, -0.37, 1.8}, kDouble).requires_grad_(true);
        const auto gw = torch::tensor({1.0, 1.0, 1.0}, kDouble);
        const LevelTable mags(qs::magnitudeLevels({Scheme::APoT, 4, true})); // 0 .1 .2 .3 .4 .6 .8 1
        qs::powerQuantizeWeight(wn, torch::full({}, 1.0, kDouble), mags, 2.0).backward(gw);
        QS_COMPARE_NEAR(wn.grad()[0].item<double>(), 1 + 2.0 * (0.37 - 0.4), 1e-12);
        QS_COMPARE_NEAR(wn.grad()[1].item<double>(), 1 + 2.0 * (-0.37 + 0.4), 1e-12);
        QS_COMPARE_NEAR(wn.grad()[2].item<double>(), 1.0,
                        1e-12); // beyond the clip: x_n - x_q = 0, unclipped STE
    }

    void dsqMatchesSoftFunctionAutograd()
    {
        // Hard forward; backward = autograd of the soft curve l + Delta (cell + 0.5 s tanh(k (f - 0.5)) +
        // 0.5).
        const int bits = 3;
        const double n = 7;
        const auto x = (torch::randn({513}, kDouble) * 1.5).requires_grad_(true);
        const auto lower = scalarParam(-1.2), upper = scalarParam(1.1), a = scalarParam(0.3);
        const auto out = qs::dsqQuantize(x, lower, upper, a, bits);
        const auto g = torch::randn_like(out);
        out.backward(g);

        const auto xr = x.detach().clone().requires_grad_(true);
        const auto lr = scalarParam(-1.2), ur = scalarParam(1.1), ar = scalarParam(0.3);
        const auto step = (ur - lr) / n;
        const auto tc = ((xr - lr) / step).clamp(0, n);
        const auto cell = torch::floor(tc).clamp_max(n - 1).detach();
        const auto s = 1 / (1 - ar);
        const auto k = torch::log(2 / ar - 1);
        const auto soft = lr + step * (cell + 0.5 * s * torch::tanh(k * (tc - cell - 0.5)) + 0.5);
        soft.backward(g);
        const auto hard = lr.detach() + step.detach() * torch::round(tc.detach());
        QVERIFY(maxAbsDiff(out, hard) < 1e-12);
        QVERIFY(maxAbsDiff(x.grad(), xr.grad()) < 1e-10);
        QS_COMPARE_NEAR(lower.grad().item<double>(), lr.grad().item<double>(), 1e-9);
        QS_COMPARE_NEAR(upper.grad().item<double>(), ur.grad().item<double>(), 1e-9);
        QS_COMPARE_NEAR(a.grad().item<double>(), ar.grad().item<double>(), 1e-9);
    }

    void dsqGradientsMatchFiniteDifferences()
    {
        const auto x = torch::tensor({-0.8, -0.31, 0.02, 0.4, 0.77}, kDouble);
        const double l = -1, u = 1, al = 0.25, h = 1e-6, n = 3;
        auto soft = [&](const at::Tensor &xv, double lv, double uv, double av) {
            const double step = (uv - lv) / n, s = 1 / (1 - av), k = std::log(2 / av - 1);
            const auto tc = ((xv - lv) / step).clamp(0, n);
            const auto cell = torch::floor(tc).clamp_max(n - 1);
            return (lv + step * (cell + 0.5 * s * torch::tanh(k * (tc - cell - 0.5)) + 0.5))
                .sum()
                .item<double>();
        };
        const auto lo = scalarParam(l), up = scalarParam(u), a = scalarParam(al);
        qs::dsqQuantize(x, lo, up, a, 2).sum().backward();
        QS_COMPARE_NEAR(lo.grad().item<double>(), (soft(x, l + h, u, al) - soft(x, l - h, u, al)) / (2 * h),
                        1e-5);
        QS_COMPARE_NEAR(up.grad().item<double>(), (soft(x, l, u + h, al) - soft(x, l, u - h, al)) / (2 * h),
                        1e-5);
        QS_COMPARE_NEAR(a.grad().item<double>(), (soft(x, l, u, al + h) - soft(x, l, u, al - h)) / (2 * h),
                        1e-5);
    }

    void daqForwardEqualsHardRounding()
    {
        for (bool isSigned : {true, false})
            for (int bits : {1, 2, 4})
                for (double sigma : {1.0, 2.0}) {
                    const auto x = torch::randn({4096}, kDouble) * 2;
                    const double l = isSigned ? -1.5 : 0.0, u = 1.5, br = (1 << bits) - 1;
                    const auto q = qs::daqQuantize(x, torch::full({}, l, kDouble),
                                                   torch::full({}, u, kDouble), bits, isSigned, 2.0, sigma);
                    const auto t = ((x - l) / ((u - l) / br)).clamp(0, br).round();
                    const auto hard = isSigned ? (2 * t - br) / br : t / br;
                    QVERIFY(maxAbsDiff(q, hard) < 1e-9);
                }
    }

    void daqBackwardMatchesReferenceExpression()
    {
        // The reference's y with the temperature detached, differentiated by autograd (custom |.| has sign(0)
        // = 1, which no sample here hits).
        const int bits = 2;
        const double br = 3, gamma = 2, sigma = 2;
        const auto x = (torch::randn({777}, kDouble) * 1.2).requires_grad_(true);
        const auto lower = scalarParam(-1.0), upper = scalarParam(1.3);
        const auto out = qs::daqQuantize(x, lower, upper, bits, true, gamma, sigma);
        const auto g = torch::randn_like(out);
        out.backward(g);

        const auto xr = x.detach().clone().requires_grad_(true);
        const auto lr = scalarParam(-1.0), ur = scalarParam(1.3);
        const auto t = ((xr - lr) / ((ur - lr) / br)).clamp(0, br);
        const auto f0 = torch::floor(t).detach();
        const auto f = t - f0;
        const auto m0 = torch::exp(-f.abs()), m1 = torch::exp(-(f - 1).abs());
        const auto j = (m1 > m0).to(torch::kDouble).detach();
        const auto s0 = m0 * torch::exp(-j * j / (sigma * sigma));
        const auto s1 = m1 * torch::exp(-(1 - j) * (1 - j) / (sigma * sigma));
        const auto T = (gamma / (s0 - s1).abs()).detach();
        const auto p = torch::softmax(torch::stack({T * s0, T * s1}, -1), -1);
        const double c = 1 / std::expm1(gamma);
        const auto y = p.select(-1, 0) * (0 - c) + p.select(-1, 1) * (1 + c) + f0;
        const auto ref = (2 * y - br) / br;
        ref.backward(g);
        QVERIFY(maxAbsDiff(out, ref) < 1e-9);
        QVERIFY(maxAbsDiff(x.grad(), xr.grad()) < 1e-9);
        QS_COMPARE_NEAR(lower.grad().item<double>(), lr.grad().item<double>(), 1e-8);
        QS_COMPARE_NEAR(upper.grad().item<double>(), ur.grad().item<double>(), 1e-8);
    }

    void backwardIsDifferentiableUnderCreateGraph()
    {
        // EWGS's Hessian step differentiates through every quantizer's backward (methods.md 4.2).
        const auto w = torch::randn({64}, kDouble).requires_grad_(true);
        const auto a = torch::randn({64}, kDouble).requires_grad_(true);
        const LevelTable mags(qs::magnitudeLevels({Scheme::APoT, 3, true}));
        const auto qw = qs::powerQuantizeWeight(w, torch::full({}, 2.0, kDouble), mags, 0.1);
        const auto loss = (qw * a).pow(2).sum();
        const auto gq = torch::autograd::grad({loss}, {a}, {}, true, true)[0];
        QVERIFY(gq.requires_grad());
        const auto hv = torch::autograd::grad({gq}, {a}, {torch::ones_like(a)}, true)[0];
        // d2/da2 of sum (qw a)^2 = 2 qw^2
        QVERIFY(maxAbsDiff(hv, 2 * qw.detach().pow(2)) < 1e-12);
    }

    void cudaTensorOpPathMatchesCpu()
    {
        if (!torch::cuda::is_available())
            QSKIP("no CUDA device: the tensor-op path is checked on CPU tensors above");
        const LevelTable mags(qs::magnitudeLevels({Scheme::APoT, 4, true}));
        const auto wn = torch::randn({65536}, kDouble);
        const auto cpu = qs::powerQuantizeWeight(wn, torch::full({}, 2.0, kDouble), mags);
        const auto gpu = qs::powerQuantizeWeight(wn.cuda(), torch::full({}, 2.0, kDouble).cuda(), mags);
        QVERIFY(maxAbsDiff(cpu, gpu.cpu()) < 1e-12);
    }

    void invalidInputsThrow()
    {
        const LevelTable mags(qs::magnitudeLevels({Scheme::APoT, 3, true}));
        QVERIFY_THROWS_EXCEPTION(c10::Error,
                                 qs::powerQuantizeWeight(torch::randn({4}), torch::full({}, 0.0), mags));
        QVERIFY_THROWS_EXCEPTION(c10::Error,
                                 qs::uniformQuantize(torch::randn({4}), torch::full({}, 1.0), 1, true));
        QVERIFY_THROWS_EXCEPTION(c10::Error, qs::dsqQuantize(torch::randn({4}), torch::full({}, 1.0),
                                                             torch::full({}, -1.0), torch::full({}, 0.2), 2));
    }

    // Weights on a grid without its zero level (zero_level = false): every output is a nonzero level, +0
    // goes to the smallest positive level and -0 to its negative, the fused kernel and the tensor ops agree,
    // and the EWGS factor uses the distance to the shifted level.
    void weightsWithoutZeroLevel()
    {
        const qs::LevelSpec spec{Scheme::APoT, 3, true, false}; // {0, 1/4, 1/2, 1} -> {1/9, 1/3, 5/9, 1}
        const LevelTable mags(qs::magnitudeLevels(spec));
        QVERIFY(mags.levels().front() > 0);
        const auto wn =
            torch::cat({torch::tensor({0.0, -0.0, 1e-9, -1e-9}, kDouble), torch::randn({500}, kDouble) * 2});
        const auto g = torch::randn({504}, kDouble);
        std::vector<at::Tensor> outs, grads;
        for (bool tensorOps : {false, true}) {
            qs::detail::setForceTensorOpPath(tensorOps);
            const auto x = wn.clone().requires_grad_(true);
            const auto alpha = scalarParam(1.5);
            const auto q = qs::powerQuantizeWeight(x, alpha, mags, 0.25);
            q.backward(g);
            outs.push_back(q.detach());
            grads.push_back(x.grad());
        }
        qs::detail::setForceTensorOpPath(false);
        QCOMPARE(maxAbsDiff(outs[0], outs[1]), 0.0);
        QVERIFY(maxAbsDiff(grads[0], grads[1]) < 1e-12);
        const double smallest = 1.5 * mags.levels().front();
        QCOMPARE(outs[0][0].item<double>(), smallest);
        QCOMPARE(outs[0][1].item<double>(), -smallest);
        QVERIFY((outs[0].abs() >= smallest - 1e-12).all().item<bool>());
        // Every output is alpha times a level of the signed zero-free set.
        const auto levels = qs::levelSet(spec);
        for (int64_t i = 0; i < outs[0].numel(); ++i) {
            const double v = outs[0][i].item<double>() / 1.5;
            QVERIFY(
                std::any_of(levels.begin(), levels.end(), [&](double l) { return std::abs(l - v) < 1e-12; }));
        }
        // EWGS at +0: g (1 + delta sign(g) (0 - smallest level)).
        const double g0 = g[0].item<double>();
        const double expected = g0 * (1 + 0.25 * (g0 > 0 ? 1 : -1) * (0 - mags.levels().front()));
        QVERIFY(std::abs(grads[0][0].item<double>() - expected) < 1e-12);
    }

    // The uniform grid rounds as torch.round: half to even. Floats x whose product x * 3 is exactly 1.5 (a
    // tie the old midpoint projection sent down to 1/3) go to 2/3, on both paths.
    void uniformGridRoundsHalfToEven()
    {
        const LevelTable levels(qs::levelSet({Scheme::Uniform, 2, false})); // {0, 1/3, 2/3, 1}
        std::vector<float> ties;
        float v = 0.5f;
        for (int i = 0; i < 8; ++i, v = std::nextafter(v, 0.0f))
            if (v * 3.0f == 1.5f)
                ties.push_back(v);
        v = 0.5f;
        for (int i = 0; i < 8; ++i, v = std::nextafter(v, 1.0f))
            if (v * 3.0f == 1.5f)
                ties.push_back(v);
        QVERIFY(!ties.empty());
        const auto x = torch::tensor(ties, torch::kFloat);
        for (bool tensorOps : {false, true}) {
            qs::detail::setForceTensorOpPath(tensorOps);
            const auto q = qs::powerQuantizeActivation(x, torch::full({}, 1.0f), levels);
            QCOMPARE(maxAbsDiff(q, torch::full_like(q, 2.0f / 3.0f)), 0.0);
        }
        qs::detail::setForceTensorOpPath(false);
    }
};

QTEST_APPLESS_MAIN(TestQuantizers)
#include "tst_quantizers.moc"
