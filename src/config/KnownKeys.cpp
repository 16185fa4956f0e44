#include "KnownKeys.h"

#include <Poco/String.h>

#include <algorithm>

namespace relinkd {
namespace {

constexpr const char* kWhereListed = "relinkd.properties(5) lists the known keys";

// Levenshtein distance, two rows.
std::size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitute});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

}  // namespace

std::string nearestKnownKey(const std::string& word, const std::vector<std::string>& known) {
  constexpr std::size_t kLongest = 200;  // a longer word is no typo of a key, and would cost time
  if (word.size() > kLongest) return "";
  const std::string lower = Poco::toLower(word);
  std::string best;
  std::size_t bestDistance = 0;
  for (const std::string& key : known) {
    const std::size_t distance = editDistance(lower, Poco::toLower(key));
    if (best.empty() || distance < bestDistance) {
      best = key;
      bestDistance = distance;
    }
  }
  // Near enough: a few typos, or a third of the key (relinkd.window.size).
  return bestDistance <= std::max<std::size_t>(3, std::max(word.size(), best.size()) / 3) ? best : "";
}

std::string unknownKeyProblem(const std::string& key, const std::vector<std::string>& known) {
  const std::string nearest = nearestKnownKey(key, known);
  if (nearest.empty()) return std::string("unknown key; ") + kWhereListed;
  if (Poco::icompare(nearest, key) == 0) return "unknown key; did you mean " + nearest + "? (keys are case-sensitive)";
  return "unknown key; did you mean " + nearest + "?";
}

std::string notKeyValueProblem(const std::string& lineKey, bool noKey, const std::vector<std::string>& known) {
  if (noKey) return "the line has no key before its '=' or ':'; write KEY = VALUE";
  const std::string word = lineKey.substr(0, lineKey.find_first_of(" \t\f\v"));
  const std::string nearest = nearestKnownKey(word, known);
  const std::string problem = "the line is not KEY = VALUE (nor KEY: VALUE): it has no '=' or ':'";
  if (!nearest.empty()) return problem + "; did you mean " + nearest + " = ...?";
  return problem + "; " + kWhereListed;
}

}  // namespace relinkd
