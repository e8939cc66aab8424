#include "model/shell_words.h"

namespace netrig {

std::optional<std::vector<std::string>> split_shell_words(const std::string& line, std::string* problem) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(word), word.clear(), in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'') {
      const auto end = line.find('\'', i + 1);
      if (end == std::string::npos) {
        if (problem) *problem = "the quote ' at character " + std::to_string(i + 1) + " is not closed";
        return std::nullopt;
      }
      word += line.substr(i + 1, end - i - 1);
      i = end;
    } else if (c == '"') {
      size_t j = i + 1;
      for (; j < line.size() && line[j] != '"'; ++j) {
        // Inside double quotes a backslash escapes only $ ` " \ and newline, as in sh.
        if (line[j] == '\\' && j + 1 < line.size() && std::string("$`\"\\\n").find(line[j + 1]) != std::string::npos)
          ++j;
        word += line[j];
      }
      if (j >= line.size()) {
        if (problem) *problem = "the quote \" at character " + std::to_string(i + 1) + " is not closed";
        return std::nullopt;
      }
      i = j;
    } else if (c == '\\') {
      if (i + 1 >= line.size()) {
        if (problem) *problem = "it ends with a backslash";
        return std::nullopt;
      }
      word += line[++i];
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

}  // namespace netrig
