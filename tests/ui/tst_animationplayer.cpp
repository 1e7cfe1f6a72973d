// The Play button: steps a view through every frame in order, holds, finishes (restoring the view), stops
// on a second click, and exports the same frames.
#include "ui/figures/animations.h"
#include "ui/plotting/animationplayer.h"

#include <QImageReader>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace qs::ui;

class TestAnimationPlayer final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void playsEveryFrameInOrderThenFinishes()
    {
        QList<int> shown;
        int finishes = 0;
        AnimationPlayer player(QStringLiteral("the test"),
                               {[] { return 4; }, [&](int k) { shown << k; }, [&] { ++finishes; },
                                [] { return AnimationSpec{}; }});
        player.setFrameMs(kMinFrameMs);
        QSignalSpy finished(&player, &AnimationPlayer::finished);
        QTest::mouseClick(player.playButton(), Qt::LeftButton);
        QVERIFY(player.isPlaying());
        QVERIFY(player.playButton()->text().contains(QStringLiteral("Stop")));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 5000);
        QCOMPARE(shown, (QList<int>{0, 1, 2, 3}));
        QCOMPARE(finishes, 1);
        QVERIFY(!player.isPlaying());
        QVERIFY(player.playButton()->text().contains(QStringLiteral("Play")));
    }

    void secondClickStopsWhereItIs()
    {
        QList<int> shown;
        int finishes = 0;
        AnimationPlayer player(QStringLiteral("the test"),
                               {[] { return 100; }, [&](int k) { shown << k; }, [&] { ++finishes; },
                                [] { return AnimationSpec{}; }});
        player.setFrameMs(kMinFrameMs);
        player.play();
        QTRY_VERIFY_WITH_TIMEOUT(shown.size() >= 3, 5000);
        QTest::mouseClick(player.playButton(), Qt::LeftButton);
        QVERIFY(!player.isPlaying());
        QCOMPARE(finishes, 1);
        const int stoppedAt = player.currentFrame();
        QTest::qWait(5 * kMinFrameMs);
        QCOMPARE(player.currentFrame(), stoppedAt); // no more frames after Stop
        QVERIFY(stoppedAt < 99);
        QCOMPARE(finishes, 1);
    }

    void exportsTheSameFrames()
    {
        LevelsFigureOptions options;
        AnimationPlayer player(QStringLiteral("the bits"),
                               {[] { return 5; }, [](int) {}, nullptr,
                                [options] { return levelsBitsAnimation(options, 2, 6); }});
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("bits.webp"));
        QVERIFY(!player.exportTo(path));
        QImageReader reader(path);
        if (reader.supportsAnimation()) // Qt reads WebP only with the qt6-image-formats plugin
            QCOMPARE(reader.imageCount(), 5);
        QVERIFY(QFileInfo(path).size() > 1000);
        const QString gif = dir.filePath(QStringLiteral("bits.gif"));
        QVERIFY(!player.exportTo(gif));
        QCOMPARE(QImageReader(gif).imageCount(), 5);

        AnimationPlayer failing(QStringLiteral("nothing"),
                                {[] { return 0; }, [](int) {}, nullptr,
                                 []() -> AnimationSpec { throw std::invalid_argument("no frames here"); }});
        QCOMPARE(failing.exportTo(gif).value_or(QString()), QStringLiteral("no frames here"));
        failing.play(); // zero frames: nothing to play
        QVERIFY(!failing.isPlaying());
    }
};

QTEST_MAIN(TestAnimationPlayer)
#include "tst_animationplayer.moc"
