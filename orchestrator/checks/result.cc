#include "checks/result.h"

namespace netrig {

const char* to_string(CheckStatus status) {
  switch (status) {
    case CheckStatus::Passed:
      return "passed";
    case CheckStatus::Failed:
      return "failed";
    case CheckStatus::Skipped:
      return "skipped";
    case CheckStatus::Error:
      return "error";
  }
  return "?";
}

}  // namespace netrig
