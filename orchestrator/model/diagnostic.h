// Errors about the topology file: what, where (file:line:col) and what to do.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "model/topology.h"

namespace netrig {

struct Diagnostic {
  std::string file;
  SourcePos pos;
  std::string message;
  std::string hint;  // optional "what to do"

  // "file:line:col: error: message" (no hint, no caret): the line tests compare against.
  std::string headline() const;
  // headline, then the source line with a caret under the column, then "  hint: ..." if any.
  std::string render(const std::string& source_text) const;
};

// Thrown by the parser when the file has errors; carries every error found, in file order.
class TopologyError : public std::runtime_error {
 public:
  TopologyError(std::vector<Diagnostic> diagnostics, std::string source_text);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  const std::string& source_text() const { return source_text_; }
  std::string render() const;

 private:
  std::vector<Diagnostic> diagnostics_;
  std::string source_text_;
};

// The closest candidate to `word` by edit distance, or "" when nothing is close.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);
// "; did you mean 'x'?" style hint text, or "" when nothing is close.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace netrig
