// The field readers that job files and plan files share.
#include "SpecFields.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace relinkd {


namespace {

std::string lowerAscii(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string unknownFieldProblem(const std::string& name, const std::vector<const char*>& knownFields) {
  for (const char* known : knownFields) {
    if (lowerAscii(name) == lowerAscii(known)) {
      return std::string("unknown field; did you mean ") + known + "? (field names are case-sensitive)";
    }
  }
  std::string problem = "unknown field; known fields are ";
  for (const char* known : knownFields) {
    problem += std::string(known == knownFields.front() ? "" : ", ") + known;
  }
  return problem;
}

}  // namespace

// A field name from the file, made safe to print: short, and only
// characters that cannot disturb a terminal or a log line.
std::string safeFieldName(const std::string& name) {
  constexpr std::size_t kShown = 40;
  std::string out;
  for (unsigned char c : name.substr(0, kShown)) {
    out += (std::isalnum(c) || std::strchr(" _.-$@:/", c)) && c != '\0' ? static_cast<char>(c) : '?';
  }
  if (name.size() > kShown) out += "...";
  return out.empty() ? "\"\"" : out;
}

std::vector<std::string> FieldReader::unknownFields() const {
  std::vector<std::string> names;
  for (const auto& entry : object_) {
    if (std::find_if(known_.begin(), known_.end(), [&](const char* k) { return entry.first == k; }) ==
        known_.end()) {
      names.push_back(entry.first);
    }
  }
  return names;
}

void reportUnknownFields(FieldReader& reader) {
  constexpr std::size_t kMaxUnknownReported = 10;
  const std::vector<std::string> unknown = reader.unknownFields();
  for (std::size_t i = 0; i < unknown.size() && i < kMaxUnknownReported; ++i) {
    reader.add(safeFieldName(unknown[i]), unknownFieldProblem(unknown[i], reader.knownFields()));
  }
  if (unknown.size() > kMaxUnknownReported) {
    reader.add("file", "has " + std::to_string(unknown.size() - kMaxUnknownReported) +
                           " more unknown fields");
  }
}

// Empty when text is an acceptable URL for the field.
std::string urlProblem(const std::string& text, bool allowHttp) {
  const std::string want =
      allowHttp ? "must be an absolute http or https URL" : "must be an absolute https URL";
  for (unsigned char c : text) {
    if (c <= 0x20 || c >= 0x7F) return want + " without spaces, control or non-ASCII characters";
  }
  const std::size_t start = text.find("://");
  if (start != std::string::npos) {
    const std::size_t end = text.find_first_of("/?#", start + 3);
    if (text.substr(start + 3, end - (start + 3)).find('@') != std::string::npos) {
      return "must not contain credentials (user@ or user:password@); relinkd uses the API token";
    }
  }
  try {
    const Poco::URI uri(text);
    const std::string scheme = uri.getScheme();  // Poco lower-cases it
    if (scheme != "https" && !(allowHttp && scheme == "http")) return want;
    if (uri.getHost().empty()) return want + " with a host, like https://example.atlassian.net";
  } catch (const Poco::Exception&) {
    return want;
  }
  return "";
}

std::optional<std::string> readUrl(FieldReader& reader, const char* name, bool required, bool allowHttp) {
  std::optional<std::string> text = reader.takeString(name, required);
  if (!text) return std::nullopt;
  const std::string problem = urlProblem(*text, allowHttp);
  if (problem.empty()) return text;
  reader.add(name, problem);
  return std::nullopt;
}

std::string siteIdProblem(const std::string& siteId, const char* whenEmpty) {
  constexpr std::size_t kMaxSiteIdLength = 128;
  if (siteId.empty()) return std::string("must not be empty; ") + whenEmpty;
  if (siteId.size() > kMaxSiteIdLength) return "must be at most 128 characters";
  if (siteId.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789._:-") != std::string::npos) {
    return "may contain only letters, digits, '.', '_', ':' and '-'";
  }
  return "";
}

void readSiteId(FieldReader& reader, JobSpec& spec) {
  std::optional<std::string> siteId = reader.takeString("siteId", false);
  if (!siteId) return;
  const std::string problem = siteIdProblem(*siteId, "leave it out to discover it from productURL");
  if (problem.empty()) spec.siteId = *siteId;
  else reader.add("siteId", problem);
}

void readProduct(FieldReader& reader, JobSpec& spec) {
  std::optional<std::string> product = reader.takeString("product", false);
  if (!product) return;
  const std::string lower = lowerAscii(*product);
  if (lower == "jira" || lower == "confluence") {
    spec.product = lower;
  } else {
    reader.add("product", "must be \"jira\" or \"confluence\"");
  }
}

void readFlag(FieldReader& reader, const char* name, const JobSpec& spec, bool& flag) {
  std::optional<Var> value = reader.take(name, false);
  if (!value) return;
  std::optional<bool> parsed;
  if (value->type() == typeid(bool)) parsed = value->extract<bool>();
  else if (value->type() == typeid(std::string) && value->extract<std::string>() == "true") parsed = true;
  else if (value->type() == typeid(std::string) && value->extract<std::string>() == "false") parsed = false;
  if (!parsed) {
    reader.add(name, "must be true or false (a JSON boolean, or the string \"true\" or \"false\")");
  } else if (*parsed && spec.product == "confluence") {
    reader.add(name, "is only supported for jira, and product is confluence");
  } else {
    flag = *parsed;
  }
}

std::string siteOf(const std::string& url) {
  try {
    const Poco::URI uri(url);
    std::string host = lowerAscii(uri.getHost());
    if (!host.empty() && host.back() == '.') host.pop_back();  // acme.atlassian.net. is acme.atlassian.net
    if (host.empty()) return "";
    return host + ":" + std::to_string(uri.getPort());  // getPort: 443 for https
  } catch (const Poco::Exception&) {
    return "";
  }
}

bool sameSite(const std::string& a, const std::string& b) {
  const std::string site = siteOf(a);
  return !site.empty() && site == siteOf(b);
}

// Returns whether the window's start is known: migratedAt is valid or absent.
bool readMigratedAt(FieldReader& reader, JobSpec& spec, const Window* window) {
  const std::size_t before = reader.problemCount();
  std::optional<std::string> text = reader.takeString("migratedAt", false);
  if (text) {
    spec.migratedAt = parseTime(*text, true);
    if (!spec.migratedAt) {
      reader.add("migratedAt",
                 "must be an RFC 3339 date-time with a time zone, like 2026-11-20T18:00:00Z, "
                 "or a date, like 2026-11-20");
    } else if (window && *spec.migratedAt > window->now + kMigratedAtSkewMs) {
      reader.add("migratedAt", formatTime(*spec.migratedAt) +
                                   " is more than 1 h in the future; it says when the migration finished, "
                                   "so the migration must have finished (1 h is allowed for clock skew)");
    }
  } else if (spec.recreateAsRemote && reader.problemCount() == before) {
    reader.add("migratedAt",
               "is required when recreateAsRemote is true: links can only be recreated within "
               "the window that starts when the migration finished");
  }
  return reader.problemCount() == before;
}

TimeMs windowClose(const JobSpec& spec, const Window& window) {
  return (spec.migratedAt ? *spec.migratedAt : window.acceptedAt) + window.windowMs;
}

// window is null when the deadline cannot (or need not) be compared with it.
void readDeadline(FieldReader& reader, JobSpec& spec, const Window* window) {
  std::optional<std::string> text = reader.takeString("deadline", false);
  if (!text) return;
  spec.deadline = parseTime(*text, false);
  if (!spec.deadline) {
    reader.add("deadline", "must be an RFC 3339 date-time with a time zone, like 2026-12-01T00:00:00Z");
  } else if (window && *spec.deadline > windowClose(spec, *window)) {
    reader.add("deadline", "is after the migration window closes (" +
                               formatTime(windowClose(spec, *window)) + "); set it earlier or remove it");
  }
}

}  // namespace relinkd
