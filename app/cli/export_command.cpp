#include "argparse.h"
#include "commands.h"

#include "core/io/export.h"

namespace qs::cli {

int runExportCommand(const std::vector<std::string> &args, std::ostream &out)
{
    ArgParser parser("export", {"weights", "out"}, {});
    parser.parse(args);
    out << exportWeights(parser.required("weights"), parser.required("out")) << '\n';
    return 0;
}

} // namespace qs::cli
