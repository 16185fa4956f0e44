#include "Table.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace relinkd::ctl {

namespace {

bool isContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

Table::Table(std::vector<std::string> headers) { rows_.push_back(std::move(headers)); }

void Table::addRow(std::vector<std::string> cells) {
  cells.resize(rows_.front().size());
  rows_.push_back(std::move(cells));
}

std::vector<std::size_t> Table::widths() const {
  const std::size_t columns = rows_.front().size();
  std::vector<std::size_t> widths(columns, 0);
  for (const auto& row : rows_) {
    for (std::size_t i = 0; i < columns; ++i) widths[i] = std::max(widths[i], displayWidth(row[i]));
  }
  return widths;
}

void Table::fitLastColumn(std::size_t lineWidth, std::size_t minChars) {
  const std::vector<std::size_t> widths = this->widths();
  std::size_t before = 0;
  for (std::size_t i = 0; i + 1 < widths.size(); ++i) before += widths[i] + 2;
  const std::size_t room = std::max(minChars, lineWidth > before ? lineWidth - before : 0);
  for (std::size_t r = 1; r < rows_.size(); ++r) rows_[r].back() = shorten(rows_[r].back(), room);
}

void Table::print(std::ostream& out) const {
  const std::size_t columns = rows_.front().size();
  const std::vector<std::size_t> widths = this->widths();
  for (const auto& row : rows_) {
    std::string line;
    for (std::size_t i = 0; i < columns; ++i) {
      line += row[i];
      if (i + 1 < columns) line.append(widths[i] - displayWidth(row[i]) + 2, ' ');
    }
    out << line << "\n";
  }
}

std::string oneLine(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) c = ' ';
  }
  return out;
}

std::string shorten(const std::string& text, std::size_t maxChars) {
  if (displayWidth(text) <= maxChars) return text;
  const std::size_t keep = maxChars > 3 ? maxChars - 3 : 0;
  std::size_t chars = 0;
  std::size_t end = 0;
  while (end < text.size()) {
    if (!isContinuationByte(text[end]) && chars++ == keep) break;
    ++end;
  }
  return text.substr(0, end) + "...";
}

std::optional<std::size_t> outputColumns() {
  struct winsize size {};
  if (::isatty(STDOUT_FILENO) == 1 && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
    return size.ws_col;
  const char* columns = std::getenv("COLUMNS");
  if (columns == nullptr) return std::nullopt;
  char* end = nullptr;
  const long n = std::strtol(columns, &end, 10);
  if (end == columns || *end != '\0' || n <= 0) return std::nullopt;
  return static_cast<std::size_t>(n);
}

std::size_t displayWidth(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !isContinuationByte(c); }));
}

}  // namespace relinkd::ctl
