using Muscle.Reports;

namespace Muscle.Recipes;

/// <summary>What one task of one adapter seed produced in the demo: its table row, its run-index entries and the stages it reused.</summary>
public sealed record DemoTaskRun(DemoTaskRow Row, IReadOnlyList<RunIndexEntry> Index, IReadOnlyList<string> Skipped);
