// quantscope-cli: the command line of QuantScope. Works without a display.

#include "argparse.h"
#include "commands.h"

#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace {
const char *kUsage = R"(usage: quantscope-cli COMMAND [options]

commands:
  levels  --scheme uniform|pot|apot --bits B [--signed] [--format json|csv]
          the sorted level set, normalized so the largest level is 1
  curve   --method uniform|pot|apot|dsq|daq|ste|ewgs --bits B [--signed] [--alpha A]
          [--base uniform|pot|apot] [--dsq-alpha a] [--gamma g] [--sigma s] [--delta d] [--grad-sign 1|-1]
          [--from X --to X --points N] [--format csv|json]
          x, y and dy/dx of a quantizer's transfer function and the derivative its backward uses
  figure  --kind levels|softround --out FILE.png|svg|pdf [options; see quantscope-cli figure --help]
          a paper-styled figure without a display, with its data as FILE.csv

Malformed arguments or an undefined combination print one line and exit with status 2.
)";
}

int main(int argc, char **argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::cout << kUsage;
        return args.empty() ? 2 : 0;
    }
    const std::string command = args[0];
    args.erase(args.begin());
    try {
        if (command == "levels")
            return qs::cli::runLevelsCommand(args, std::cout);
        if (command == "curve")
            return qs::cli::runCurveCommand(args, std::cout);
        if (command == "figure")
            return qs::cli::runFigureCommand(args, std::cout);
        throw qs::cli::UsageError("unknown command '" + command + "' (try quantscope-cli --help)");
    } catch (const qs::cli::UsageError &e) {
        std::cerr << "quantscope-cli: error: " << e.what() << '\n';
        return 2;
    } catch (const std::exception &e) {
        std::cerr << "quantscope-cli: error: " << e.what() << '\n';
        return 1;
    }
}
