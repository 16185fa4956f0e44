// The in-memory job directory keeps the JobSource contract as JobDirectory
// does (tests/unit/io/JobDirectoryTest.cpp).
#include <doctest/doctest.h>

#include "MemorySource.h"

using namespace enginetest;

namespace {

std::string stampOf(MemorySource& source, const std::string& fileName) {
  for (const relinkd::ListedFile& file : source.list())
    if (file.fileName == fileName) return file.stamp;
  FAIL("not listed: " << fileName);
  return "";
}

}  // namespace

TEST_CASE("MemorySource: lists job files only, by job name") {
  MemorySource source("/d");
  source.write("b.json", "{}");
  source.write("a.plan.json", "{}");
  source.write(".hidden.json", "{}");
  source.write("notes.txt", "x");
  source.write("a.json", "{}");
  std::vector<std::string> names;
  for (const auto& file : source.list()) names.push_back(file.fileName);
  CHECK(names == std::vector<std::string>{"a.json", "a.plan.json", "b.json"});
}

TEST_CASE("MemorySource: a stamp changes when a file is rewritten or re-created, and is empty while fresh") {
  MemorySource source;
  source.write("a.json", "{}");
  const std::string first = stampOf(source, "a.json");
  CHECK_FALSE(first.empty());
  CHECK(source.scanOne("a.json").read.stamp == first);  // a read reports the listing's stamp
  source.write("a.json", "{}");  // the same bytes again
  const std::string rewritten = stampOf(source, "a.json");
  CHECK(rewritten != first);
  source.remove("a.json");
  source.write("a.json", "{}");
  CHECK(stampOf(source, "a.json") != rewritten);
  source.write("a.json", "{}", false);
  CHECK(stampOf(source, "a.json").empty());
  CHECK(source.scanOne("a.json").read.stamp.empty());
  source.settle("a.json");
  CHECK_FALSE(stampOf(source, "a.json").empty());
}

TEST_CASE("MemorySource: reads hash the content, or the error") {
  MemorySource source("/d");
  source.write("a.json", "{\"x\":1}");
  source.write("b.json", "{\"x\":1}");
  const relinkd::ScannedFile a = source.scanOne("a.json");
  CHECK(a.read.ok);
  CHECK(a.path == "/d/a.json");
  CHECK(a.read.bytes == "{\"x\":1}");
  CHECK(a.hash == source.scanOne("b.json").hash);  // by content, not by name
  CHECK(a.hash == contentHash("{\"x\":1}"));
  CHECK(a.hash.size() == 64);

  const relinkd::ScannedFile missing = source.scanOne("c.json");
  CHECK(missing.read.missing);
  CHECK_FALSE(missing.read.transient);

  source.failReads["a.json"] = "cannot be read: Input/output error";
  const relinkd::ScannedFile failing = source.scanOne("a.json");
  CHECK(failing.read.transient);
  CHECK(failing.hash == contentHash("cannot be read: Input/output error"));
  CHECK(source.reads["a.json"] == 2);
}

TEST_CASE("MemorySource: a directory gone is not the removal of its files") {
  MemorySource source("/d");
  source.write("a.json", "{}");
  source.setGone(true);
  CHECK_THROWS_AS(source.list(), relinkd::JobSourceError);
  const relinkd::ScannedFile read = source.scanOne("a.json");
  CHECK(read.read.transient);
  CHECK_FALSE(read.read.missing);
  CHECK(read.read.error.find("the job directory /d is gone") != std::string::npos);
  source.setGone(false);
  CHECK(source.scanOne("a.json").read.ok);
}
