#include "FakeJson.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/String.h>

#include <set>

namespace relinkd::fakeapi {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

// Parses text; returns an empty Var (and sets error) when it is not JSON.
Var parseJson(const std::string& text, std::string& error) {
  try {
    return Poco::JSON::Parser().parse(text);
  } catch (const Poco::Exception& e) {
    error = "body is not valid JSON: " + e.displayText();
    return Var();
  }
}

Object::Ptr asObject(const Var& value) {
  if (value.type() != typeid(Object::Ptr)) return nullptr;
  return value.extract<Object::Ptr>();
}

Array::Ptr asArray(const Var& value) {
  if (value.type() != typeid(Array::Ptr)) return nullptr;
  return value.extract<Array::Ptr>();
}

void checkString(const Object& body, const std::string& key, bool required,
                 std::vector<std::string>& errors) {
  if (!body.has(key)) {
    if (required) errors.push_back(key + " is required");
    return;
  }
  Var value = body.get(key);
  if (!value.isString()) {
    errors.push_back(key + " must be a string");
  } else if (value.extract<std::string>().empty()) {
    errors.push_back(key + " must not be empty");
  }
}

void checkProduct(const Object& body, bool anyCase, std::vector<std::string>& errors) {
  if (!body.has("product") || !body.get("product").isString()) {
    checkString(body, "product", true, errors);
    return;
  }
  std::string product = body.get("product").extract<std::string>();
  if (anyCase) product = Poco::toLower(product);
  if (product != "jira" && product != "confluence") {
    errors.push_back(anyCase ? "product must be jira or confluence (any case)"
                             : "product must be jira or confluence (lower case)");
  }
}

// A non-empty array of non-empty strings, or nullopt.
std::optional<std::vector<std::string>> stringList(const Var& value) {
  Array::Ptr array = asArray(value);
  if (!array || array->size() == 0) return std::nullopt;
  std::vector<std::string> out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    Var item = array->get(static_cast<unsigned>(i));
    if (!item.isString() || item.extract<std::string>().empty()) return std::nullopt;
    out.push_back(item.extract<std::string>());
  }
  return out;
}

std::string applySiteScripts(const Var& value, Settings& settings) {
  const std::string shape = "siteScripts must map site ids to non-empty lists of non-empty status lists";
  Object::Ptr scripts = asObject(value);
  if (!scripts) return shape;
  std::map<std::string, std::vector<std::vector<std::string>>> result;
  for (const auto& [site, perSubmission] : *scripts) {
    Array::Ptr list = asArray(perSubmission);
    if (!list || list->size() == 0) return shape;
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto statuses = stringList(list->get(static_cast<unsigned>(i)));
      if (!statuses) return shape;
      result[site].push_back(*statuses);
    }
  }
  settings.siteScripts = std::move(result);
  return "";
}

// Sets target from a string value; "" on success.
std::string takeString(const Var& value, const std::string& key, std::string& target) {
  if (!value.isString()) return key + " must be a string";
  target = value.extract<std::string>();
  return "";
}

std::string takeChoice(const Var& value, const std::string& key, const std::string& yes,
                       const std::string& no, bool& target) {
  if (value.isString() && value.extract<std::string>() == yes) {
    target = true;
  } else if (value.isString() && value.extract<std::string>() == no) {
    target = false;
  } else {
    return key + " must be \"" + yes + "\" or \"" + no + "\"";
  }
  return "";
}

// tenants: {"host" or "/prefix": "cloudId"}; replaces the whole map.
std::string applyTenants(const Var& value, Settings& settings) {
  const std::string shape = "tenants must map host names or /path prefixes to non-empty cloud ids";
  Object::Ptr tenants = asObject(value);
  if (!tenants) return shape;
  std::map<std::string, std::string> result;
  for (const auto& [key, id] : *tenants) {
    if (key.empty() || !id.isString() || id.extract<std::string>().empty()) return shape;
    result[key] = id.extract<std::string>();
  }
  settings.tenants = std::move(result);
  return "";
}

// dateOffsetMs: an integer within a year either way.
std::string applyDateOffset(const Var& value, Settings& settings) {
  constexpr std::int64_t kYearMs = 366LL * 24 * 3600 * 1000;
  if (!value.isInteger()) return "dateOffsetMs must be an integer";
  const auto offset = value.convert<std::int64_t>();
  if (offset < -kYearMs || offset > kYearMs) return "dateOffsetMs must be within a year (ms) either way";
  settings.dateOffsetMs = offset;
  return "";
}

std::string applyConfigKey(const std::string& key, const Var& value, Settings& settings) {
  if (key == "email") return takeString(value, key, settings.email);
  if (key == "token") return takeString(value, key, settings.token);
  if (key == "cloudId") return takeString(value, key, settings.cloudId);
  if (key == "statusField") {
    std::string error = takeString(value, key, settings.statusField);
    return error.empty() && settings.statusField.empty() ? "statusField must not be empty" : error;
  }
  if (key == "statusCase") return takeChoice(value, key, "upper", "title", settings.statusUpper);
  if (key == "acceptProductCase") {
    return takeChoice(value, key, "any", "lower", settings.anyProductCase);
  }
  if (key == "siteScripts") return applySiteScripts(value, settings);
  if (key == "tenants") return applyTenants(value, settings);
  if (key == "dateOffsetMs") return applyDateOffset(value, settings);
  if (key == "statuses") {
    auto statuses = stringList(value);
    if (!statuses) return "statuses must be a non-empty list of non-empty strings";
    settings.statuses = *statuses;
    return "";
  }
  return "unknown setting: " + key;
}

std::optional<FaultAction> actionNamed(const std::string& name) {
  for (FaultAction action : {FaultAction::kStatus, FaultAction::kReset, FaultAction::kClose,
                             FaultAction::kStall, FaultAction::kTruncate}) {
    if (name == faultActionName(action)) return action;
  }
  return std::nullopt;
}

std::string takeOptionalString(const Var& value, const std::string& key,
                               std::optional<std::string>& target) {
  if (value.isEmpty()) {
    target.reset();
    return "";
  }
  if (!value.isString()) return key + " must be a string or null";
  target = value.extract<std::string>();
  return "";
}

std::string takeInteger(const Var& value, const std::string& key, long low, long high,
                        long& target) {
  if (!value.isInteger()) return key + " must be an integer";
  long number = value.convert<long>();
  if (number < low || number > high) {
    return key + " must be between " + std::to_string(low) + " and " + std::to_string(high);
  }
  target = number;
  return "";
}

std::string takeHeaders(const Var& value, Fault& fault) {
  Object::Ptr headers = asObject(value);
  if (!headers) return "headers must be an object of strings";
  for (const auto& [name, headerValue] : *headers) {
    if (!headerValue.isString()) return "headers must be an object of strings";
    fault.headers.emplace_back(name, headerValue.extract<std::string>());
  }
  return "";
}

std::string applyFaultKey(const std::string& key, const Var& value, Fault& fault) {
  long number = 0;
  std::string error;
  if (key == "method") return takeOptionalString(value, key, fault.method);
  if (key == "pathContains") return takeOptionalString(value, key, fault.pathContains);
  if (key == "body") return takeOptionalString(value, key, fault.body);
  if (key == "headers") return takeHeaders(value, fault);
  if (key == "action") {
    auto action = value.isString() ? actionNamed(value.extract<std::string>()) : std::nullopt;
    if (!action) return "action must be one of status, reset, close, stall, truncate";
    fault.action = *action;
    return "";
  }
  if (key == "times") {
    error = takeInteger(value, key, -1, 1000000000, number);
    if (error.empty() && number == 0) error = "times must be -1 (for ever) or at least 1";
    fault.times = static_cast<int>(number);
    return error;
  }
  if (key == "status") {
    error = takeInteger(value, key, 100, 599, number);
    fault.status = static_cast<int>(number);
    return error;
  }
  if (key == "stallMs") return takeInteger(value, key, 0, 86400000, fault.stallMs);
  return "unknown fault field: " + key;
}

std::string parseFault(const Var& value, Fault& fault) {
  Object::Ptr object = asObject(value);
  if (!object) return "each fault must be a JSON object";
  if (!object->has("action")) return "action is required";
  for (const auto& [key, field] : *object) {
    std::string error = applyFaultKey(key, field, fault);
    if (!error.empty()) return error;
  }
  return "";
}

}  // namespace

std::vector<std::string> checkSubmission(const std::string& body, bool anyProductCase) {
  std::string error;
  Var parsed = parseJson(body, error);
  if (!error.empty()) return {error};
  Object::Ptr object = asObject(parsed);
  if (!object) return {"body must be a JSON object"};
  std::vector<std::string> errors;
  checkProduct(*object, anyProductCase, errors);
  for (const char* key : {"productURL", "destinationURL", "migratedFrom"}) {
    checkString(*object, key, true, errors);
  }
  checkString(*object, "migratedFromOverride", false, errors);
  for (const char* key : {"recreateAsRemote", "createBackup"}) {
    if (object->has(key) && !object->get(key).isBoolean()) {
      errors.push_back(std::string(key) + " must be a JSON boolean");
    }
  }
  static const std::set<std::string> kKnown{"product", "productURL", "destinationURL",
                                            "migratedFrom", "migratedFromOverride",
                                            "recreateAsRemote", "createBackup"};
  for (const auto& entry : *object) {
    if (kKnown.count(entry.first) == 0) errors.push_back("unknown field: " + entry.first);
  }
  return errors;
}

std::string applyConfig(const std::string& body, Settings& settings) {
  std::string error;
  Object::Ptr object = asObject(parseJson(body, error));
  if (!error.empty()) return error;
  if (!object) return "config must be a JSON object";
  for (const auto& [key, value] : *object) {
    error = applyConfigKey(key, value, settings);
    if (!error.empty()) return error;
  }
  return "";
}

std::string parseFaults(const std::string& body, std::vector<Fault>& faults) {
  std::string error;
  Array::Ptr array = asArray(parseJson(body, error));
  if (!error.empty()) return error;
  if (!array) return "faults must be a JSON array";
  for (std::size_t i = 0; i < array->size(); ++i) {
    Fault fault;
    error = parseFault(array->get(static_cast<unsigned>(i)), fault);
    if (!error.empty()) return "fault " + std::to_string(i + 1) + ": " + error;
    faults.push_back(std::move(fault));
  }
  return "";
}

}  // namespace relinkd::fakeapi
