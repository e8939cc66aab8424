#include "model/diagnostic.h"

#include <algorithm>
#include <sstream>

namespace netrig {

std::string Diagnostic::headline() const {
  std::ostringstream out;
  out << (file.empty() ? "<topology>" : file);
  if (pos.line > 0) out << ":" << pos.line << ":" << pos.col;
  out << ": error: " << message;
  return out.str();
}

std::string Diagnostic::render(const std::string& source_text) const {
  std::string out = headline() + "\n";
  if (pos.line > 0) {
    std::istringstream lines(source_text);
    std::string line;
    for (int i = 1; std::getline(lines, line); ++i) {
      if (i != pos.line) continue;
      out += "  " + line + "\n";
      out += "  " + std::string(std::max(0, pos.col - 1), ' ') + "^\n";
      break;
    }
  }
  if (!hint.empty()) out += "  hint: " + hint + "\n";
  return out;
}

static std::string summary(const std::vector<Diagnostic>& diagnostics) {
  return diagnostics.empty() ? "invalid topology" : diagnostics.front().headline();
}

TopologyError::TopologyError(std::vector<Diagnostic> diagnostics, std::string source_text)
    : std::runtime_error(summary(diagnostics)),
      diagnostics_(std::move(diagnostics)),
      source_text_(std::move(source_text)) {}

std::string TopologyError::render() const {
  std::string out;
  for (const auto& d : diagnostics_) out += d.render(source_text_);
  return out;
}

// Edit distance counting a swap of two neighbouring characters as one edit (optimal string
// alignment): "brigde" is one typo away from "bridge", not two.
static size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// Up to a third of the word may be wrong (at least 2 edits; 1 for words of one or two characters,
// where 2 edits would suggest anything). Ties go to the first candidate.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  const size_t limit = word.size() <= 2 ? 1 : std::max<size_t>(2, word.size() / 3);
  std::string best;
  size_t best_distance = limit + 1;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  auto best = closest_match(word, candidates);
  return best.empty() ? "" : "did you mean '" + best + "'?";
}

}  // namespace netrig
