#include "util/files.h"

#include <fstream>
#include <sstream>

namespace netrig {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace netrig
