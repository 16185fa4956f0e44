// readJobFile against real files of every kind in a temporary directory.
#include <doctest/doctest.h>

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "TestSupport.h"
#include "relinkd/io/JobFile.h"
#include "relinkd/domain/JobSpec.h"

namespace relinkd {
namespace {

using testsupport::TempDir;

void checkRefused(const FileRead& read, const std::string& error) {
  CHECK_FALSE(read.ok);
  CHECK_FALSE(read.missing);
  CHECK(read.bytes.empty());
  CHECK(read.error == error);
}

TEST_CASE("JobFile: a regular file is read whole") {
  TempDir dir;
  const std::string content = "{\"productURL\": \"https://acme-eu.atlassian.net\"}\n";
  const FileRead read = readJobFile(dir.write("a.json", content));
  CHECK(read.ok);
  CHECK_FALSE(read.missing);
  CHECK(read.error.empty());
  CHECK(read.bytes == content);

  const FileRead empty = readJobFile(dir.write("empty.json", ""));
  CHECK(empty.ok);
  CHECK(empty.bytes.empty());
}

TEST_CASE("JobFile: a missing file says so") {
  TempDir dir;
  const FileRead read = readJobFile(dir.file("gone.json"));
  CHECK_FALSE(read.ok);
  CHECK(read.missing);
  CHECK(read.error == "does not exist");
}

TEST_CASE("JobFile: a FIFO is refused at once, without waiting for a writer") {
  TempDir dir;
  REQUIRE(::mkfifo(dir.file("fifo.json").c_str(), 0600) == 0);
  const auto start = std::chrono::steady_clock::now();
  const FileRead read = readJobFile(dir.file("fifo.json"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  checkRefused(read, "is a FIFO, not a regular file");
}

TEST_CASE("JobFile: a directory, a socket and a device are refused") {
  TempDir dir;
  std::filesystem::create_directory(dir.file("x.json"));
  checkRefused(readJobFile(dir.file("x.json")), "is a directory, not a regular file");

  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string socketPath = dir.file("s.json");
  REQUIRE(socketPath.size() < sizeof address.sun_path);
  std::strcpy(address.sun_path, socketPath.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  checkRefused(readJobFile(socketPath), "is a socket, not a regular file");
  ::close(fd);

  checkRefused(readJobFile("/dev/null"), "is a character device, not a regular file");
}

TEST_CASE("JobFile: a symbolic link is not followed") {
  TempDir dir;
  const std::string target = dir.write("real.json", "{}");
  std::filesystem::create_symlink(target, dir.file("link.json"));
  checkRefused(readJobFile(dir.file("link.json")), "is a symbolic link; only regular files are read");
  std::filesystem::create_symlink(dir.file("nowhere"), dir.file("dangling.json"));
  checkRefused(readJobFile(dir.file("dangling.json")), "is a symbolic link; only regular files are read");
}

TEST_CASE("JobFile: 64 KiB is read, one byte more is refused") {
  TempDir dir;
  const FileRead exact = readJobFile(dir.write("exact.json", std::string(kMaxJobFileBytes, 'x')));
  CHECK(exact.ok);
  CHECK(exact.bytes.size() == kMaxJobFileBytes);

  const FileRead over = readJobFile(dir.write("over.json", std::string(kMaxJobFileBytes + 1, 'x')));
  checkRefused(over, "is larger than 64 KiB (65537 bytes)");

  const FileRead huge = readJobFile(dir.write("huge.json", std::string(10 * kMaxJobFileBytes, 'x')));
  checkRefused(huge, "is larger than 64 KiB (655360 bytes)");
}

}  // namespace
}  // namespace relinkd

namespace relinkd {

// scripts/bench.py computes the same stamp in Python; the expected values
// here are its output.
TEST_CASE("JobFile: a stamp is 13 base-32 digits of every field stat gives, and moves with each") {
  struct stat st {};
  st.st_dev = 2049;
  st.st_ino = 77;
  st.st_size = 120;
  st.st_mtim = {1780000000, 500000000};
  st.st_ctim = {1780000000, 500000000};
  const std::string stamp = fileStamp(st);
  CHECK(stamp == "avcdfs85r3733");
  CHECK(stamp.size() == kStampLength);
  CHECK(stamp.capacity() < 16);  // lives in the string itself, no heap allocation

  struct stat bigger = st;
  bigger.st_size = 121;
  CHECK(fileStamp(bigger) == "6d4448kha2ogl");
  for (auto change : {+[](struct stat& s) { s.st_dev = 2050; }, +[](struct stat& s) { s.st_ino = 78; },
                      +[](struct stat& s) { s.st_mtim.tv_sec += 1; }, +[](struct stat& s) { s.st_mtim.tv_nsec += 1; },
                      +[](struct stat& s) { s.st_ctim.tv_sec += 1; }, +[](struct stat& s) { s.st_ctim.tv_nsec += 1; }}) {
    struct stat changed = st;
    change(changed);
    CHECK(fileStamp(changed) != stamp);
  }
}

}  // namespace relinkd
