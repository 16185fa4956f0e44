#include "JsonSyntax.h"

#include <cstring>
#include <vector>

namespace relinkd {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// What the scanner expects next.
enum class Expect { kValue, kArrayValueOrEnd, kArrayValue, kKeyOrEnd, kKey, kColon, kCommaOrEnd };

class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {}

  // True when the text is one JSON value; else errorAt_ and what_ say why.
  bool run() {
    Expect expect = Expect::kValue;
    for (;;) {
      skipSpace();
      if (i_ == s_.size()) {
        if (stack_.empty() && expect == Expect::kCommaOrEnd) return true;
        return fail(i_, "the file ends too early: a value, a closing bracket or brace is missing");
      }
      if (stack_.empty() && expect == Expect::kCommaOrEnd) {
        return fail(i_, "there is more after the end of the JSON object");
      }
      if (!step(expect)) return false;
    }
  }

  std::size_t errorAt() const { return errorAt_; }
  const char* what() const { return what_; }

 private:
  bool step(Expect& expect) {
    const char c = s_[i_];
    switch (expect) {
      case Expect::kKeyOrEnd:
        if (c == '}') return close(expect);
        [[fallthrough]];
      case Expect::kKey:
        if (c == '}') return fail(i_, "a ',' before '}': JSON allows no trailing comma");
        if (c != '"') return fail(i_, "expected a field name in double quotes");
        expect = Expect::kColon;
        return string();
      case Expect::kColon:
        if (c != ':') return fail(i_, "expected ':' after a field name");
        ++i_;
        expect = Expect::kValue;
        return true;
      case Expect::kArrayValueOrEnd:
        if (c == ']') return close(expect);
        [[fallthrough]];
      case Expect::kArrayValue:
        if (c == ']') return fail(i_, "a ',' before ']': JSON allows no trailing comma");
        [[fallthrough]];
      case Expect::kValue:
        return value(expect);
      case Expect::kCommaOrEnd:
        return commaOrEnd(expect);
    }
    return false;
  }

  bool value(Expect& expect) {
    const char c = s_[i_];
    if (c == '{' || c == '[') {
      stack_.push_back(c);
      ++i_;
      expect = c == '{' ? Expect::kKeyOrEnd : Expect::kArrayValueOrEnd;
      return true;
    }
    expect = Expect::kCommaOrEnd;
    if (c == '"') return string();
    if (c == '-' || isDigit(c)) return number();
    for (const char* word : {"true", "false", "null"}) {
      if (s_.compare(i_, std::strlen(word), word) == 0) {
        i_ += std::strlen(word);
        return true;
      }
    }
    if (c == '\'') return fail(i_, "strings must be in double quotes");
    return fail(i_, "expected a value (a string in double quotes, a number, true, false, null, {...} or [...])");
  }

  bool commaOrEnd(Expect& expect) {
    const char c = s_[i_];
    const bool object = stack_.back() == '{';
    if (c == ',') {
      ++i_;
      expect = object ? Expect::kKey : Expect::kArrayValue;
      return true;
    }
    if (c == (object ? '}' : ']')) return close(expect);
    return fail(i_, object ? "expected ',' or '}' after a value" : "expected ',' or ']' after a value");
  }

  bool close(Expect& expect) {
    stack_.pop_back();
    ++i_;
    expect = Expect::kCommaOrEnd;
    return true;
  }

  bool string() {
    const std::size_t start = i_++;
    while (i_ < s_.size()) {
      const unsigned char c = s_[i_];
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return fail(i_, "a string holds a control character or a line break; write \\n or \\t");
      if (c == '\\' && !escape()) return false;
      if (c != '\\') ++i_;
    }
    return fail(start, "a string is not closed: its closing '\"' is missing");
  }

  // At a backslash inside a string.
  bool escape() {
    const std::size_t start = i_++;
    if (i_ < s_.size() && std::strchr("\"\\/bfnrt", s_[i_]) && s_[i_] != '\0') {
      ++i_;
      return true;
    }
    if (i_ < s_.size() && s_[i_] == 'u') {
      for (std::size_t k = 1; k <= 4; ++k)
        if (i_ + k >= s_.size() || !isHex(s_[i_ + k])) return fail(start, "a \\u escape needs four hex digits");
      i_ += 5;
      return true;
    }
    return fail(start, "a string has an invalid escape; write \\\\ for a backslash");
  }

  bool number() {
    const std::size_t start = i_;
    if (s_[i_] == '-') ++i_;
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (!digits()) {
      return fail(start, "a number is not written as JSON (like 42, -1.5 or 1e3)");
    }
    if (i_ < s_.size() && s_[i_] == '.' && (++i_, !digits())) return fail(start, "a number needs digits after '.'");
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return fail(start, "a number needs digits after its exponent");
    }
    return true;
  }

  bool digits() {
    const std::size_t start = i_;
    while (i_ < s_.size() && isDigit(s_[i_])) ++i_;
    return i_ > start;
  }

  void skipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  bool fail(std::size_t at, const char* what) {
    errorAt_ = at;
    what_ = what;
    return false;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::vector<char> stack_;  // the open '{' and '['
  std::size_t errorAt_ = 0;
  const char* what_ = "";
};

}  // namespace

std::optional<JsonSyntaxError> findJsonSyntaxError(std::string_view text) {
  Scanner scanner(text);
  if (scanner.run()) return std::nullopt;
  JsonSyntaxError error;
  error.what = scanner.what();
  const std::size_t at = scanner.errorAt() < text.size() ? scanner.errorAt() : text.size();
  for (std::size_t k = 0; k < at; ++k) {
    const unsigned char c = text[k];
    if (c == '\n') {
      ++error.line;
      error.column = 1;
    } else if ((c & 0xC0) != 0x80) {  // not a UTF-8 continuation byte
      ++error.column;
    }
  }
  return error;
}

}  // namespace relinkd
