// Errors from system calls and the kernel, with the operation that failed.
#pragma once

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace netrig {

class SystemError : public std::runtime_error {
 public:
  SystemError(const std::string& what, int error)
      : std::runtime_error(what + ": " + std::strerror(error)), error_(error) {}
  SystemError(const std::string& what, int error, const std::string& detail)
      : std::runtime_error(what + ": " + std::strerror(error) + (detail.empty() ? "" : " (" + detail + ")")),
        error_(error) {}
  int error() const { return error_; }

 private:
  int error_;
};

[[noreturn]] inline void throw_errno(const std::string& what) { throw SystemError(what, errno); }

}  // namespace netrig
