#include "ChunkedDecoder.h"

#include <algorithm>
#include <cctype>

namespace relinkd {

std::size_t ChunkedDecoder::feed(const char* bytes, std::size_t size, std::string& body) {
  std::size_t used = 0;
  while (used < size && state_ != State::kDone && state_ != State::kMalformed) {
    if (state_ == State::kData) {
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, size - used));
      body.append(bytes + used, n);
      used += n;
      remaining_ -= n;
      if (remaining_ == 0) state_ = State::kDataEnd;
      continue;
    }
    const char c = bytes[used++];
    if (c != '\n') {
      if (line_.size() >= kMaxLine) state_ = State::kMalformed;
      line_ += c;
      continue;
    }
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    endLine();
    line_.clear();
  }
  return used;
}

void ChunkedDecoder::endLine() {
  switch (state_) {
    case State::kSize: startChunk(); break;
    case State::kDataEnd: state_ = line_.empty() ? State::kSize : State::kMalformed; break;
    case State::kTrailer: if (line_.empty()) state_ = State::kDone; break;  // fields ignored
    default: break;
  }
}

void ChunkedDecoder::startChunk() {
  std::size_t i = 0;
  std::uint64_t size = 0;
  for (; i < line_.size() && std::isxdigit(static_cast<unsigned char>(line_[i])); ++i) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(line_[i])));
    size = size * 16 + static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  const std::size_t end = line_.find_first_not_of(" \t", i);
  if (i == 0 || i > kMaxSizeDigits || (end != std::string::npos && line_[end] != ';')) {
    state_ = State::kMalformed;
    return;
  }
  remaining_ = size;
  state_ = size == 0 ? State::kTrailer : State::kData;
}

}  // namespace relinkd
