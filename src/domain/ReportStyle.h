// The report's inline style sheet (ReportHtml.cpp): screen and print.
// Kept apart so the renderer reads as the document's structure.
//
// Thread-safety: a constant.
#pragma once

namespace relinkd {

// System font stacks only, no url(): the file is read offline, mailed,
// attached to a ticket. The state colours are light tints under dark text,
// and every cell also says its state (a word, or in a compact matrix a
// letter the legend explains), so a black-and-white print reads.
// print-color-adjust keeps the tints on paper; thead repeats on each page.
inline constexpr const char* kReportStyle = R"css(
*{-webkit-print-color-adjust:exact;print-color-adjust:exact;box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;margin:2rem;color:#1f2328;background:#fff;line-height:1.35}
h1{font-size:1.5rem;margin:0 0 .25rem}
h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
.meta{color:#57606a;font-size:.85rem;margin:0 0 1rem}
.problem{background:#fff1e5;border:1px solid #bc4c00;padding:.5rem .75rem;font-weight:600}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.5rem 0 1rem;font-size:.9rem}
dl.facts dt{font-weight:600}dl.facts dd{margin:0;overflow-wrap:anywhere}
ul.totals,ul.legend{display:flex;flex-wrap:wrap;gap:.4rem;list-style:none;padding:0;margin:.5rem 0 1rem}
ul.totals li,ul.legend li{border:1px solid #8c959f;padding:.2rem .6rem;font-size:.85rem}
table{border-collapse:collapse;font-size:.85rem;margin-bottom:1rem}
th,td{border:1px solid #8c959f;padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:#eaeef2}
table.matrix th[scope=row]{background:#eaeef2}
table.matrix td{text-align:center;min-width:5.5rem}
table.matrix td.diagonal{background:#fff;color:#8c959f}
table.matrix.compact{font-size:.7rem;line-height:1.1}
table.matrix.compact th,table.matrix.compact td{padding:.1rem .15rem}
table.matrix.compact td{min-width:1.4em}
table.matrix.compact th[scope=row]{max-width:6rem;overflow-wrap:anywhere}
table.matrix.compact thead th{vertical-align:bottom;text-align:center}
table.matrix.compact thead th span{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap}
ul.legend b.code{display:inline-block;min-width:1em;text-align:center}
table.jobs{width:100%}
table.jobs td{overflow-wrap:break-word}
table.jobs td.remote,table.jobs td.result,table.jobs td.error{overflow-wrap:anywhere}
table.jobs td.state,table.jobs td.plan,table.jobs td.num,table.jobs td.submitted,table.jobs td.finished{white-space:nowrap}
td.num{text-align:right}
td.error{color:#82071e;white-space:pre-wrap}
td.result{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.75rem;white-space:pre-wrap}
.st-invalid{background:#eddeff}.st-queued{background:#eaeef2}.st-running{background:#ddf4ff}
.st-retrying{background:#fff8c5}.st-paused{background:#ffe6cc}.st-succeeded{background:#aceebb}
.st-failed{background:#ffaba8;font-weight:700}.st-expired{background:#f4c7b0;font-style:italic}
.st-cancelled{background:#d0d7de;text-decoration:line-through}
.st-none{background:#fff;color:#57606a}
.former{color:#57606a;font-size:.75rem}
@media print{
body{margin:0;font-size:9pt}
table{font-size:8pt}
th,td{padding:.15em .3em}
table.jobs{font-size:7pt}
table.jobs td{overflow-wrap:anywhere}
table.jobs td.submitted,table.jobs td.finished{white-space:normal}
table.jobs td.submitted span,table.jobs td.finished span{white-space:nowrap}
td.result{font-size:6.5pt}
table.matrix.compact{font-size:6.5pt}
table.matrix.compact th,table.matrix.compact td{padding:.1em .15em}
h2{break-after:avoid;page-break-after:avoid}
table{page-break-inside:auto}
table.matrix,ul.legend,dl.facts,tr{break-inside:avoid;page-break-inside:avoid}
thead{display:table-header-group}
table.matrix td{min-width:0}
table.matrix.compact td{min-width:1.4em}
}
)css";

// The page, after the style sheet: portrait, or landscape when a plan's
// matrix is wider than portrait's 186 mm (ReportHtml.cpp decides). Both
// keep the 12 mm margin the browser tests subtract.
inline constexpr const char* kPortraitPage = "@page{size:A4;margin:12mm}\n";
inline constexpr const char* kLandscapePage = "@page{size:A4 landscape;margin:12mm}\n";

}  // namespace relinkd
