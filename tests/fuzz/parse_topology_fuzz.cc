// libFuzzer target for the topology loader: any bytes must end in a Topology or a TopologyError,
// fast and in bounded memory (run.sh passes -timeout and -rss_limit_mb). Anything else (another
// exception, a sanitizer report, a hang) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "model/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    netrig::parse_topology(text, "fuzz.yaml");
  } catch (const netrig::TopologyError& e) {
    if (e.diagnostics().empty()) __builtin_trap();  // an error must say what is wrong
    (void)e.render();
  }
  return 0;
}
