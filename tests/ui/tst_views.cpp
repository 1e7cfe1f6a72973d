// The two views open offscreen and react: levels follow qs::levelSet, sliders move the curves, settings
// persist.

#include "core/quant/curves.h"
#include "core/quant/levels.h"
#include "ui/figures/levelsfigure.h"
#include "ui/figures/softroundfigure.h"
#include "ui/mainwindow.h"
#include "ui/plotting/animationplayer.h"
#include "ui/plotting/figurewidget.h"
#include "ui/views/levelsview.h"
#include "ui/views/softroundview.h"

#include "uitestsupport.h"

#include <QAction>
#include <QApplication>
#include <QChart>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QGraphicsLayout>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QLabel>
#include <QRegularExpression>
#include <QTextDocument>
#include <QGroupBox>
#include <QSettings>
#include <QSignalSpy>
#include <QToolButton>
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

// Each chart's plot area in the figure widget's coordinates.
QList<QRectF> plotAreas(const FigureWidget *figure)
{
    QList<QRectF> areas;
    for (QChart *chart : figure->charts()) {
        QGraphicsView *view = chart->scene() ? chart->scene()->views().value(0) : nullptr;
        if (!view)
            continue;
        const QRectF scene = chart->mapRectToScene(chart->plotArea());
        const QRect inView = view->mapFromScene(scene).boundingRect();
        areas << QRectF(QRectF(inView).translated(view->mapTo(figure, QPoint(0, 0))));
    }
    return areas;
}

// Every tooltip under `root` is rich text (so Qt renders its entities), shows no entity as text, and wraps
// to a sane width in a word-wrapping label, as QToolTip shows rich text.
void verifyToolTips(QWidget *root)
{
    QList<QWidget *> widgets = root->findChildren<QWidget *>();
    widgets.prepend(root);
    int checked = 0;
    static const QRegularExpression entity(QStringLiteral("&[A-Za-z]+;|&#[0-9]+;"));
    for (QWidget *w : widgets) {
        const QString tip = w->toolTip();
        if (tip.isEmpty())
            continue;
        ++checked;
        const QString who =
            w->objectName().isEmpty() ? QString::fromLatin1(w->metaObject()->className()) : w->objectName();
        QVERIFY2(Qt::mightBeRichText(tip), qPrintable(who + QStringLiteral(": ") + tip));
        QTextDocument doc;
        doc.setHtml(tip);
        const QString shown = doc.toPlainText();
        QVERIFY2(!entity.match(shown).hasMatch(), qPrintable(who + QStringLiteral(" shows: ") + shown));
        QLabel label;
        label.setWordWrap(true);
        label.setText(tip);
        QVERIFY2(label.sizeHint().width() <= 600,
                 qPrintable(who + QStringLiteral(": %1 px wide").arg(label.sizeHint().width())));
    }
    QVERIFY(checked > 5);
}

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
    void levelsPlayStepsTheBitsBoxTwoToSix()
    {
        LevelsView view;
        auto *bits = view.findChild<QSpinBox *>(QStringLiteral("bitsSpin"));
        QList<int> seen;
        QList<QString> titles;
        connect(view.player(), &AnimationPlayer::frameShown, this, [&] {
            seen << bits->value();
            titles << view.figure().panels.front().title;
        });
        QSignalSpy finished(view.player(), &AnimationPlayer::finished);
        view.player()->setFrameMs(qs::ui::kMinFrameMs);
        QTest::mouseClick(view.player()->playButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QCOMPARE(seen, (QList<int>{2, 3, 4, 5, 6}));
        for (int k = 0; k < titles.size(); ++k) // the figure followed each step
            QVERIFY2(titles[k].startsWith(QStringLiteral("%1-bit").arg(2 + k)), qPrintable(titles[k]));
        QCOMPARE(bits->value(), 6); // it stays at the end state
    }

    void softRoundPlayAnnealsDsqAlpha()
    {
        SoftRoundView view;
        auto *slider = view.findChild<QSlider *>(QStringLiteral("dsqAlphaSlider"));
        QList<double> alphas;
        connect(view.player(), &AnimationPlayer::frameShown, this,
                [&] { alphas << view.options().dsqAlpha; });
        QSignalSpy finished(view.player(), &AnimationPlayer::finished);
        view.player()->setFrameMs(qs::ui::kMinFrameMs);
        view.player()->play();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QCOMPARE(alphas.size(), 12);
        QCOMPARE(alphas.front(), 0.5);
        QCOMPARE(alphas.back(), 0.002);
        for (int k = 1; k < alphas.size(); ++k)
            QVERIFY(alphas[k] < alphas[k - 1]);
        QCOMPARE(slider->value(), 2);
        QVERIFY(view.options().showDsq);
    }

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

    // The Zero level box: only for signed grids; unchecked, every drawn grid is levelSet without its zero
    // level (2^b levels, none at 0), and the staircase never outputs 0.
    void zeroLevelBoxDropsTheZeroLevel()
    {
        LevelsView view;
        view.show();
        auto *signedCheck = view.findChild<QCheckBox *>(QStringLiteral("signedCheck"));
        auto *zero = view.findChild<QCheckBox *>(QStringLiteral("zeroLevelCheck"));
        auto *bits = view.findChild<QSpinBox *>(QStringLiteral("bitsSpin"));
        QVERIFY(signedCheck && zero && bits);
        signedCheck->setChecked(false);
        QVERIFY(!zero->isEnabled());
        signedCheck->setChecked(true);
        QVERIFY(zero->isEnabled());
        bits->setValue(4);
        zero->setChecked(false);
        QVERIFY(!view.options().zeroLevel);
        for (Scheme scheme : {Scheme::Uniform, Scheme::PoT, Scheme::APoT}) {
            const QXYSeries *levels = findSeries(view.figureWidget(), levelsSeriesId(scheme));
            QVERIFY(levels);
            const qs::LevelSpec spec{scheme, 4, true, false};
            const auto expected = levelSet(spec);
            QCOMPARE(levels->count(), 16);
            for (int i = 0; i < levels->count(); ++i) {
                QVERIFY(std::abs(levels->at(i).x() - expected[size_t(i)]) < 1e-9);
                QVERIFY(levels->at(i).x() != 0.0);
            }
            const QXYSeries *steps = findSeries(view.figureWidget(), staircaseSeriesId(scheme));
            QVERIFY(steps);
            for (int i = 0; i < steps->count(); ++i)
                QVERIFY(steps->at(i).y() != 0.0);
        }
        zero->setChecked(true);
        QCOMPARE(findSeries(view.figureWidget(), levelsSeriesId(Scheme::APoT))->count(), 15);
        // Unsigned again: the box no longer applies, the grid keeps 0.
        zero->setChecked(false);
        signedCheck->setChecked(false);
        QVERIFY(view.options().zeroLevel);
        QCOMPARE(findSeries(view.figureWidget(), levelsSeriesId(Scheme::APoT))->count(), 16);
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

    void levelsCaptionFollowsTheLevelSets()
    {
        LevelsView view;
        auto *schemeCombo = view.findChild<QComboBox *>(QStringLiteral("schemeCombo"));
        auto *bits = view.findChild<QSpinBox *>(QStringLiteral("bitsSpin"));
        auto *signedCheck = view.findChild<QCheckBox *>(QStringLiteral("signedCheck"));
        QVERIFY(schemeCombo && bits && signedCheck);
        schemeCombo->setCurrentIndex(schemeCombo->findData(int(Scheme::APoT)));
        signedCheck->setChecked(true);
        view.findChild<QCheckBox *>(QStringLiteral("compareUniform"))->setChecked(false);
        view.findChild<QCheckBox *>(QStringLiteral("comparePoT"))->setChecked(true);
        // The premise, from the level sets: at 3 bits signed PoT and APoT coincide, at 4 they do not.
        QCOMPARE(levelSet({Scheme::PoT, 3, true}), levelSet({Scheme::APoT, 3, true}));
        QVERIFY(levelSet({Scheme::PoT, 4, true}) != levelSet({Scheme::APoT, 4, true}));
        bits->setValue(3);
        QString note = view.figure().note;
        QVERIFY2(note.contains(QStringLiteral("At 3 bits signed, PoT and APoT are the same grid")),
                 qPrintable(note));
        QVERIFY2(!note.contains(QStringLiteral("spreads")), qPrintable(note));
        // The hidden staircase is drawn dashed, so both stay visible.
        QCOMPARE(findSeries(view.figureWidget(), staircaseSeriesId(Scheme::APoT))->pen().style(),
                 Qt::DashLine);
        bits->setValue(4);
        note = view.figure().note;
        QVERIFY2(!note.contains(QStringLiteral("same grid")), qPrintable(note));
        QVERIFY2(note.contains(QStringLiteral("PoT crowds its levels near 0; APoT spreads them")),
                 qPrintable(note));
        QCOMPARE(findSeries(view.figureWidget(), staircaseSeriesId(Scheme::APoT))->pen().style(),
                 Qt::SolidLine);
        // Unsigned 2 bits: PoT and APoT are both {0, 1/4, 1/2, 1}.
        QCOMPARE(levelSet({Scheme::PoT, 2, false}), levelSet({Scheme::APoT, 2, false}));
        signedCheck->setChecked(false);
        bits->setValue(2);
        note = view.figure().note;
        QVERIFY2(note.contains(QStringLiteral("At 2 bits unsigned, PoT and APoT are the same grid")),
                 qPrintable(note));
    }

    void levelsChartsShareTheirPlotArea_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::newRow("1280x720") << QSize(1280, 720);
        QTest::newRow("1600x1000") << QSize(1600, 1000);
    }

    void levelsChartsShareTheirPlotArea()
    {
        QFETCH(QSize, size);
        LevelsView levels;
        SoftRoundView soft;
        for (QWidget *view : {static_cast<QWidget *>(&levels), static_cast<QWidget *>(&soft)}) {
            view->resize(size);
            view->show();
        }
        QVERIFY(QTest::qWaitForWindowExposed(&levels));
        QVERIFY(QTest::qWaitForWindowExposed(&soft));
        auto *bits = levels.findChild<QSpinBox *>(QStringLiteral("bitsSpin"));
        for (int b : {4, 3, 6}) {
            bits->setValue(b);
            QTest::qWait(50);
            for (const FigureWidget *figure : {levels.figureWidget(), soft.figureWidget()}) {
                const QList<QRectF> areas = plotAreas(figure);
                QVERIFY(areas.size() >= 2);
                for (const QRectF &a : areas) {
                    QVERIFY2(
                        std::abs(a.left() - areas.front().left()) <= 1.0,
                        qPrintable(QStringLiteral("left %1 vs %2").arg(a.left()).arg(areas.front().left())));
                    QVERIFY2(std::abs(a.width() - areas.front().width()) <= 1.0,
                             qPrintable(
                                 QStringLiteral("width %1 vs %2").arg(a.width()).arg(areas.front().width())));
                    QVERIFY2(a.width() > 200, qPrintable(QStringLiteral("width %1 left %2 of %3")
                                                             .arg(a.width())
                                                             .arg(a.left())
                                                             .arg(figure->width())));
                }
            }
        }
        // A resize re-aligns before anything paints (no wait for a timer).
        levels.resize(size - QSize(200, 100));
        QApplication::processEvents();
        {
            const QList<QRectF> areas = plotAreas(levels.figureWidget());
            QVERIFY(areas.size() == 2);
            QVERIFY2(std::abs(areas[0].left() - areas[1].left()) <= 1.0 &&
                         std::abs(areas[0].width() - areas[1].width()) <= 1.0 && areas[0].width() > 200,
                     qPrintable(QStringLiteral("after resize: left %1/%2, width %3/%4")
                                    .arg(areas[0].left())
                                    .arg(areas[1].left())
                                    .arg(areas[0].width())
                                    .arg(areas[1].width())));
        }
        // The y labels of the two Levels charts differ ("Uniform (15)" vs "-1.0"): without alignment their
        // automatic plot areas would not match, so the check above is not vacuous.
        QChart *numberLine = levels.figureWidget()->chart(QStringLiteral("levels"));
        QChart *staircase = levels.figureWidget()->chart(QStringLiteral("staircase"));
        for (QChart *chart : {numberLine, staircase}) {
            chart->setPlotArea(QRectF());
            chart->layout()->invalidate();
            chart->layout()->activate();
        }
        QVERIFY(std::abs(numberLine->plotArea().left() - staircase->plotArea().left()) > 3.0);
    }

    void toolTipsAreRichAndWrap()
    {
        LevelsView levels;
        verifyToolTips(&levels);
        SoftRoundView soft;
        verifyToolTips(&soft);
        // The clip tooltip that used to show "&alpha;&middot;P(clamp(x/&alpha;))" as text.
        QTextDocument doc;
        doc.setHtml(levels.alphaSpin()->toolTip());
        QVERIFY2(doc.toPlainText().contains(QStringLiteral("\u03b1\u00b7P(clamp(x/\u03b1))")),
                 qPrintable(doc.toPlainText()));
        QVERIFY(richToolTip(QStringLiteral("g < 0")).contains(QStringLiteral("g &lt; 0")));
    }

    void slidersStepSensiblyAndPairWithSpinBoxes()
    {
        LevelsView levels;
        QSlider *alpha = levels.alphaSlider();
        QCOMPARE(alpha->singleStep() / LevelsView::kAlphaScale, 0.05);
        QCOMPARE(alpha->pageStep() / LevelsView::kAlphaScale, 0.25);
        levels.show();
        alpha->setFocus();
        const double before = levels.alphaSpin()->value();
        QTest::keyClick(alpha, Qt::Key_Right);
        QCOMPARE(levels.alphaSpin()->value(), before + 0.05);
        QCOMPARE(levels.options().alpha, before + 0.05);
        levels.alphaSpin()->setValue(2.35);
        QCOMPARE(alpha->value(), 235);
        QCOMPARE(levels.figure().settings.value(3).second, QStringLiteral("2.35"));

        SoftRoundView soft;
        struct Expect
        {
            const char *slider;
            double scale, single, page;
        };
        for (const Expect &e : {Expect{"dsqAlphaSlider", SoftRoundView::kDsqAlphaScale, 0.01, 0.05},
                                Expect{"daqGammaSlider", SoftRoundView::kDaqScale, 0.1, 1.0},
                                Expect{"daqSigmaSlider", SoftRoundView::kDaqScale, 0.1, 0.5},
                                Expect{"ewgsDeltaSlider", SoftRoundView::kDeltaScale, 0.05, 0.25}}) {
            auto *slider = soft.findChild<QSlider *>(QString::fromLatin1(e.slider));
            QVERIFY2(slider, e.slider);
            QCOMPARE(slider->singleStep() / e.scale, e.single);
            QCOMPARE(slider->pageStep() / e.scale, e.page);
            QDoubleSpinBox *spin = soft.spinFor(slider);
            QVERIFY2(spin, e.slider);
            slider->setValue(slider->minimum() + 3 * slider->singleStep());
            QCOMPARE(spin->value(), slider->value() / e.scale);
            spin->setValue(spin->maximum() / 2);
            QCOMPARE(slider->value(), int(std::lround(spin->maximum() / 2 * e.scale)));
        }
        // A typed DSQ alpha reaches the figure.
        soft.spinFor(soft.findChild<QSlider *>(QStringLiteral("dsqAlphaSlider")))->setValue(0.3);
        QCOMPARE(soft.options().dsqAlpha, 0.3);
        QVERIFY(findSeries(soft.figureWidget(), softround::dsqY)->name().contains(QStringLiteral("0.3")));
    }

    void softRoundNoteFollowsTheSettings()
    {
        SoftRoundView view;
        QString note = view.figure().note;
        const int levels = 1 << view.options().bits;
        QVERIFY2(
            note.contains(QStringLiteral("%1 evenly spaced levels over [0, \u03b1], 0 included").arg(levels)),
            qPrintable(note));
        view.findChild<QCheckBox *>(QStringLiteral("signedCheck"))->setChecked(true);
        note = view.figure().note;
        QVERIFY2(note.contains(QStringLiteral("none at 0")), qPrintable(note));
        // The EWGS range in the note is the plotted one.
        const QXYSeries *ewgs = findSeries(view.figureWidget(), softround::ewgsGrad);
        QVERIFY(ewgs);
        QVERIFY2(note.contains(QString::number(maxY(ewgs), 'g', 3)), qPrintable(note));
        view.findChild<QGroupBox *>(QStringLiteral("daqGroup"))->setChecked(false);
        QVERIFY(!view.figure().note.contains(QStringLiteral("DAQ forward")));
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
