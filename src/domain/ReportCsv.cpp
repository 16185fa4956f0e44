// The report as CSV for spreadsheets (see Report.h): interface.md's header
// row and one record per job, RFC 4180.
#include "relinkd/domain/Report.h"

#include <iterator>

#include "relinkd/domain/Time.h"

namespace relinkd {

namespace {

constexpr const char* kHeader =
    "name,plan,productURL,destinationURL,state,attempts,remoteJobId,firstSubmittedAt,finishedAt,lastError";

// A spreadsheet runs a cell that starts with one of these as a formula:
// the free-text fields (remoteJobId and lastError carry the API's text)
// get a leading single quote, OWASP's advice against CSV injection. Names,
// plans, URLs, states and times are validated or ours and stay exact, so
// that scripts can feed them back (a name may start with '-').
bool looksLikeFormula(const std::string& text) {
  return !text.empty() && std::string("=+-@\t\r").find(text[0]) != std::string::npos;
}

// A field as RFC 4180 has it: quoted, its quotes doubled, when it holds a
// comma, a quote, CR or LF, or is free text that would be a formula (then
// after the quote that disarms it); as it is otherwise (UTF-8 passes through).
std::string field(const std::string& text, bool freeText = false) {
  const bool formula = freeText && looksLikeFormula(text);
  if (!formula && text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = formula ? "\"'" : "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string timeField(const std::optional<TimeMs>& t) { return t ? formatTime(*t) : ""; }

std::string record(const ReportJob& entry) {
  const Job& job = entry.job;
  const std::string fields[] = {job.name,
                                job.plan,
                                entry.productUrl,
                                entry.destinationUrl,
                                stateName(job.state),
                                std::to_string(job.attempts),
                                job.remoteJobId.value_or(""),
                                timeField(job.firstSubmittedAt),
                                timeField(job.finishedAt),
                                job.lastError.value_or("")};
  constexpr std::size_t kRemoteJobId = 6, kLastError = 9;
  std::string line = field(fields[0]);
  for (std::size_t i = 1; i < std::size(fields); ++i)
    line += "," + field(fields[i], i == kRemoteJobId || i == kLastError);
  return line + "\r\n";
}

}  // namespace

std::string reportCsv(const Report& report) {
  std::string csv = std::string(kHeader) + "\r\n";
  for (const ReportJob& entry : report.jobs) csv += record(entry);
  return csv;
}

}  // namespace relinkd
