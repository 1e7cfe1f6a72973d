// Training configurations (core/train/trainconfig): parseTrainConfig, checkTrainConfig, and for an accepted
// text the round trip run directories and checkpoints rely on: serialize, parse again, serialize again gives
// the same text.
#include "fuzzsupport.h"

#include "core/train/trainconfig.h"

#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string text(reinterpret_cast<const char *>(data), size);
    qs::TrainConfig config;
    try {
        config = qs::parseTrainConfig(text);
    } catch (const std::invalid_argument &e) {
        if (std::string_view(e.what()).find('\n') != std::string_view::npos)
            qsfuzz::contractViolation("parseTrainConfig", "a multi-line message", e.what());
        return 0;
    } catch (const std::exception &e) {
        qsfuzz::escaped("parseTrainConfig", e);
    }
    try {
        (void)qs::checkTrainConfig(config);
        const auto once = qs::serializeTrainConfig(config);
        const auto twice = qs::serializeTrainConfig(qs::parseTrainConfig(once));
        if (once != twice)
            qsfuzz::contractViolation("serializeTrainConfig", "a round trip that changes the text",
                                      (once + "\n---\n" + twice).c_str());
    } catch (const std::exception &e) {
        qsfuzz::escaped("serialize/parse round trip", e);
    }
    return 0;
}
