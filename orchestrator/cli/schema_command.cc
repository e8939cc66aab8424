// `netrig schema [topology|report]`: the JSON Schemas this netrig was built with, on stdout.
#include <iostream>

#include "cli/commands.h"
#include "cli/schemas.h"

namespace netrig {

int cmd_schema(const std::string& which) {
  std::cout << (which == "report" ? kReportSchema : kTopologySchema);
  return kExitOk;
}

}  // namespace netrig
