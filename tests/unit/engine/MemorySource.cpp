#include "MemorySource.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <stdexcept>

#include "relinkd/domain/JobSpec.h"

namespace enginetest {

using relinkd::ScannedFile;

std::string contentHash(const std::string& bytes) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(bytes);
  return Poco::DigestEngine::digestToHex(engine.digest());
}

std::string MemorySource::stampOf(const File& file) const {
  if (!file.settled) return "";
  return "ino" + std::to_string(file.inode) + "-w" + std::to_string(file.written);
}

relinkd::Listing MemorySource::list() {
  if (gone_) throw relinkd::JobSourceError("cannot list job directory " + where_ + ": No such file or directory");
  relinkd::Listing listing;
  for (const auto& [name, file] : files_)
    if (relinkd::isJobFileName(name)) listing.push_back({name, stampOf(file)});
  relinkd::sortListing(listing);
  return listing;
}

namespace {

ScannedFile failedRead(const std::string& path, const std::string& error, bool transient, bool missing) {
  ScannedFile scanned;
  scanned.path = path;
  scanned.read.error = error;
  scanned.read.transient = transient;
  scanned.read.missing = missing;
  scanned.hash = contentHash(error);
  return scanned;
}

}  // namespace

ScannedFile MemorySource::scanOne(const std::string& fileName) {
  ++reads[fileName];
  const std::string path = where_ + "/" + fileName;
  if (gone_) return failedRead(path, "cannot be read: the job directory " + where_ + " is gone", true, false);
  auto failing = failReads.find(fileName);
  if (failing != failReads.end()) return failedRead(path, failing->second, true, false);
  auto it = files_.find(fileName);
  if (it == files_.end()) return failedRead(path, "does not exist", false, true);
  ScannedFile scanned;
  scanned.path = path;
  scanned.read.ok = true;
  scanned.read.bytes = it->second.bytes;
  scanned.read.stamp = stampOf(it->second);
  scanned.hash = contentHash(scanned.read.bytes);
  return scanned;
}

void MemorySource::write(const std::string& fileName, const std::string& bytes, bool settled) {
  auto [it, created] = files_.try_emplace(fileName);
  if (created) it->second.inode = ++serial_;
  it->second.bytes = bytes;
  it->second.written = ++serial_;
  it->second.settled = settled;
}

void MemorySource::settle(const std::string& fileName) { files_.at(fileName).settled = true; }

void MemorySource::remove(const std::string& fileName) {
  if (files_.erase(fileName) == 0) throw std::logic_error("no file " + fileName + " to remove");
}

}  // namespace enginetest
