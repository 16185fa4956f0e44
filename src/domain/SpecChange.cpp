#include "relinkd/domain/SpecChange.h"

#include <algorithm>

namespace relinkd {

SpecChange compareSpecs(const JobSpec& before, const JobSpec& after) {
  SpecChange change;
  bool restart = false;
  auto differs = [&](const char* field, bool different, bool window) {
    if (!different) return;
    change.fields.emplace_back(field);
    restart = restart || !window;
  };
  differs("siteId", before.siteId != after.siteId, false);
  differs("product", before.product != after.product, false);
  differs("productURL", before.productUrl != after.productUrl, false);
  differs("destinationURL", before.destinationUrl != after.destinationUrl, false);
  differs("migratedFrom", before.migratedFrom != after.migratedFrom, false);
  differs("migratedFromOverride", before.migratedFromOverride != after.migratedFromOverride, false);
  differs("recreateAsRemote", before.recreateAsRemote != after.recreateAsRemote, false);
  differs("createBackup", before.createBackup != after.createBackup, false);
  differs("migratedAt", before.migratedAt != after.migratedAt, true);
  differs("deadline", before.deadline != after.deadline, true);
  change.kind = restart                 ? SpecChangeKind::kRestart
                : change.fields.empty() ? SpecChangeKind::kSame
                                        : SpecChangeKind::kWindowOnly;
  return change;
}

const char* specChangeKindName(SpecChangeKind kind) {
  switch (kind) {
    case SpecChangeKind::kSame: return "same";
    case SpecChangeKind::kWindowOnly: return "window-only";
    case SpecChangeKind::kRestart: return "restart";
  }
  return "restart";
}

std::string joinFields(const std::vector<std::string>& fields) {
  std::string text;
  for (std::size_t i = 0; i < fields.size(); ++i)
    text += (i == 0 ? "" : i + 1 == fields.size() ? " and " : ", ") + fields[i];
  return text;
}

std::vector<std::string> planFields(const std::vector<std::string>& jobFields) {
  std::vector<std::string> fields;
  for (const std::string& field : jobFields) {
    const std::string name = field == "siteId"                                         ? "siteIds"
                             : field == "productURL" || field == "destinationURL" ? "sites"
                                                                                    : field;
    if (std::find(fields.begin(), fields.end(), name) == fields.end()) fields.push_back(name);
  }
  return fields;
}

}  // namespace relinkd
