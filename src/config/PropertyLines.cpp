#include "PropertyLines.h"

#include <Poco/String.h>

namespace relinkd {
namespace {

// The file's lines, without their line ends.
std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines(1);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      lines.emplace_back();
    } else {
      lines.back() += c;
    }
  }
  return lines;
}

// Whether a value's text ends in a '\' that joins the next line to it (an
// escaped '\', "\\", does not).
bool continues(const std::string& value) {
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && ++i == value.size()) return true;
  }
  return false;
}

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v'; }

}  // namespace

PropertyLines scanPropertyLines(const std::string& text) {
  PropertyLines result;
  const std::vector<std::string> lines = splitLines(text);
  bool inValue = false;  // the previous line's value goes on on this one
  for (std::size_t n = 0; n < lines.size(); ++n) {
    const std::string& line = lines[n];
    const int number = static_cast<int>(n + 1);
    if (inValue) {
      inValue = continues(line);
      continue;
    }
    std::size_t start = 0;
    while (start < line.size() && isSpace(line[start])) ++start;
    if (start == line.size() || line[start] == '#' || line[start] == '!') continue;
    const std::size_t separator = line.find_first_of("=:", start);
    const std::string key = Poco::trim(line.substr(start, separator - start));
    if (separator == std::string::npos || key.empty()) {
      result.odd.push_back({number, key, separator != std::string::npos});
      continue;
    }
    result.lineOf[key] = number;
    inValue = continues(line.substr(separator + 1));
  }
  return result;
}

}  // namespace relinkd
