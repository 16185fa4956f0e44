// Plain-text tables for relinkctl's human output: columns padded to the
// widest cell (counted in UTF-8 characters), two spaces apart, the last
// column left ragged.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace relinkd::ctl {

class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void addRow(std::vector<std::string> cells);  // as many cells as headers
  void print(std::ostream& out) const;
  bool empty() const { return rows_.empty(); }
  // Shortens the last column's cells (not the header) so that each line
  // fits in lineWidth characters, but keeps at least minChars of each.
  void fitLastColumn(std::size_t lineWidth, std::size_t minChars);

 private:
  std::vector<std::size_t> widths() const;  // of each column, the widest cell
  std::vector<std::vector<std::string>> rows_;  // the headers first
};

// The text on one line: control characters (newlines, tabs, escapes)
// become spaces, so that nothing from the database can garble a terminal.
std::string oneLine(const std::string& text);

// At most maxChars UTF-8 characters, ending in "..." when cut.
std::string shorten(const std::string& text, std::size_t maxChars);

// The columns of the terminal standard output goes to, else $COLUMNS;
// nullopt when neither says (output to a pipe or a file).
std::optional<std::size_t> outputColumns();

// Number of UTF-8 characters (code points) in text.
std::size_t displayWidth(const std::string& text);

}  // namespace relinkd::ctl
