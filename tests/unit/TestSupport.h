// Helpers shared by the unit tests: a temporary directory removed at the
// end, and a random source that returns what it is told.
#pragma once

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>

#include <fstream>
#include <string>

#include "relinkd/RetryPolicy.h"

namespace testsupport {

class TempDir {
 public:
  TempDir() : path_(Poco::TemporaryFile::tempName()) { Poco::File(path_).createDirectories(); }
  ~TempDir() { Poco::File(path_).remove(true); }
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

class FixedRandom final : public relinkd::RandomSource {
 public:
  explicit FixedRandom(double u) : u_(u) {}
  double uniform() override { return u_; }

 private:
  double u_;
};

}  // namespace testsupport
