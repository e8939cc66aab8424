#include "util/proc.h"

#include <fstream>

namespace netrig {

char proc_stat_state(const std::string& stat_line) {
  auto close_paren = stat_line.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 >= stat_line.size()) return '?';
  return stat_line[close_paren + 2];
}

bool process_running(pid_t pid) {
  if (pid <= 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  return proc_stat_state(line) != 'Z';
}

}  // namespace netrig
