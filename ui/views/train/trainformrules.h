#pragma once
// The Train form's rules that need no widget: which keys the form's fields own (Advanced holds every other),
// the tooltips of the methods, where data and runs go by default, and why a data location does not work.

#include "core/train/trainconfig.h"

#include <QString>

#include <string>

namespace qs::ui::trainform {

// Debian's dataset-fashion-mnist (scripts/quantscope.sh installs it): the engine's default location.
inline const char *const kFashionDefault = "/usr/share/datasets/fashion-mnist";

bool isFormKey(const std::string &key);     // depth, method, wbits, ...: set by a field of the form
std::string keyOf(const std::string &line); // "key" of "key = value" (trimmed), empty without '='
// The Advanced text's first line that sets a key the form has a field for, as one line; empty when none.
QString formKeyInAdvanced(const std::string &advanced);
// The config.ini lines of `config` whose keys have no field in the form.
std::string advancedText(const TrainConfig &config);

bool holdsRun(const QString &dir); // metrics.jsonl or last.qsckpt inside
QString methodToolTip(const QString &method);
// False for fp and unknown names: the method has no quantizer (no bits, no grid).
bool methodQuantizes(const std::string &method);
// AppDataLocation/runs/<yyyyMMdd-HHmmss>-<method>-w<W>a<A> (fp: <stamp>-fp), never one that holds a run.
QString defaultRunDirectory(const TrainConfig &config);
// Where a data set kind is looked for by default (empty: the engine's own default, or none).
QString defaultDataLocation(const QString &kind);
// Why `location` does not work for data set `kind`, as one line; empty when it does.
QString dataLocationProblem(const QString &kind, const QString &location);

} // namespace qs::ui::trainform
