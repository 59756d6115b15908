namespace Muscle.Reports;

/// <summary>One line of the human-readable summary: a metric name, its value as text, and a 95% interval if any.</summary>
public sealed record SummaryRow(string Name, string Value, string Interval = "");
