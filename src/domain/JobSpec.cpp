#include "relinkd/JobSpec.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <set>

#include "JsonText.h"

namespace relinkd {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Object;

constexpr std::size_t kMaxSiteIdLength = 128;
constexpr std::size_t kMaxUnknownReported = 10;
// In the order of the rules, which is the order problems are reported in.
constexpr const char* kKnownFields[] = {
    "siteId",       "product",          "productURL",   "destinationURL", "migratedFrom",
    "migratedFromOverride", "recreateAsRemote", "createBackup", "migratedAt", "deadline"};


// Reads the fields of one object in rule order, collecting problems.
class FieldReader {
 public:
  FieldReader(const ParsedFile& file, std::vector<FieldProblem>& problems)
      : object_(*file.object), duplicates_(file.duplicates), problems_(problems) {}

  void add(const std::string& field, const std::string& problem) { problems_.push_back({field, problem}); }
  std::size_t problemCount() const { return problems_.size(); }

  // The field's value; nullopt when absent (a problem if required) or duplicated.
  std::optional<Var> take(const char* name, bool required) {
    if (duplicates_.count(name)) {
      add(name, "appears more than once; keep exactly one");
      return std::nullopt;
    }
    if (!object_.has(name)) {
      if (required) add(name, "is required");
      return std::nullopt;
    }
    return object_.get(name);
  }

  std::optional<std::string> takeString(const char* name, bool required) {
    std::optional<Var> value = take(name, required);
    if (!value) return std::nullopt;
    if (value->type() != typeid(std::string)) {
      add(name, "must be a string");
      return std::nullopt;
    }
    return value->extract<std::string>();
  }

  std::vector<std::string> unknownFields() const {
    std::vector<std::string> names;
    for (const auto& entry : object_) {
      const auto* end = std::end(kKnownFields);
      if (std::find_if(std::begin(kKnownFields), end,
                       [&](const char* k) { return entry.first == k; }) == end) {
        names.push_back(entry.first);
      }
    }
    return names;
  }

 private:
  const Object& object_;
  const std::set<std::string>& duplicates_;
  std::vector<FieldProblem>& problems_;
};

std::string lowerAscii(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A field name from the file, made safe to print: short, and only
// characters that cannot disturb a terminal or a log line.
std::string safeFieldName(const std::string& name) {
  constexpr std::size_t kShown = 40;
  std::string out;
  for (unsigned char c : name.substr(0, kShown)) {
    out += (std::isalnum(c) || std::strchr(" _.-$@", c)) && c != '\0' ? static_cast<char>(c) : '?';
  }
  if (name.size() > kShown) out += "...";
  return out.empty() ? "\"\"" : out;
}

std::string unknownFieldProblem(const std::string& name) {
  for (const char* known : kKnownFields) {
    if (lowerAscii(name) == lowerAscii(known)) {
      return std::string("unknown field; did you mean ") + known + "? (field names are case-sensitive)";
    }
  }
  std::string problem = "unknown field; known fields are ";
  for (const char* known : kKnownFields) {
    problem += std::string(known == kKnownFields[0] ? "" : ", ") + known;
  }
  return problem;
}

void reportUnknownFields(FieldReader& reader) {
  const std::vector<std::string> unknown = reader.unknownFields();
  for (std::size_t i = 0; i < unknown.size() && i < kMaxUnknownReported; ++i) {
    reader.add(safeFieldName(unknown[i]), unknownFieldProblem(unknown[i]));
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

void readSiteId(FieldReader& reader, JobSpec& spec) {
  std::optional<std::string> siteId = reader.takeString("siteId", false);
  if (!siteId) return;
  if (siteId->empty()) {
    reader.add("siteId", "must not be empty; leave it out to discover it from productURL");
  } else if (siteId->size() > kMaxSiteIdLength) {
    reader.add("siteId", "must be at most 128 characters");
  } else if (siteId->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                       "0123456789._:-") != std::string::npos) {
    reader.add("siteId", "may contain only letters, digits, '.', '_', ':' and '-'");
  } else {
    spec.siteId = *siteId;
  }
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

// Returns whether the window's start is known: migratedAt is valid or absent.
bool readMigratedAt(FieldReader& reader, JobSpec& spec) {
  const std::size_t before = reader.problemCount();
  std::optional<std::string> text = reader.takeString("migratedAt", false);
  if (text) {
    spec.migratedAt = parseTime(*text, true);
    if (!spec.migratedAt) {
      reader.add("migratedAt",
                 "must be an RFC 3339 date-time with a time zone, like 2026-11-20T18:00:00Z, "
                 "or a date, like 2026-11-20");
    }
  } else if (spec.recreateAsRemote && reader.problemCount() == before) {
    reader.add("migratedAt",
               "is required when recreateAsRemote is true: links can only be recreated within "
               "the window that starts when the migration finished");
  }
  return reader.problemCount() == before;
}

struct Window {
  std::int64_t windowMs;
  TimeMs acceptedAt;
};

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

void readUrls(FieldReader& reader, JobSpec& spec) {
  if (auto url = readUrl(reader, "productURL", true, false)) spec.productUrl = *url;
  if (auto url = readUrl(reader, "destinationURL", true, false)) spec.destinationUrl = *url;
  if (auto url = readUrl(reader, "migratedFrom", true, true)) spec.migratedFrom = *url;
  spec.migratedFromOverride = readUrl(reader, "migratedFromOverride", false, true);
}

SpecResult validate(std::string_view bytes, const Window* window) {
  SpecResult result;
  std::optional<ParsedFile> file = parseObject(bytes, result.problems);
  if (!file) return result;
  FieldReader reader(*file, result.problems);
  JobSpec spec;
  readSiteId(reader, spec);
  readProduct(reader, spec);
  readUrls(reader, spec);
  readFlag(reader, "recreateAsRemote", spec, spec.recreateAsRemote);
  readFlag(reader, "createBackup", spec, spec.createBackup);
  const bool startKnown = readMigratedAt(reader, spec);
  readDeadline(reader, spec, startKnown ? window : nullptr);
  reportUnknownFields(reader);
  if (result.problems.empty()) result.spec = spec;
  return result;
}


void addBodyFields(JsonObjectWriter& writer, const JobSpec& spec) {
  writer.add("product", spec.product);
  writer.add("productURL", spec.productUrl);
  writer.add("destinationURL", spec.destinationUrl);
  writer.add("migratedFrom", spec.migratedFrom);
  if (spec.migratedFromOverride) writer.add("migratedFromOverride", *spec.migratedFromOverride);
  writer.add("recreateAsRemote", spec.recreateAsRemote);
  writer.add("createBackup", spec.createBackup);
}

bool endsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string SpecResult::message() const {
  std::string out;
  for (const FieldProblem& p : problems) {
    if (!out.empty()) out += "; ";
    out += p.field + ": " + p.problem;
  }
  return out;
}

SpecResult parseJobSpec(std::string_view bytes, std::int64_t windowMs, TimeMs acceptedAt) {
  const Window window{windowMs, acceptedAt};
  return validate(bytes, &window);
}

TimeMs jobDeadline(const JobSpec& spec, std::int64_t windowMs, TimeMs acceptedAt) {
  const TimeMs close = windowClose(spec, Window{windowMs, acceptedAt});
  return spec.deadline ? std::min(*spec.deadline, close) : close;
}

std::string requestBody(const JobSpec& spec) {
  JsonObjectWriter writer;
  addBodyFields(writer, spec);
  return writer.finish();
}

std::string specToJson(const JobSpec& spec) {
  JsonObjectWriter writer;
  if (!spec.siteId.empty()) writer.add("siteId", spec.siteId);
  addBodyFields(writer, spec);
  if (spec.migratedAt) writer.add("migratedAt", formatTime(*spec.migratedAt));
  if (spec.deadline) writer.add("deadline", formatTime(*spec.deadline));
  return writer.finish();
}

std::optional<JobSpec> specFromJson(const std::string& json) {
  return validate(json, nullptr).spec;
}

bool isIgnoredName(const std::string& fileName) {
  return fileName.empty() || fileName[0] == '.' || endsWith(fileName, "~") ||
         endsWith(fileName, ".tmp") || endsWith(fileName, ".part") || endsWith(fileName, ".swp");
}

bool isJobFileName(const std::string& fileName) {
  return !isIgnoredName(fileName) && fileName.size() > 5 && endsWith(fileName, ".json");
}

std::string jobNameOf(const std::string& fileName) {
  return endsWith(fileName, ".json") ? fileName.substr(0, fileName.size() - 5) : fileName;
}

std::string jobFileName(const std::string& name) { return name + ".json"; }

std::string jobNameProblem(const std::string& name) {
  if (name.empty()) return "is empty";
  if (name.size() > kMaxJobNameLength) return "is longer than 128 characters";
  if (name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
      std::string::npos) {
    return "may contain only letters, digits, '.', '_' and '-'";
  }
  return "";
}

}  // namespace relinkd
