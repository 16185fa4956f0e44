// FileReadRetries: when unreadable files are read again, and which errors are new.
#include <doctest/doctest.h>

#include "FileReadRetries.h"

namespace relinkd {

using Names = std::vector<std::string>;

TEST_CASE("FileReadRetries: a file is due at its retry time, once, and a later time replaces an earlier") {
  FileReadRetries retries;
  CHECK_FALSE(retries.nextRetry());
  retries.retryAt("b.json", 2000);
  retries.retryAt("a.json", 3000);
  retries.retryAt("c.json", 1000);
  retries.retryAt("c.json", 5000);  // replaced
  CHECK(retries.nextRetry() == 2000);
  CHECK(retries.takeDue(1999).empty());
  CHECK(retries.takeDue(3000) == Names{"a.json", "b.json"});
  CHECK(retries.takeDue(3000).empty());  // taken
  CHECK(retries.retrying("c.json"));
  CHECK(retries.nextRetry() == 5000);
  retries.dropRetry("c.json");
  CHECK_FALSE(retries.retrying("c.json"));
  CHECK_FALSE(retries.nextRetry());
}

TEST_CASE("FileReadRetries: an error is new once per file until it changes or is forgotten") {
  FileReadRetries retries;
  CHECK(retries.remember("a.json", "EIO"));
  CHECK_FALSE(retries.remember("a.json", "EIO"));
  CHECK(retries.remember("b.json", "EIO"));  // per file
  CHECK(retries.remember("a.json", "EACCES"));
  CHECK(retries.remember("a.json", "EIO"));  // changed back: new again
  retries.forget("a.json");
  CHECK(retries.remember("a.json", "EIO"));
}

TEST_CASE("FileReadRetries: a copy is a value: restoring it undoes what happened since") {
  FileReadRetries retries;
  retries.retryAt("a.json", 1000);
  const FileReadRetries before = retries;
  retries.takeDue(1000);
  retries.remember("a.json", "EIO");
  retries = before;
  CHECK(retries.retrying("a.json"));
  CHECK(retries.remember("a.json", "EIO"));
}

}  // namespace relinkd
