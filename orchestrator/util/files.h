// Reading small files whole (state files, logs, /proc entries).
#pragma once

#include <string>

namespace netrig {

// The whole content of `path`; "" when it cannot be opened (missing is a normal answer here).
std::string read_file(const std::string& path);

}  // namespace netrig
