# Writes OUT: a C++ file that compiles every DIR/*.ini preset into the program (qs::presetNames/presetText).
file(GLOB presets "${DIR}/*.ini")
list(SORT presets)
set(names "")
set(texts "")
foreach(path IN LISTS presets)
    get_filename_component(name "${path}" NAME_WE)
    file(READ "${path}" text)
    string(APPEND names "    \"${name}\",\n")
    string(APPEND texts "    {\"${name}\", R\"qs_preset(${text})qs_preset\"},\n")
endforeach()
file(WRITE "${OUT}.tmp" "// Generated from resources/presets by cmake/EmbedPresets.cmake. Do not edit.
#include \"core/train/trainconfig.h\"
#include <map>
namespace qs {
namespace {
const std::map<std::string, std::string> &presets()
{
    static const std::map<std::string, std::string> all = {
${texts}    };
    return all;
}
} // namespace
std::vector<std::string> presetNames() { return {
${names}}; }
std::optional<std::string> presetText(const std::string &name)
{
    const auto it = presets().find(name);
    if (it == presets().end())
        return std::nullopt;
    return it->second;
}
} // namespace qs
")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
