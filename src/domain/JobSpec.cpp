#include "relinkd/domain/JobSpec.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <set>

#include "JsonText.h"
#include "SpecFields.h"

namespace relinkd {
namespace {

// In the order of the rules, which is the order problems are reported in.
const std::vector<const char*> kJobFields = {
    "siteId",       "product",          "productURL",   "destinationURL", "migratedFrom",
    "migratedFromOverride", "recreateAsRemote", "createBackup", "migratedAt", "deadline"};

void readUrls(FieldReader& reader, JobSpec& spec) {
  if (auto url = readUrl(reader, "productURL", true, false)) spec.productUrl = *url;
  if (auto url = readUrl(reader, "destinationURL", true, false)) spec.destinationUrl = *url;
  if (auto url = readUrl(reader, "migratedFrom", true, true)) spec.migratedFrom = *url;
  spec.migratedFromOverride = readUrl(reader, "migratedFromOverride", false, true);
}

// Links recreated as remote links on the site that holds them would point
// at themselves. Not for a spec relinkd accepted before (window null): what
// is stored stays readable.
void checkDistinctSites(FieldReader& reader, const JobSpec& spec, const Window* window) {
  if (!window || !spec.recreateAsRemote || !sameSite(spec.productUrl, spec.destinationUrl)) return;
  reader.add("destinationURL", "names the same site as productURL (" + siteOf(spec.destinationUrl) +
                                   "); with recreateAsRemote the links would point at the site that holds them: "
                                   "destinationURL must be another site");
}

SpecResult validate(std::string_view bytes, const Window* window) {
  SpecResult result;
  std::optional<ParsedFile> file = parseObject(bytes, result.problems);
  if (!file) return result;
  FieldReader reader(*file, kJobFields, result.problems);
  JobSpec spec;
  readSiteId(reader, spec);
  readProduct(reader, spec);
  readUrls(reader, spec);
  readFlag(reader, "recreateAsRemote", spec, spec.recreateAsRemote);
  readFlag(reader, "createBackup", spec, spec.createBackup);
  checkDistinctSites(reader, spec, window);
  const bool startKnown = readMigratedAt(reader, spec, window);
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

std::string SpecResult::message() const { return problemsMessage(problems); }

std::string problemsMessage(const std::vector<FieldProblem>& problems) {
  std::string out;
  for (const FieldProblem& p : problems) {
    if (!out.empty()) out += "; ";
    out += p.field + ": " + p.problem;
  }
  return out;
}

SpecResult parseJobSpec(std::string_view bytes, std::int64_t windowMs, TimeMs acceptedAt, TimeMs now) {
  const Window window{windowMs, acceptedAt, now};
  return validate(bytes, &window);
}

TimeMs jobDeadline(const JobSpec& spec, std::int64_t windowMs, TimeMs acceptedAt) {
  const TimeMs close = windowClose(spec, Window{windowMs, acceptedAt, acceptedAt});
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

std::string jobNameOf(const std::string& fileName) { return std::string(jobNameIn(fileName)); }

std::string_view jobNameIn(std::string_view fileName) {
  constexpr std::string_view kSuffix = ".json";
  const bool json = fileName.size() >= kSuffix.size() && fileName.substr(fileName.size() - kSuffix.size()) == kSuffix;
  return json ? fileName.substr(0, fileName.size() - kSuffix.size()) : fileName;
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
