// Text made safe for HTML: the status page (GET /) and the report
// (relinkctl report --format=html, GET /report) show job names, errors and
// the API's answers, all of them hostile input, through this one function.
//
// Thread-safety: pure functions on values.
#pragma once

#include <string>

namespace relinkd {

// Text made safe for HTML element content and quoted attribute values:
// & < > " ' become character references.
std::string escapeHtml(const std::string& text);

}  // namespace relinkd
