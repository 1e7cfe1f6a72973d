#pragma once
// The Activations page's capture bar: Run batch, Cancel, the image count and the progress bar of a
// background job that runs the first N test images of the data set through the open model and records each
// quantized layer's input activations (core/analysis/activations.h). Latest start wins.

#include "core/analysis/activations.h"

#include <QString>
#include <QWidget>

#include <memory>

QT_BEGIN_NAMESPACE
class QProgressBar;
class QPushButton;
class QSettings;
class QSpinBox;
QT_END_NAMESPACE

namespace qs {
class ModelSnapshot;
}

namespace qs::ui {

class BackgroundJob;
class ModelSidebar;

class CaptureBar final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CaptureBar)

public:
    explicit CaptureBar(const ModelSidebar *sidebar, QWidget *parent = nullptr); // the data set comes from it
    ~CaptureBar() override; // cancels the capture and joins its thread

    void setModel(std::shared_ptr<const ModelSnapshot> snapshot); // cancels; drops the capture and error

    std::shared_ptr<const ActivationCapture> capture() const { return m_capture; }
    QString error() const { return m_error; } // of the last capture that failed, until a new start
    void clearError() { m_error.clear(); }
    bool running() const;
    int images() const;
    void setImages(int images);
    QProgressBar *progress() const { return m_progress; }
    // What the page shows instead of a chart while there is no capture (running, failed, what Run batch
    // would do); empty once there is one.
    QString note() const;

    void saveSettings(QSettings &settings) const; // captureImages
    void restoreSettings(QSettings &settings);

public Q_SLOTS:
    void start();
    void cancel();

Q_SIGNALS:
    void started();
    void cancelled(); // a running capture was cancelled
    void captured();  // capture() is new
    void failed(const QString &error);

private:
    std::shared_ptr<const ModelSnapshot> m_snapshot;
    const ModelSidebar *m_sidebar;
    std::shared_ptr<const ActivationCapture> m_capture;
    QString m_error;
    QString m_buttonToolTip; // the button's own; a model that cannot run shows why instead
    QPushButton *m_button = nullptr;
    QPushButton *m_cancel = nullptr;
    QSpinBox *m_images = nullptr;
    QProgressBar *m_progress = nullptr;
    std::unique_ptr<BackgroundJob> m_job;
};

} // namespace qs::ui
