#include "argparse.h"
#include "commands.h"
namespace qs::cli {
int runFigureCommand(const std::vector<std::string> &, std::ostream &) { throw UsageError("figure: not built yet"); }
}
