// Parity with the official code of EWGS, DAQ, DSQ (MQBench) and APoT: every expected value here was computed
// by PyTorch running a restatement of that code (tests/data/official/make_fixtures.py says which file and
// function each restates), never by our own formulas. Inputs include exact rounding ties and the floats a few
// ulps either side of them, so the tie rule (torch.round: half to even) is checked, not only the bulk.
// Per-element values must agree to 1e-6; a gradient summed over the tensor (a clip, a range end) to 1e-6
// times the sum of its terms' magnitudes (PyTorch sums float32 in its own order, we sum in double).

#include "core/quant/levels.h"
#include "core/quant/quantizers.h"

#include <torch/torch.h>

#include <QtTest>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

const std::string kFixtures = QUANTSCOPE_OFFICIAL_FIXTURES;
constexpr double kTol = 1e-6;

// One `case` block of a fixture file: its scalars and its rows.
struct FixtureCase
{
    std::map<std::string, double> scalars;
    std::vector<std::vector<double>> rows;

    double at(const std::string &key) const
    {
        const auto it = scalars.find(key);
        if (it == scalars.end())
            throw std::runtime_error("fixture case without '" + key + "'");
        return it->second;
    }
    at::Tensor column(size_t c) const
    {
        std::vector<float> v;
        for (const auto &r : rows)
            v.push_back(float(r.at(c)));
        return torch::tensor(v, torch::kFloat);
    }
};

std::vector<FixtureCase> readFixture(const std::string &name)
{
    std::ifstream in(kFixtures + "/" + name);
    if (!in)
        throw std::runtime_error("cannot read " + kFixtures + "/" + name);
    std::vector<FixtureCase> cases;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#' || line.rfind("columns", 0) == 0)
            continue;
        std::istringstream words(line);
        if (line.rfind("case", 0) == 0) {
            cases.emplace_back();
            std::string word;
            words >> word; // "case"
            while (words >> word) {
                const auto eq = word.find('=');
                cases.back().scalars[word.substr(0, eq)] = std::stod(word.substr(eq + 1));
            }
            continue;
        }
        if (cases.empty())
            throw std::runtime_error(name + ": a row before the first case");
        std::vector<double> row;
        double v;
        while (words >> v)
            row.push_back(v);
        cases.back().rows.push_back(row);
    }
    return cases;
}

// The first row where |actual - expected| > tol, as a message; empty when every row agrees.
std::string firstMismatch(const char *what, const at::Tensor &actual, const FixtureCase &fc, size_t column,
                          double tol = kTol)
{
    const auto a = actual.to(torch::kDouble).contiguous();
    for (size_t i = 0; i < fc.rows.size(); ++i) {
        const double got = a[int64_t(i)].item<double>(), want = fc.rows[i][column];
        if (!(std::abs(got - want) <= tol)) {
            std::ostringstream s;
            s.precision(9);
            s << what << " at x = " << fc.rows[i][0] << " (row " << i << "): " << got << ", official "
              << want;
            return s.str();
        }
    }
    return {};
}

// A summed gradient: 1e-6 of the sum of its terms' magnitudes (about the float32 sum's own error).
bool sumAgrees(double got, double want, const at::Tensor &terms)
{
    return std::abs(got - want) <= kTol * (1.0 + terms.abs().sum().item<double>());
}

} // namespace

class TestOfficialParity : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { torch::set_num_threads(1); }
    void cleanup() { qs::detail::setForceTensorOpPath(false); }

    void fixturesAreThere()
    {
        // Every case is read; an empty or truncated file would make the tests below vacuous.
        QCOMPARE(readFixture("ewgs_activation.txt").size(), size_t(6));
        QCOMPARE(readFixture("daq.txt").size(), size_t(5));
        QCOMPARE(readFixture("dsq.txt").size(), size_t(6));
        QCOMPARE(readFixture("apot_levels.txt").size(), size_t(12));
        for (const auto &fc : readFixture("ewgs_activation.txt")) {
            QVERIFY(fc.rows.size() > 50);
            for (const auto &r : fc.rows)
                QCOMPARE(r.size(), size_t(4));
        }
    }

    // EWGS's activation path (QConv.act_quantization with lA = 0 and its EWGS_discretizer / STE_discretizer)
    // against QuantScope's activation quantizer on the uniform grid, the path `backward = ewgs` trains.
    void ewgsActivationPath_data()
    {
        QTest::addColumn<bool>("tensorOps");
        QTest::newRow("fused CPU kernel") << false;
        QTest::newRow("tensor ops") << true;
    }

    void ewgsActivationPath()
    {
        QFETCH(bool, tensorOps);
        qs::detail::setForceTensorOpPath(tensorOps);
        int ties = 0;
        for (const auto &fc : readFixture("ewgs_activation.txt")) {
            const int bits = int(fc.at("bits"));
            const qs::LevelTable levels(qs::levelSet({qs::Scheme::Uniform, bits, false}));
            QCOMPARE(levels.size(), size_t(1) << bits); // the official act_levels = 2^b
            const auto x = fc.column(0).requires_grad_(true);
            const auto g = fc.column(1);
            const auto alpha = torch::full({}, fc.at("uA"), torch::kFloat).requires_grad_(true);
            const double delta = fc.at("baseline") != 0 ? 0.0 : fc.at("delta");
            const auto y = qs::powerQuantizeActivation(x, alpha, levels, delta);
            y.backward(g);
            const std::string where = " (bits " + std::to_string(bits) + ", uA " +
                                      std::to_string(fc.at("uA")) + ", delta " + std::to_string(delta) + ")";
            auto bad = firstMismatch("forward", y.detach(), fc, 2);
            QVERIFY2(bad.empty(), (bad + where).c_str());
            bad = firstMismatch("d/dx", x.grad(), fc, 3);
            QVERIFY2(bad.empty(), (bad + where).c_str());
            QVERIFY2(sumAgrees(alpha.grad().item<double>(), fc.at("d_uA"), g * y.detach()),
                     ("d/d alpha " + std::to_string(alpha.grad().item<double>()) + ", official d/d uA " +
                      std::to_string(fc.at("d_uA")) + where)
                         .c_str());
            // Count the exact ties the fixture holds: x / uA * (L - 1) is k + 0.5 in float32.
            const auto t = (fc.column(0) / float(fc.at("uA"))) * float((1 << bits) - 1);
            ties += (t - t.floor() == 0.5).sum().item<int>();
        }
        QVERIFY2(ties >= 6, "the fixture should hold exact rounding ties");
    }

    // DAQ's soft quantizer (w_soft_quan / a_soft_quan) against qs::daqQuantize: value, input gradient and the
    // gradients of the range ends.
    void daqQuantizer()
    {
        for (const auto &fc : readFixture("daq.txt")) {
            const int bits = int(fc.at("bits"));
            const bool isSigned = fc.at("signed") != 0;
            const auto x = fc.column(0).requires_grad_(true);
            const auto g = fc.column(1);
            const auto lower = torch::full({}, fc.at("l"), torch::kFloat).requires_grad_(isSigned);
            const auto upper = torch::full({}, fc.at("u"), torch::kFloat).requires_grad_(true);
            const auto q = qs::daqQuantize(x, lower, upper, bits, isSigned, fc.at("gamma"), fc.at("sigma"));
            q.backward(g);
            const std::string where = std::string(isSigned ? " (weights" : " (activations") + ", bits " +
                                      std::to_string(bits) + ")";
            auto bad = firstMismatch("forward", q.detach(), fc, 2);
            QVERIFY2(bad.empty(), (bad + where).c_str());
            bad = firstMismatch("d/dx", x.grad(), fc, 3);
            QVERIFY2(bad.empty(), (bad + where).c_str());
            const auto terms = (g * x.grad()).abs() * (fc.at("u") - fc.at("l"));
            QVERIFY2(sumAgrees(upper.grad().item<double>(), fc.at("d_u"), terms),
                     ("d/du " + std::to_string(upper.grad().item<double>()) + ", official " +
                      std::to_string(fc.at("d_u")) + where)
                         .c_str());
            if (isSigned)
                QVERIFY2(sumAgrees(lower.grad().item<double>(), fc.at("d_l"), terms),
                         ("d/dl " + std::to_string(lower.grad().item<double>()) + ", official " +
                          std::to_string(fc.at("d_l")) + where)
                             .c_str());
        }
    }

    // MQBench's DSQFakeQuantize (dsq_function_per_tensor) against qs::dsqQuantize on the same range:
    // l = (quant_min - zero_point) * scale, u = (quant_max - zero_point) * scale, the same alpha.
    void dsqFakeQuantize()
    {
        int exactTies = 0, nearTies = 0, differing = 0;
        for (const auto &fc : readFixture("dsq.txt")) {
            const int bits = int(fc.at("bits"));
            const auto x = fc.column(0).requires_grad_(true);
            const auto g = fc.column(1);
            const auto lower = torch::full({}, fc.at("l"), torch::kFloat).requires_grad_(true);
            const auto upper = torch::full({}, fc.at("u"), torch::kFloat).requires_grad_(true);
            const auto alpha = torch::full({}, fc.at("alpha"), torch::kFloat).requires_grad_(true);
            const auto y = qs::dsqQuantize(x, lower, upper, alpha, bits);
            y.backward(g);
            const std::string where = " (bits " + std::to_string(bits) + ", scale " +
                                      std::to_string(fc.at("scale")) + ", alpha " +
                                      std::to_string(fc.at("alpha")) + ")";
            // The forward agrees everywhere except within a few float ulps of a rounding midpoint, where the
            // two compute the cell coordinate in different frames (MQBench x / scale + zero_point, we
            // (x - l) / Delta) and float rounding decides which side of the tie the value lands on; there
            // they may be one step apart. Exact midpoints (the fixture's scales are powers of two there)
            // must agree: both round half to even (quant_min is even in every case).
            const double l = fc.at("l"), step = (fc.at("u") - l) / double((1 << bits) - 1);
            const auto yd = y.detach().to(torch::kDouble);
            for (size_t i = 0; i < fc.rows.size(); ++i) {
                const double got = yd[int64_t(i)].item<double>(), want = fc.rows[i][2];
                const double t = (fc.rows[i][0] - l) / step;
                const double fromMidpoint = std::abs(t - std::floor(t) - 0.5);
                if (fromMidpoint != 0.0 && fromMidpoint < 1e-5) {
                    ++nearTies;
                    differing += std::abs(got - want) > kTol;
                    QVERIFY2(std::abs(got - want) <= kTol || std::abs(std::abs(got - want) - step) <= 1e-5,
                             qPrintable(QStringLiteral("x = %1: %2, official %3")
                                            .arg(fc.rows[i][0], 0, 'g', 9)
                                            .arg(got, 0, 'g', 9)
                                            .arg(want, 0, 'g', 9)));
                    continue;
                }
                exactTies += fromMidpoint == 0.0;
                QVERIFY2(std::abs(got - want) <= kTol,
                         qPrintable(QStringLiteral("forward at x = %1 (row %2): %3, official %4%5")
                                        .arg(fc.rows[i][0], 0, 'g', 9)
                                        .arg(i)
                                        .arg(got, 0, 'g', 9)
                                        .arg(want, 0, 'g', 9)
                                        .arg(QString::fromStdString(where))));
            }
            // The gradient is the surrogate's slope at t. With a power-of-two scale both frames compute t
            // exactly and it must agree to 1e-6; otherwise t carries float32 rounding (a few ulps, made in
            // different frames), so the tolerance adds the slope's change over 4 ulps of t: |d slope / dt| <=
            // 0.39 s k^2.
            const double a = fc.at("alpha"), s = 1.0 / (1.0 - a), k = std::log(2.0 / a - 1.0);
            const double scale = fc.at("scale");
            const bool exactFrame = std::exp2(std::round(std::log2(scale))) == scale;
            const auto gd = x.grad().to(torch::kDouble);
            for (size_t i = 0; i < fc.rows.size(); ++i) {
                const double t = std::abs(fc.rows[i][0] - l) / step;
                const double tol =
                    kTol + (exactFrame ? 0.0 : 4 * 0x1p-23 * std::max(1.0, t) * 0.39 * s * k * k);
                const double got = gd[int64_t(i)].item<double>(), want = fc.rows[i][3];
                QVERIFY2(std::abs(got - want) <= tol,
                         qPrintable(QStringLiteral("d/dx at x = %1: %2, official %3 (tolerance %4)%5")
                                        .arg(fc.rows[i][0], 0, 'g', 9)
                                        .arg(got, 0, 'g', 9)
                                        .arg(want, 0, 'g', 9)
                                        .arg(tol)
                                        .arg(QString::fromStdString(where))));
            }
        }
        QVERIFY2(exactTies >= 20, "the fixture should hold exact rounding ties");
        qInfo("DSQ: %d exact midpoints agree; %d of %d inputs a few ulps off a midpoint land one step apart",
              exactTies, differing, nearTies);
    }

    // APoT's build_power_value, as the official code builds it (a float32 tensor of a Python set, divided by
    // its max), against ours.
    void apotLevels()
    {
        for (const auto &fc : readFixture("apot_levels.txt")) {
            const int B = int(fc.at("B"));
            const bool additive = fc.at("additive") != 0;
            const auto ours = qs::buildPowerValue(B, additive);
            QCOMPARE(ours.size(), fc.rows.size());
            for (size_t i = 0; i < ours.size(); ++i)
                QVERIFY2(std::abs(ours[i] - fc.rows[i][0]) <= kTol,
                         ("B " + std::to_string(B) + " level " + std::to_string(i)).c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestOfficialParity)
#include "tst_official_parity.moc"
