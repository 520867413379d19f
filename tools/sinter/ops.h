// `sinter ops`: the op table, with what each backend implements.
#pragma once

#include <CLI/CLI.hpp>

namespace sinter::cli {

struct OpsArgs {
  bool json = false;
};
CLI::App* add_ops(CLI::App& app, OpsArgs& args);
int run_ops(const OpsArgs& args);

}  // namespace sinter::cli
