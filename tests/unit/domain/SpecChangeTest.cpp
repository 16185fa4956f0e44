// compareSpecs: which changes of a spec only move the window.
#include <doctest/doctest.h>

#include "relinkd/domain/SpecChange.h"

namespace relinkd {
namespace {

JobSpec base() {
  JobSpec spec;
  spec.siteId = "site-a";
  spec.productUrl = "https://acme-eu.atlassian.net";
  spec.destinationUrl = "https://acme-us.atlassian.net";
  spec.migratedFrom = "https://jira.acme.example";
  spec.recreateAsRemote = true;
  spec.migratedAt = 1764000000000;
  return spec;
}

using Fields = std::vector<std::string>;

}  // namespace

TEST_CASE("SpecChange: equal specs are the same") {
  const SpecChange change = compareSpecs(base(), base());
  CHECK(change.kind == SpecChangeKind::kSame);
  CHECK(change.fields.empty());
  CHECK(std::string(specChangeKindName(change.kind)) == "same");
}

TEST_CASE("SpecChange: migratedAt and deadline only move the window") {
  JobSpec after = base();
  after.migratedAt = *after.migratedAt + 3600 * 1000;
  CHECK(compareSpecs(base(), after).kind == SpecChangeKind::kWindowOnly);
  CHECK(compareSpecs(base(), after).fields == Fields{"migratedAt"});
  after.deadline = *after.migratedAt + 7200 * 1000;
  const SpecChange both = compareSpecs(base(), after);
  CHECK(both.kind == SpecChangeKind::kWindowOnly);
  CHECK(both.fields == Fields{"migratedAt", "deadline"});
  CHECK(std::string(specChangeKindName(both.kind)) == "window-only");
  JobSpec noMigratedAt = base();
  noMigratedAt.migratedAt.reset();
  CHECK(compareSpecs(base(), noMigratedAt).kind == SpecChangeKind::kWindowOnly);
}

TEST_CASE("SpecChange: every field of the request, and the site id, is a restart, listed in field order") {
  struct Row {
    const char* field;
    void (*change)(JobSpec&);
  };
  const Row rows[] = {
      {"siteId", [](JobSpec& s) { s.siteId = "site-b"; }},
      {"product", [](JobSpec& s) { s.product = "confluence"; }},
      {"productURL", [](JobSpec& s) { s.productUrl = "https://other.atlassian.net"; }},
      {"destinationURL", [](JobSpec& s) { s.destinationUrl = "https://other.atlassian.net"; }},
      {"migratedFrom", [](JobSpec& s) { s.migratedFrom = "https://jira2.acme.example"; }},
      {"migratedFromOverride", [](JobSpec& s) { s.migratedFromOverride = "https://jira.acme.example"; }},
      {"recreateAsRemote", [](JobSpec& s) { s.recreateAsRemote = false; }},
      {"createBackup", [](JobSpec& s) { s.createBackup = true; }},
  };
  for (const Row& row : rows) {
    CAPTURE(row.field);
    JobSpec after = base();
    row.change(after);
    const SpecChange change = compareSpecs(base(), after);
    CHECK(change.kind == SpecChangeKind::kRestart);
    CHECK(change.fields == Fields{row.field});
  }
  JobSpec after = base();
  after.createBackup = true;
  after.deadline = 1764000000000 + 1000;
  after.siteId = "site-b";
  const SpecChange change = compareSpecs(base(), after);
  CHECK(change.kind == SpecChangeKind::kRestart);
  CHECK(change.fields == Fields{"siteId", "createBackup", "deadline"});
  CHECK(std::string(specChangeKindName(change.kind)) == "restart");
}

TEST_CASE("SpecChange: fields joined as an operator reads them") {
  CHECK(joinFields({}).empty());
  CHECK(joinFields({"siteId"}) == "siteId");
  CHECK(joinFields({"destinationURL", "createBackup"}) == "destinationURL and createBackup");
  CHECK(joinFields({"siteId", "migratedFrom", "createBackup"}) == "siteId, migratedFrom and createBackup");
}

TEST_CASE("SpecChange: a derived job's fields in the plan's names") {
  CHECK(planFields({"siteId", "createBackup"}) == Fields{"siteIds", "createBackup"});
  CHECK(planFields({"productURL", "destinationURL", "migratedAt"}) == Fields{"sites", "migratedAt"});
  CHECK(planFields({"siteId", "destinationURL", "migratedFrom", "migratedFromOverride", "deadline"}) ==
        Fields{"siteIds", "sites", "migratedFrom", "migratedFromOverride", "deadline"});
}

}  // namespace relinkd
