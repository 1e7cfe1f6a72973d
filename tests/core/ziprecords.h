#pragma once
// The records of a torch zip archive (names without the archive folder; the version records left out, since
// the writer adds its own) and a well-formed archive (valid CRCs) holding given records: damage the zip layer
// cannot see. Shared by tst_torchformat and tst_modelio.

#include <caffe2/serialize/inline_container.h>

#include <string>
#include <utility>
#include <vector>

namespace ziprecords {

using Records = std::vector<std::pair<std::string, std::string>>;

inline Records readRecords(const std::string &path)
{
    caffe2::serialize::PyTorchStreamReader reader(path);
    Records out;
    for (const auto &name : reader.getAllRecords()) {
        if (name == "version" || name == ".data/version")
            continue;
        auto [ptr, size] = reader.getRecord(name);
        out.emplace_back(name, std::string(static_cast<const char *>(ptr.get()), size));
    }
    return out;
}

inline void writeRecords(const std::string &path, const Records &records)
{
    caffe2::serialize::PyTorchStreamWriter writer(path);
    for (const auto &[name, bytes] : records)
        writer.writeRecord(name, bytes.data(), bytes.size());
    writer.writeEndOfFile();
}

} // namespace ziprecords
