// Where a JSON text breaks the grammar of RFC 8259, for a message that
// names the line and the column: Poco's parser says what it expected, but
// not where. One pass, no recursion and no allocation per byte, so any
// input (deep, binary, 64 KiB of garbage) is judged in linear time.
//
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace relinkd {

struct JsonSyntaxError {
  std::size_t line = 1;    // 1-based
  std::size_t column = 1;  // 1-based, in characters (UTF-8 code points), a tab is one
  std::string what;        // what is wrong there, in words; never the file's content
};

// The first syntax error of text, or nullopt when text is one JSON value
// (of any type) with nothing but white space around it.
std::optional<JsonSyntaxError> findJsonSyntaxError(std::string_view text);

}  // namespace relinkd
