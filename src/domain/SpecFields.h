// The field readers that job files and plan files share: each reads one
// field of a parsed object in the order of the rules, adds a problem that
// names the field when the value is wrong, and never echoes file content.
//
// Thread-safety: a FieldReader is used by one thread; the rest are free functions.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "JsonText.h"
#include "relinkd/domain/JobSpec.h"

namespace relinkd {

using Poco::Dynamic::Var;
using Poco::JSON::Object;

// Reads the fields of one object in rule order, collecting problems.
class FieldReader {
 public:
  // knownFields: every field the file may have, in the order of the rules.
  FieldReader(const ParsedFile& file, std::vector<const char*> knownFields, std::vector<FieldProblem>& problems)
      : object_(*file.object), duplicates_(file.duplicates), known_(std::move(knownFields)), problems_(problems) {}

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

  // The fields of the object that are not known, in the object's order.
  std::vector<std::string> unknownFields() const;
  const std::vector<const char*>& knownFields() const { return known_; }

 private:
  const Object& object_;
  const std::set<std::string>& duplicates_;
  const std::vector<const char*> known_;
  std::vector<FieldProblem>& problems_;
};

// A name or value from the file, made safe to print: short, and only
// characters that cannot disturb a terminal or a log line.
std::string safeFieldName(const std::string& name);
// Problems for every unknown field (at most 10, then a count).
void reportUnknownFields(FieldReader& reader);
// Empty when text is an acceptable URL (https; http too when allowHttp).
std::string urlProblem(const std::string& text, bool allowHttp);
std::optional<std::string> readUrl(FieldReader& reader, const char* name, bool required, bool allowHttp);
// Empty when siteId is a usable site id; whenEmpty says what to do instead.
std::string siteIdProblem(const std::string& siteId, const char* whenEmpty);
void readSiteId(FieldReader& reader, JobSpec& spec);
void readProduct(FieldReader& reader, JobSpec& spec);
// A boolean (or "true"/"false"); not allowed to be true for Confluence.
void readFlag(FieldReader& reader, const char* name, const JobSpec& spec, bool& flag);
// A site as the same-site rules see it: its host in lower case and its
// port (443 when an https URL gives none), "acme.atlassian.net:443"; the
// path does not count. Empty when url is not a URL.
std::string siteOf(const std::string& url);
// Whether two URLs name the same site by siteOf.
bool sameSite(const std::string& a, const std::string& b);

// How far ahead of the clock migratedAt may be: the migration has finished,
// but the clock of the one who wrote the time may be a little ahead.
inline constexpr std::int64_t kMigratedAtSkewMs = 3600 * 1000;

struct Window {
  std::int64_t windowMs;
  TimeMs acceptedAt;
  TimeMs now;  // the current time, for migratedAt's kMigratedAtSkewMs
};

// Returns whether the window's start is known: migratedAt is valid or
// absent. window is null when migratedAt need not be compared with the
// clock (a spec relinkd accepted before).
bool readMigratedAt(FieldReader& reader, JobSpec& spec, const Window* window);
TimeMs windowClose(const JobSpec& spec, const Window& window);
// window is null when the deadline cannot (or need not) be compared with it.
void readDeadline(FieldReader& reader, JobSpec& spec, const Window* window);

}  // namespace relinkd
