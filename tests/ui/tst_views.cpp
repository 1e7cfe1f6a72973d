// The two views open offscreen and react: levels follow qs::levelSet, sliders move the curves, settings
// persist.

#include "core/quant/curves.h"
#include "core/quant/levels.h"
#include "ui/figures/levelsfigure.h"
#include "ui/figures/softroundfigure.h"
#include "ui/mainwindow.h"
#include "ui/plotting/figurewidget.h"
#include "ui/views/levelsview.h"
#include "ui/views/softroundview.h"

#include "uitestsupport.h"

#include <QAction>
#include <QChart>
#include <QCheckBox>
#include <QComboBox>
#include <QGroupBox>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QXYSeries>

#include <algorithm>

using namespace qs;
using namespace qs::ui;

namespace {

using qs::test::findSeries;

double maxY(const QXYSeries *series)
{
    double best = -1e300;
    for (const QPointF &p : series->points())
        best = std::max(best, p.y());
    return best;
}

} // namespace

class TestViews final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_settingsDir.isValid());
        // Never touch the user's real QuantScope settings.
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
        QCoreApplication::setOrganizationName(QStringLiteral("QuantScope"));
        QCoreApplication::setApplicationName(QStringLiteral("QuantScope"));
    }

    void levelsFollowTheBits_data()
    {
        QTest::addColumn<int>("scheme");
        QTest::addColumn<bool>("isSigned");
        for (Scheme scheme : {Scheme::Uniform, Scheme::PoT, Scheme::APoT})
            for (bool isSigned : {false, true})
                QTest::addRow("%s-%s", schemeName(scheme).c_str(), isSigned ? "signed" : "unsigned")
                    << int(scheme) << isSigned;
    }

    void levelsFollowTheBits()
    {
        QFETCH(int, scheme);
        QFETCH(bool, isSigned);
        LevelsView view;
        view.show();
        auto *schemeCombo = view.findChild<QComboBox *>(QStringLiteral("schemeCombo"));
        auto *bits = view.findChild<QSpinBox *>(QStringLiteral("bitsSpin"));
        auto *signedCheck = view.findChild<QCheckBox *>(QStringLiteral("signedCheck"));
        QVERIFY(schemeCombo && bits && signedCheck);
        schemeCombo->setCurrentIndex(schemeCombo->findData(scheme));
        signedCheck->setChecked(isSigned);

        const auto [lo, hi] = supportedBits(Scheme(scheme), isSigned);
        QCOMPARE(bits->minimum(), lo);
        QCOMPARE(bits->maximum(), std::min(hi, 16));
        for (int b = lo; b <= std::min(hi, 8); ++b) {
            bits->setValue(b);
            const QXYSeries *levels = findSeries(view.figureWidget(), levelsSeriesId(Scheme(scheme)));
            QVERIFY(levels);
            const auto expected = levelSet({Scheme(scheme), b, isSigned});
            QCOMPARE(levels->count(), int(expected.size()));
            QCOMPARE(levels->at(levels->count() - 1).x(), 1.0); // alpha = 1: the largest level sits at alpha
            QVERIFY(findSeries(view.figureWidget(), staircaseSeriesId(Scheme(scheme))));
        }
    }

    void overlayCheckboxesAddAndRemoveSchemes()
    {
        LevelsView view;
        auto *pot = view.findChild<QCheckBox *>(QStringLiteral("comparePoT"));
        QVERIFY(pot);
        pot->setChecked(true);
        QVERIFY(findSeries(view.figureWidget(), levelsSeriesId(Scheme::PoT)));
        pot->setChecked(false);
        QVERIFY(!findSeries(view.figureWidget(), levelsSeriesId(Scheme::PoT)));
        QVERIFY(findSeries(view.figureWidget(), levelsSeriesId(Scheme::APoT)));
    }

    void dsqSliderSetsTheSlopePeak_data()
    {
        QTest::addColumn<int>("position");
        QTest::newRow("alpha 0.5") << 500;
        QTest::newRow("alpha 0.2") << 200;
        QTest::newRow("alpha 0.05") << 50;
        QTest::newRow("alpha 0.01") << 10;
    }

    void dsqSliderSetsTheSlopePeak()
    {
        QFETCH(int, position);
        SoftRoundView view;
        view.show();
        auto *slider = view.findChild<QSlider *>(QStringLiteral("dsqAlphaSlider"));
        QVERIFY(slider);
        slider->setValue(position);
        const double alpha = position / SoftRoundView::kDsqAlphaScale;
        const QXYSeries *slope = findSeries(view.figureWidget(), softround::dsqGrad);
        QVERIFY(slope);
        const double expected = dsqSlopeIntegerUnits(alpha, 0.0);
        QVERIFY2(std::abs(maxY(slope) - expected) < 1e-3 * expected,
                 qPrintable(QStringLiteral("plotted %1, expected %2").arg(maxY(slope)).arg(expected)));
        // The backward axis shows the peak (fixed range computed per update, not clipped).
        auto *axis = view.figureWidget()->chart(QStringLiteral("backward"))->axes(Qt::Vertical).value(0);
        QVERIFY(axis);
    }

    void ewgsDeltaScalesTheGradient()
    {
        SoftRoundView view;
        auto *delta = view.findChild<QSlider *>(QStringLiteral("ewgsDeltaSlider"));
        auto *sign = view.findChild<QComboBox *>(QStringLiteral("gradSignCombo"));
        QVERIFY(delta && sign);
        delta->setValue(0); // delta 0 is the STE
        QCOMPARE(maxY(findSeries(view.figureWidget(), softround::ewgsGrad)), 1.0);
        delta->setValue(200); // delta 2: 1 + 2 * (x_n - x_q), |x_n - x_q| <= 1/6 for 2 unsigned bits
        const double peak = maxY(findSeries(view.figureWidget(), softround::ewgsGrad));
        QVERIFY(peak > 1.3 && peak <= 1.0 + 2.0 / 6.0 + 1e-9);
        sign->setCurrentIndex(1);
        QVERIFY(findSeries(view.figureWidget(), softround::ewgsGrad));
    }

    void daqSlidersMoveTheBackward()
    {
        SoftRoundView view;
        auto *gamma = view.findChild<QSlider *>(QStringLiteral("daqGammaSlider"));
        QVERIFY(gamma);
        gamma->setValue(5);
        const double soft = maxY(findSeries(view.figureWidget(), softround::daqGrad));
        gamma->setValue(80);
        const double sharp = maxY(findSeries(view.figureWidget(), softround::daqGrad));
        QVERIFY2(soft != sharp, "gamma must change the DAQ backward");
    }

    void hidingMethodsRemovesTheirPanels()
    {
        SoftRoundView view;
        view.findChild<QGroupBox *>(QStringLiteral("dsqGroup"))->setChecked(false);
        view.findChild<QGroupBox *>(QStringLiteral("daqGroup"))->setChecked(false);
        QCOMPARE(view.figure().panels.size(), 1);
        QCOMPARE(view.figure().panels.first().id, QStringLiteral("ewgs"));
        QVERIFY(!findSeries(view.figureWidget(), softround::dsqGrad));
    }

    void windowRemembersChoices()
    {
        {
            MainWindow window;
            window.show();
            window.showTab(MainWindow::Tab::SoftRound);
            window.levelsView()->findChild<QSpinBox *>(QStringLiteral("bitsSpin"))->setValue(3);
            window.softRoundView()->findChild<QSlider *>(QStringLiteral("dsqAlphaSlider"))->setValue(123);
            window.close(); // saves
        }
        MainWindow restored;
        restored.restoreSettings();
        QCOMPARE(restored.tabs()->currentIndex(), int(MainWindow::Tab::SoftRound));
        QCOMPARE(restored.levelsView()->options().bits, 3);
        QCOMPARE(restored.softRoundView()->options().dsqAlpha, 0.123);
        QCOMPARE(restored.currentFigure().id, QStringLiteral("softround"));
    }

    void shortcutsSwitchViews()
    {
        MainWindow window;
        QStringList shortcuts;
        for (QAction *action : window.findChildren<QAction *>())
            if (!action->shortcut().isEmpty())
                shortcuts << action->shortcut().toString(QKeySequence::PortableText);
        for (const char *key : {"Ctrl+1", "Ctrl+2", "Ctrl+E", "Ctrl+Q"})
            QVERIFY2(shortcuts.contains(QString::fromLatin1(key)), key);
        for (QAction *action : window.findChildren<QAction *>())
            if (action->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_2))
                action->trigger();
        QCOMPARE(window.tabs()->currentIndex(), int(MainWindow::Tab::SoftRound));
        QCOMPARE(window.windowTitle(), QStringLiteral("QuantScope"));
    }

private:
    QTemporaryDir m_settingsDir;
};

QTEST_MAIN(TestViews)
#include "tst_views.moc"
