// The command line of relinkd-fakeapi (see PROTOCOL.md, "Command line").
//
// Thread-safety: parseOptions is called once, from main, before any thread.
#pragma once

#include "FakeState.h"

#include <cstdint>
#include <string>

namespace relinkd::fakeapi {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = let the system pick a free port
  std::string tlsCert;     // both set = HTTPS, both empty = HTTP
  std::string tlsKey;
  std::string portFile;
  bool logRequests = false;
  bool help = false;
  Settings settings;       // the start-up settings
};

extern const char* const kUsage;

// Fills options from argv. Returns "" on success, else a message naming the
// option at fault (the token file is read here, so an unreadable one too).
std::string parseOptions(int argc, char** argv, Options& options);

}  // namespace relinkd::fakeapi
