// Reading JSON from untrusted bytes without letting them hurt (size, UTF-8,
// nesting depth checked before Poco's recursive parser sees them), and
// writing small flat JSON objects. Used for job files.
//
// Thread-safety: free functions and values.
#pragma once

#include <Poco/JSON/Object.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "relinkd/domain/JobSpec.h"

namespace relinkd {

struct ParsedFile {
  Poco::JSON::Object::Ptr object;
  std::set<std::string> duplicates;  // keys the top-level object holds twice
};

// The bytes as a JSON object, or nullopt with a problem on "file".
std::optional<ParsedFile> parseObject(std::string_view bytes, std::vector<FieldProblem>& problems);

void appendJsonString(std::string& out, const std::string& text);

// Builds one flat JSON object, keys in the order they are added.
class JsonObjectWriter {
 public:
  void add(const char* name, const std::string& value) { appendJsonString(key(name), value); }
  void add(const char* name, bool value) { key(name) += value ? "true" : "false"; }
  // Exactly as long as it is: a job keeps its spec for as long as it lives.
  std::string finish() {
    out_ += '}';
    out_.shrink_to_fit();
    return std::move(out_);
  }

 private:
  std::string& key(const char* name) {
    out_ += out_.size() > 1 ? "," : "";
    appendJsonString(out_, name);
    out_ += ':';
    return out_;
  }
  std::string out_ = "{";
};

}  // namespace relinkd
