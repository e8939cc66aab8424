#include "model/yaml_load.h"

#include <yaml-cpp/eventhandler.h>

#include <sstream>

namespace netrig {
namespace {

SourcePos at(const YAML::Mark& m) { return m.line < 0 ? SourcePos{} : SourcePos{m.line + 1, m.column + 1}; }

struct TooManyNodes {
  YAML::Mark mark;
};

// Walks the events of the stream once, before any tree is built: counts documents (stopping when
// a document makes no progress, which is where LoadAll would loop for ever), bounds the number of
// nodes, and records where aliases are used so errors can point there and not at the anchor.
class Survey : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> document_starts;
  std::map<std::pair<int, int>, AliasUse> aliases_by_key;

  void OnDocumentStart(const YAML::Mark& mark) override {
    document_starts.push_back(mark);
    stack_.clear();
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor, false, 0, true); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, 0, true, anchor, false); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, const std::string&) override {
    leaf(mark, anchor, false, 0, true);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor, false);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor, true);
  }
  void OnMapEnd() override { close(); }
  void OnAnchor(const YAML::Mark& mark, const std::string& name) override { pending_anchor_ = {name, mark}; }

 private:
  struct Level {
    bool is_map;
    bool at_key = true;
    YAML::Mark key;
    bool key_is_scalar = false;
  };

  void count(const YAML::Mark& mark) {
    if (++events_ > kMaxYamlEvents) throw TooManyNodes{mark};
  }
  void name_anchor(YAML::anchor_t anchor) {
    if (anchor) anchors_[anchor] = pending_anchor_;
  }
  // One child of the innermost collection is complete (scalar keys are all the parser reads).
  void child(const YAML::Mark& mark, bool scalar, bool alias, YAML::anchor_t target) {
    if (stack_.empty() || !stack_.back().is_map) return;
    auto& level = stack_.back();
    if (level.at_key) {
      level.key = mark;
      level.key_is_scalar = scalar;
    } else if (alias && level.key_is_scalar) {
      const auto& [name, anchor_mark] = anchors_[target];
      aliases_by_key[{level.key.line + 1, level.key.column + 1}] = AliasUse{at(mark), name, at(anchor_mark)};
    }
    level.at_key = !level.at_key;
  }
  void leaf(const YAML::Mark& mark, YAML::anchor_t anchor, bool alias, YAML::anchor_t target, bool scalar) {
    count(mark);
    name_anchor(anchor);
    child(mark, scalar, alias, target);
  }
  void open(const YAML::Mark& mark, YAML::anchor_t anchor, bool is_map) {
    count(mark);
    name_anchor(anchor);
    starts_.push_back(mark);
    stack_.push_back({is_map});
  }
  void close() {
    stack_.pop_back();
    const auto mark = starts_.back();
    starts_.pop_back();
    child(mark, false, false, 0);
  }

  size_t events_ = 0;
  std::vector<Level> stack_;
  std::vector<YAML::Mark> starts_;
  std::pair<std::string, YAML::Mark> pending_anchor_;
  std::map<YAML::anchor_t, std::pair<std::string, YAML::Mark>> anchors_;
};

[[noreturn]] void fail(const std::string& file, const std::string& text, SourcePos where, std::string what,
                       std::string hint) {
  throw TopologyError({Diagnostic{file, where, std::move(what), std::move(hint)}}, text);
}

std::string shown(const std::string& text, size_t pos) {
  size_t end = pos;
  while (end < text.size() && end - pos < 12 && text[end] != '\n' && text[end] != ' ') ++end;
  return text.substr(pos, std::max<size_t>(1, end - pos));
}

// The '---' line that starts the document whose first node is on 0-based line `line`.
SourcePos separator_before(const std::string& text, int line) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  for (int i = std::min<int>(line, static_cast<int>(lines.size()) - 1); i >= 0; --i)
    if (lines[i].rfind("---", 0) == 0) return {i + 1, 1};
  return line < 0 ? SourcePos{} : SourcePos{line + 1, 1};
}

}  // namespace

BadByte first_bad_byte(const std::string& text) {
  int line = 1, col = 1;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  auto bad = [&](std::string what) { return BadByte{{line, col}, std::move(what)}; };
  auto hex = [](unsigned v, bool code_point = false) {
    char buf[16];
    snprintf(buf, sizeof buf, code_point ? "U+%04X" : "byte 0x%02X", v);
    return std::string(buf);
  };
  for (size_t i = 0; i < n;) {
    const unsigned c = s[i];
    if (c < 0x80) {
      if (c == '\n') {
        ++line, col = 1, ++i;
        continue;
      }
      if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) return bad("control character " + hex(c));
      ++col, ++i;
      continue;
    }
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    if (len == 0 || c > 0xf4 || c == 0xc0 || c == 0xc1 || i + len > n) return bad("invalid UTF-8 (" + hex(c) + ")");
    unsigned cp = c & (0x7f >> len);
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return bad("invalid UTF-8 (" + hex(c) + " not followed by a continuation byte)");
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    const unsigned min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return bad("invalid UTF-8 (overlong or surrogate)");
    if ((cp >= 0x80 && cp <= 0x9f && cp != 0x85) || cp == 0xfffe || cp == 0xffff)
      return bad("control character " + hex(cp, true));
    col += static_cast<int>(len), i += len;
  }
  return {};
}

LoadedYaml load_yaml_document(const std::string& text, const std::string& file) {
  if (text.size() > kMaxTopologyBytes)
    fail(file, "", SourcePos{},
         "the topology file is " + std::to_string(text.size()) + " bytes, more than the 1 MiB allowed",
         "a lab file is a few KB; split generated content or check that this is the right file");
  if (auto b = first_bad_byte(text); !b.message.empty())
    fail(file, text, b.at, "the file holds " + b.message + ", which YAML does not allow",
         "save the file as UTF-8 text; control characters other than tab and newline must not appear "
         "(write them as \"\\x0b\"-style escapes inside a double-quoted string)");
  LoadedYaml out;
  try {
    Survey survey;
    {
      std::istringstream in(text);
      YAML::Parser parser(in);
      // A document that starts where the previous one started consumed nothing: LoadAll's endless
      // loop. Two documents are already one too many, so three calls are all that is ever needed.
      for (int i = 0; i < 3 && parser.HandleNextDocument(survey); ++i) {
        const auto& starts = survey.document_starts;
        if (starts.size() >= 2 && starts[starts.size() - 1].pos == starts[starts.size() - 2].pos) {
          const auto& m = starts.back();
          fail(file, text, at(m), "YAML syntax: '" + shown(text, m.pos) + "' cannot start a value here",
               "check the indentation and the brackets on this line: it does not continue the mapping or list "
               "above it");
        }
      }
      if (survey.document_starts.size() > 1)
        fail(file, text, separator_before(text, survey.document_starts[1].line),
             "the file holds more than one YAML document",
             "keep one lab per file; remove the '---' and what follows it");
    }
    out.root = YAML::Load(text);
    out.aliases_by_key = std::move(survey.aliases_by_key);
  } catch (const TooManyNodes& e) {
    fail(file, text, at(e.mark),
         "the file holds more than " + std::to_string(kMaxYamlEvents) + " YAML values; netrig stops reading here",
         "a lab needs a few thousand at most; check for generated or repeated content");
  }
  return out;
}

}  // namespace netrig
