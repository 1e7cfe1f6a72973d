// Run directories (core/runs/runreader): config.ini, the separator "QSFUZZ--", then metrics.jsonl. Reads it
// the way the GUI follows a growing run (two polls, the file appended in between) and the way `quantscope-cli
// compare` does (summarizeRun, then the table in every format); both readings must see the same records.
#include "fuzzsupport.h"

#include "core/runs/runreader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const auto parts = qsfuzz::splitInput(data, size, 2);
    const std::string dir = qsfuzz::scratchDir().string();
    qsfuzz::writeScratch("config.ini", parts[0]);
    const std::string_view metrics = parts[1];
    try {
        qs::MetricsFollower whole(dir), growing(dir);
        // The writer is mid-way: half of the file is there.
        qsfuzz::writeScratch("metrics.jsonl", metrics.substr(0, metrics.size() / 2));
        auto seen = growing.poll();
        qsfuzz::writeScratch("metrics.jsonl", metrics);
        const auto rest = growing.poll();
        seen.insert(seen.end(), rest.begin(), rest.end());
        const auto all = whole.poll();
        if (all.size() != seen.size() || whole.malformedLines() != growing.malformedLines())
            qsfuzz::contractViolation(
                "MetricsFollower", "a different reading when followed in two polls",
                (std::to_string(all.size()) + " vs " + std::to_string(seen.size()) + " records").c_str());
        const auto summary = qs::summarizeRun(dir);
        for (auto format : {qs::TableFormat::Csv, qs::TableFormat::Markdown, qs::TableFormat::Latex})
            (void)qs::formatRunTable({summary}, format);
    } catch (const qs::Error &e) {
        qsfuzz::checkOneLine("summarizeRun", e);
    } catch (const std::exception &e) {
        qsfuzz::escaped("runreader", e);
    }
    return 0;
}
