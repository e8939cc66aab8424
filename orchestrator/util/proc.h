// What /proc says about a process.
#pragma once

#include <sys/types.h>

#include <string>

namespace netrig {

// Whether PID exists and is not a zombie (a zombie still answers kill(pid, 0); its /proc state is Z).
bool process_running(pid_t pid);

// The state letter in a /proc/PID/stat line (after the parenthesised command, which may itself
// contain ')' and spaces); '?' when the line has none.
char proc_stat_state(const std::string& stat_line);

}  // namespace netrig
