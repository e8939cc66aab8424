#include "cli/graph_render.h"

#include <unistd.h>

#include <boost/process.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "drivers/process.h"
#include "util/files.h"

namespace netrig {

namespace bp = boost::process;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) { return read_file(p.string()); }

}  // namespace

std::string render_dot(const std::string& dot, const std::string& format) {
  if (!installed("dot"))
    throw RenderError(
        "drawing " + format +
        " needs Graphviz's 'dot', which is not installed here\n  hint: apt-get install graphviz (ci/setup.sh "
        "installs it), or write --format dot and render it elsewhere (dot -T" +
        format + ")");
  // Files, not pipes: dot reads all of its input before it writes, and a large graph would fill a pipe.
  const auto dir = fs::temp_directory_path() / ("netrig-graph-" + std::to_string(getpid()));
  fs::create_directories(dir);
  struct Cleanup {
    fs::path d;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(d, ec);
    }
  } cleanup{dir};
  std::ofstream(dir / "graph.dot", std::ios::binary) << dot;
  int code = -1;
  try {
    code = bp::system(bp::search_path("dot"), "-T" + format, (dir / "graph.dot").string(), "-o",
                      (dir / ("graph." + format)).string(), bp::std_in.close(), bp::std_out > bp::null,
                      bp::std_err > (dir / "stderr").string());
  } catch (const std::exception& e) {
    throw RenderError(std::string("could not run Graphviz's dot: ") + e.what());
  }
  if (code != 0)
    throw RenderError("Graphviz's dot -T" + format + " failed (exit " + std::to_string(code) +
                      "): " + slurp(dir / "stderr") + "  hint: netrig graph --format dot shows the graph it was given");
  return slurp(dir / ("graph." + format));
}

}  // namespace netrig
