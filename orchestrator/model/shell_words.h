// Splitting a command line into words as a POSIX shell would, without expanding anything:
// containerlab's `cmd: ash -c "echo $X"` is ["ash", "-c", "echo $X"]. Quotes ('…', "…") and
// backslashes group and escape; $VAR, globs and ~ stay as written (the container's shell sees them).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace netrig {

// The words, or nullopt with `problem` set (an unterminated quote or a trailing backslash).
std::optional<std::vector<std::string>> split_shell_words(const std::string& line, std::string* problem);

}  // namespace netrig
