// libFuzzer: an API answer (status line, headers, body) through every
// reader of the links API: submit, status, tenant_info, error messages,
// Retry-After and X-RateLimit-Reset. Input: "STATUS\nName: value\n...\n\nBODY".
#include <cstdint>
#include <string>

#include "relinkd/policy/LinksApi.h"
#include "relinkd/policy/Outcome.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  relinkd::HttpResult result;
  const std::size_t blank = input.find("\n\n");
  const std::string head = input.substr(0, blank);
  result.response.body = blank == std::string::npos ? "" : input.substr(blank + 2);
  std::size_t start = 0;
  bool first = true;
  while (start <= head.size()) {
    const std::size_t end = std::min(head.find('\n', start), head.size());
    const std::string line = head.substr(start, end - start);
    if (first) {
      result.response.status = std::atoi(line.c_str()) % 1000;
      first = false;
    } else if (const std::size_t colon = line.find(':'); colon != std::string::npos) {
      const std::size_t value = line.find_first_not_of(' ', colon + 1);  // as Poco hands them over
      result.response.headers.emplace_back(line.substr(0, colon),
                                           value == std::string::npos ? "" : line.substr(value));
    }
    start = end + 1;
  }
  const relinkd::TimeMs now = 1764000000000;
  (void)relinkd::readSubmitAnswer(result, now);
  (void)relinkd::readStatusAnswer(result, now);
  (void)relinkd::readTenantInfoAnswer(result, now);
  (void)relinkd::errorMessageOf(result.response.body);
  (void)relinkd::parseRetryAfter(result.response.header("Retry-After"), now);
  (void)relinkd::redactCredentials(result.response.body, relinkd::Credentials{"ops@example.com", "tok"});
  return 0;
}
