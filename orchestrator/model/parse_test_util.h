// What the parser tests share: the first diagnostic of a topology text that does not parse, and a
// test lab with one piece of it replaced. Test code only (included by *_test.cc).
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "model/parser.h"

namespace netrig {

// The first diagnostic when `text` (as file t.yaml) does not parse; none when it does.
inline std::optional<Diagnostic> first_diagnostic(const std::string& text) {
  try {
    parse_topology(text, "t.yaml");
  } catch (const TopologyError& e) {
    if (!e.diagnostics().empty()) return e.diagnostics().front();
  }
  return std::nullopt;
}

// Its headline ("t.yaml:L:C: error: ..."), or "" when the text parses.
inline std::string first_error(const std::string& text) {
  auto d = first_diagnostic(text);
  return d ? d->headline() : "";
}

// `base` with the first `from` replaced by `to`; a test failure when `from` is not in it.
inline std::string replaced(std::string base, const std::string& from, const std::string& to) {
  auto at = base.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) base.replace(at, from.size(), to);
  return base;
}

}  // namespace netrig
