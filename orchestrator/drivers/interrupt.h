// Set by SIGINT/SIGTERM: deploys stop and roll back, checks stop retrying, the lab is destroyed.
#pragma once

#include <atomic>

namespace netrig {

inline std::atomic<bool>& interrupted() {
  static std::atomic<bool> flag{false};
  return flag;
}

}  // namespace netrig
