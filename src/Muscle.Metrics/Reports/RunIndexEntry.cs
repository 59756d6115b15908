using Muscle.Compatibility;

namespace Muscle.Reports;

/// <summary>
/// One report listed on a run's index page: the section it belongs to (e.g. "Tasks" or "Strategies"), the link to its
/// <c>report.html</c> relative to the index, what it is about, and its comparison.
/// </summary>
public sealed record RunIndexEntry(string Section, string Href, ReportContext Context, ComparisonResult Result);
