// Decodes an HTTP/1.1 chunked body (RFC 9112 section 7.1) fed in pieces, and
// says whether its end was reached. PocoTransport reads chunked bodies with
// it because Poco 1.11's chunked stream reports a connection closed in the
// middle of a body as a normal end of body.
//
// Thread-safety: none; one decoder per response.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace relinkd {

class ChunkedDecoder {
 public:
  // Appends the data carried by bytes to body. Returns how many bytes were
  // consumed: all of them, unless the body ended (done()) or is malformed.
  std::size_t feed(const char* bytes, std::size_t size, std::string& body);

  bool done() const { return state_ == State::kDone; }
  bool malformed() const { return state_ == State::kMalformed; }

 private:
  enum class State { kSize, kData, kDataEnd, kTrailer, kDone, kMalformed };
  static constexpr std::size_t kMaxLine = 8192;
  static constexpr std::size_t kMaxSizeDigits = 15;  // keeps the size within 60 bits

  // A complete line (without its CR LF) in the state it ends.
  void endLine();
  // "size[;extensions]": a size of 0 ends the data and starts the trailer.
  void startChunk();

  State state_ = State::kSize;
  std::string line_;
  std::uint64_t remaining_ = 0;
};

}  // namespace relinkd
