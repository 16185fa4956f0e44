#include "JsonText.h"

#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <cstdio>

#include "JsonSyntax.h"

namespace relinkd {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Object;

constexpr int kMaxDepth = 16;
constexpr const char* kNotAnObject = "must be a JSON object ({...}) at the top level";

bool isContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Well-formed UTF-8 per RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF.
bool isUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = s[i];
    std::size_t extra = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (s.size() - i <= extra) return false;
    const unsigned char second = s[i + 1];
    if (second < lo || second > hi) return false;
    for (std::size_t k = 2; k <= extra; ++k) {
      if (!isContinuation(s[i + k])) return false;
    }
    i += extra + 1;
  }
  return true;
}

// Counts brackets outside strings, so that a hostile file never reaches the
// recursive parser.
bool nestsDeeperThan(std::string_view s, int limit) {
  int depth = 0;
  bool inString = false, escaped = false;
  for (char c : s) {
    if (inString) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

// Poco's handler, noting keys that the top-level object holds twice
// (Poco itself keeps the last one silently).
class DuplicateKeyHandler : public Poco::JSON::ParseHandler {
 public:
  void reset() override {
    depth_ = 0;
    seen_.clear();
    duplicates_.clear();
    ParseHandler::reset();
  }
  void startObject() override { ++depth_; ParseHandler::startObject(); }
  void endObject() override { --depth_; ParseHandler::endObject(); }
  void startArray() override { ++depth_; ParseHandler::startArray(); }
  void endArray() override { --depth_; ParseHandler::endArray(); }
  void key(const std::string& k) override {
    if (depth_ == 1 && !seen_.insert(k).second) duplicates_.insert(k);
    ParseHandler::key(k);
  }
  const std::set<std::string>& duplicates() const { return duplicates_; }

 private:
  int depth_ = 0;
  std::set<std::string> seen_;
  std::set<std::string> duplicates_;
};

const char* fileLevelProblem(std::string_view bytes) {
  if (bytes.size() > kMaxJobFileBytes) return "is larger than 64 KiB";
  if (bytes.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return "is empty; a job file is a JSON object like {\"productURL\": ...}";
  }
  if (bytes.find('\0') != std::string_view::npos) return "contains a NUL byte; it is not UTF-8 text";
  if (!isUtf8(bytes)) return "is not UTF-8 text; save it as UTF-8";
  if (nestsDeeperThan(bytes, kMaxDepth)) return "nests brackets deeper than 16 levels";
  return nullptr;
}

std::optional<Var> parseJson(const std::string& text, const Poco::JSON::Handler::Ptr& handler) {
  try {
    Poco::JSON::Parser parser(handler);
    parser.setAllowNullByte(false);
    parser.setDepth(2 * kMaxDepth);
    return parser.parse(text);
  } catch (const std::exception&) {  // Poco::Exception derives from it
    return std::nullopt;
  }
}

// Why Poco refused the bytes: where the syntax breaks, or (valid JSON, so
// a scalar, which Poco refuses at the top level) what is wanted instead.
std::string syntaxProblem(std::string_view bytes) {
  const std::optional<JsonSyntaxError> error = findJsonSyntaxError(bytes);
  if (!error) {
    const std::size_t first = bytes.find_first_not_of(" \t\r\n");
    const bool scalar = first != std::string_view::npos && bytes[first] != '{' && bytes[first] != '[';
    return scalar ? kNotAnObject : "is not valid JSON; check quotes, commas and brackets";
  }
  return "is not valid JSON: line " + std::to_string(error->line) + ", column " + std::to_string(error->column) +
         ": " + error->what;
}

}  // namespace

// The file as a JSON object, or nullopt with a problem on "file".
std::optional<ParsedFile> parseObject(std::string_view bytes, std::vector<FieldProblem>& problems) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);  // a UTF-8 byte order mark
  if (const char* problem = fileLevelProblem(bytes)) {
    problems.push_back({"file", problem});
    return std::nullopt;
  }
  Poco::SharedPtr<DuplicateKeyHandler> handler = new DuplicateKeyHandler;
  std::optional<Var> root = parseJson(std::string(bytes), handler);
  if (!root) {
    problems.push_back({"file", syntaxProblem(bytes)});
    return std::nullopt;
  }
  if (root->type() != typeid(Object::Ptr)) {
    problems.push_back({"file", kNotAnObject});
    return std::nullopt;
  }
  return ParsedFile{root->extract<Object::Ptr>(), handler->duplicates()};
}

void appendJsonString(std::string& out, const std::string& text) {
  out += '"';
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

}  // namespace relinkd
