// Where each key of a properties file is set, and which lines are not
// `key = value`, read as Poco's PropertyFileConfiguration reads the file
// (1.11): leading white space is skipped; a line whose first other
// character is '#' or '!' is a comment; the key runs to the first '=' or
// ':' (no escapes, no white-space separator: "key value" is all key); the
// value may go on over the next line after a '\' that ends its line.
// Lines end at "\n", "\r\n" or "\r".
//
// Thread-safety: a pure function.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace relinkd {

struct OddLine {
  int line = 0;
  std::string key;    // what Poco made the key of it (the line, trimmed, when it has no separator)
  bool noKey = false;  // it starts with '=' or ':'; else it has neither
};

struct PropertyLines {
  std::map<std::string, int> lineOf;  // key (trimmed, as Poco keeps it) -> the line it is last set on
  std::vector<OddLine> odd;           // the lines that are not key = value
};

PropertyLines scanPropertyLines(const std::string& text);

}  // namespace relinkd
