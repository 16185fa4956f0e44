// Helpers shared by the unit tests: a private temporary directory removed
// at the end, and a random source that returns what it is told.
#pragma once

#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>


namespace testsupport {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "relinkd-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(file(name), std::ios::binary) << content;
    return file(name);
  }

 private:
  std::string path_;
};

// The value that leaves a field out (see objectWith).
inline const char* const kRemoveField = "<remove>";

// A JSON object of fields ({name, raw JSON value}) with changes applied: a
// changed field keeps its place, a new one goes at the end, and the value
// kRemoveField leaves the field out. For tables of good and bad files.
inline std::string objectWith(std::vector<std::pair<std::string, std::string>> fields,
                              const std::vector<std::pair<std::string, std::string>>& changes) {
  for (const auto& change : changes) {
    auto it = fields.begin();
    while (it != fields.end() && it->first != change.first) ++it;
    if (it == fields.end()) fields.push_back(change);
    else it->second = change.second;
  }
  std::string out = "{";
  for (const auto& field : fields) {
    if (field.second == kRemoveField) continue;
    out += (out.size() > 1 ? ", \"" : "\"") + field.first + "\": " + field.second;
  }
  return out + "}";
}

}  // namespace testsupport
