using System.CommandLine;
using System.Globalization;
using Muscle.Cli.Infrastructure;
using Muscle.Compatibility;
using Muscle.Infrastructure;
using Muscle.LmEval;
using Muscle.Predictions;
using Muscle.Reports;
using Spectre.Console;

namespace Muscle.Cli.Commands;

/// <summary>
/// <c>muscle compare</c>: how compatible is an update, from the predictions of the old and new model (and
/// optionally a compatibility model) on the same ids. Thin over <see cref="ComparisonRunner"/> for predictions
/// JSONL and <see cref="LmEvalComparer"/> for lm-evaluation-harness <c>--log_samples</c> output (recognised from
/// content: a samples file, or an output directory with one samples file per task).
/// </summary>
public static class CompareCommand
{
    public static Command Create(CliContext ctx)
    {
        var oldOption = new Option<FileSystemInfo>("--old")
        {
            Description = "Old model (M_v1): predictions JSONL, an lm-eval samples_<task>_<timestamp>.jsonl, or an lm-eval output directory.",
            Required = true,
        };
        var newOption = new Option<FileSystemInfo>("--new") { Description = "New model (M_v2), in the same format as --old.", Required = true };
        var compatOption = new Option<FileSystemInfo?>("--compat")
        {
            Description = "Compatibility model (M^C_v2), in the same format as --old (for lm-eval input: the same tasks, filter, "
                          + "metric and doc_hash per doc_id): adds NFR_c, ΔNFR_c, Δ%NFR_c, Δacc_c, PFR_c.",
        };
        var metricOption = new Option<string>("--metric")
        {
            Description = "How a prediction is scored: auto|accuracy|exact-match|rouge1|rouge2|rougeL|rougeLsum|score. "
                          + "auto picks accuracy when every line has \"correct\" or gold/prediction are integers, rouge1 (F) "
                          + "when gold/prediction are text, score when lines carry only a numeric \"score\". "
                          + "accuracy and exact-match are discrete (NFR = old right, new wrong); the others give a per-instance "
                          + "S with D = S_new − S_old and NFR = share of D < 0. "
                          + "For lm-eval input: any per-sample metric by its lm-eval name (acc, acc_norm, exact_match, rouge1, f1, ...); "
                          + "auto = acc for multiple choice, exact_match for generation.",
            DefaultValueFactory = _ => "auto",
        };
        var filterOption = new Option<string?>("--filter")
        {
            Description = "lm-eval input: the filter to compare (e.g. strict-match, flexible-extract). Default: the task's only filter, else its first, with a note.",
        };
        var bootstrapOption = new Option<int>("--bootstrap")
        {
            Description = "Paired bootstrap resamples for the 95 % intervals of NFR and Δacc (0 = none).",
            DefaultValueFactory = _ => PairedBootstrap.DefaultResamples,
        };
        bootstrapOption.Validators.Add(r =>
        {
            if (r.GetValue(bootstrapOption) < 0) r.AddError("--bootstrap must be >= 0");
        });
        var seedOption = new Option<long>("--seed") { Description = "Seed of the bootstrap draws.", DefaultValueFactory = _ => 0 };
        var reportOption = new Option<DirectoryInfo?>("--report") { Description = "Write report.json, report.md and a self-contained report.html (with plots) to this directory." };
        var jsonOption = new Option<bool>("--json") { Description = "Print one JSON object (rates as fractions in [0, 1]) instead of the table." };
        var failOption = new Option<double?>("--fail-on-nfr")
        {
            Description = "CI gate: exit 1 when NFR (NFR_c with --compat) exceeds this fraction, e.g. 0.05 (lm-eval input: any task's or the pooled one).",
        };
        failOption.Validators.Add(r =>
        {
            if (r.GetValue(failOption) is { } x && (x < 0 || x > 1 || double.IsNaN(x)))
                r.AddError("--fail-on-nfr must be a fraction in [0, 1]");
        });

        var newFlipsOption = new Option<FileInfo?>("--fail-on-new-flips")
        {
            Description = "CI gate: exit 1 when a negative flip (old → new, old → compat with --compat) is not listed in this accepted-flips file "
                          + "(JSON Lines: {\"id\": ...}, or {\"task\": ..., \"doc_id\": ...} for lm-eval input; write it with --write-accepted-flips).",
        };
        var writeFlipsOption = new Option<FileInfo?>("--write-accepted-flips")
        {
            Description = "Write this run's negative flips as an accepted-flips file for --fail-on-new-flips (the baseline a CI gate compares against).",
        };

        var command = new Command("compare",
            "Compare old and new predictions on the same ids: accuracy, negative/positive flip rates (NFR, PFR, NFR_mc), BTC, NFI, "
            + "McNemar p, Wilson intervals, and with --compat the paper's compatibility deltas. "
            + "Lines: {\"id\", \"gold\", \"prediction\", \"correct\"?, \"score\"?, \"input\"?, \"output\"?}.")
        {
            oldOption, newOption, compatOption, metricOption, filterOption, reportOption, jsonOption, failOption, newFlipsOption, writeFlipsOption,
            bootstrapOption, seedOption,
        };
        command.SetAction(parse =>
        {
            var oldPath = parse.GetValue(oldOption)!.FullName;
            var newPath = parse.GetValue(newOption)!.FullName;
            var acceptedPath = parse.GetValue(newFlipsOption)?.FullName;
            var reportDir = parse.GetValue(reportOption) is { } r ? OutputGuard.CheckDirectory(r.FullName, "--report",
                ("--old", oldPath), ("--new", newPath), ("--compat", parse.GetValue(compatOption)?.FullName),
                ("--fail-on-new-flips", acceptedPath)) : null;
            var writeFlips = parse.GetValue(writeFlipsOption) is { } wf
                ? OutputGuard.CheckFile(wf.FullName, "--write-accepted-flips", ("--old", oldPath), ("--new", newPath),
                    ("--compat", parse.GetValue(compatOption)?.FullName), ("--fail-on-new-flips", acceptedPath))
                : null;
            if (writeFlips is not null)
            {
                OutputGuard.RefuseFileAncestor(writeFlips, "--write-accepted-flips");
                if (reportDir is not null) OutputGuard.RefuseFileAncestor(reportDir, "--report");
            }
            var oldIsLmEval = LmEvalReader.IsLmEvalInput(oldPath);
            if (oldIsLmEval != LmEvalReader.IsLmEvalInput(newPath))
                throw new MuscleInputException(
                    oldIsLmEval
                        ? $"--old is lm-eval output but --new is not (predictions JSONL or missing); give both in one format"
                        : $"--new is lm-eval output but --old is not (predictions JSONL or missing); give both in one format",
                    oldIsLmEval ? newPath : oldPath);
            var compatPath = parse.GetValue(compatOption)?.FullName;
            if (compatPath is not null && LmEvalReader.IsLmEvalInput(compatPath) != oldIsLmEval)
                throw new MuscleInputException(
                    oldIsLmEval
                        ? "--old is lm-eval output but --compat is not (predictions JSONL or missing); give all three in one format"
                        : "--compat is lm-eval output but --old is not (predictions JSONL); give all three in one format",
                    compatPath);
            var bootstrap = parse.GetValue(bootstrapOption);
            var seed = parse.GetValue(seedOption);
            if (oldIsLmEval)
            {
                var options = new LmEvalCompareOptions(parse.GetValue(filterOption), parse.GetValue(metricOption), bootstrap, seed);
                var acceptedLmEval = acceptedPath is null ? null : AcceptedFlips.Read(acceptedPath, lmEval: true);
                var comparison = LmEvalComparer.Compare(LmEvalReader.ReadRun(oldPath), LmEvalReader.ReadRun(newPath), options,
                    compatPath is null ? null : LmEvalReader.ReadRun(compatPath));
                var lmEvalFlips = comparison.Tasks.SelectMany(t => AcceptedFlips.NegativeFlips(t.Result, t.Task)).ToList();
                var lmEvalExit = RunLmEval(ctx, comparison, parse.GetValue(jsonOption), reportDir, parse.GetValue(failOption));
                return Gates(ctx, lmEvalExit, lmEvalFlips, writeFlips, acceptedPath, acceptedLmEval);
            }
            if (parse.GetValue(filterOption) is { } f)
                throw new MuscleInputException($"--filter '{f}' applies to lm-eval input only; --old is predictions JSONL", oldPath);
            var metricName = parse.GetValue(metricOption)!;
            var metric = CompareMetrics.TryParse(metricName)
                         ?? throw new MuscleInputException(
                             $"--metric '{metricName}' is not one for predictions JSONL ({string.Join(", ", CompareMetrics.AllNames)})");

            var accepted = acceptedPath is null ? null : AcceptedFlips.Read(acceptedPath, lmEval: false);
            var old = PredictionReader.Read(oldPath);
            var @new = PredictionReader.Read(newPath);
            var compat = compatPath is null ? null : PredictionReader.Read(compatPath);
            var result = ComparisonRunner.Compare(PredictionAlignment.Align(old, @new, compat), metric);

            if (parse.GetValue(jsonOption)) ctx.Out.WriteLine(ComparisonSummary.ToJson(result));
            else WriteTable(ctx, result, bootstrap == 0 ? null : PairedBootstrap.Compute(result.ScoresOld, result.ScoresNew, bootstrap, seed));

            if (reportDir is not null)
            {
                CompatibilityReport.Write(reportDir, result);
                OutputGuard.Mark(reportDir);
                ctx.Error.WriteLine($"report written to {reportDir}");
            }

            var exit = MuscleApp.ExitOk;
            if (parse.GetValue(failOption) is { } limit && result.GatedNfr > limit)
            {
                var name = result.HasCompat ? "NFR_c" : "NFR";
                ctx.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"fail: {name} {result.GatedNfr:0.####} exceeds --fail-on-nfr {limit:0.####}"));
                exit = MuscleApp.ExitFailure;
            }
            return Gates(ctx, exit, AcceptedFlips.NegativeFlips(result), writeFlips, acceptedPath, accepted);
        });
        return command;
    }

    /// <summary>Names shown in one message before "and N more".</summary>
    private const int FlipsNamed = 20;

    /// <summary>
    /// Writes the accepted-flips file (--write-accepted-flips) and applies --fail-on-new-flips: exit 1 (the gate's code,
    /// as --fail-on-nfr) when a negative flip is not in the accepted file, naming the new ones. <paramref name="exit"/> is
    /// the exit code so far (--fail-on-nfr), kept when it already failed.
    /// </summary>
    private static int Gates(CliContext ctx, int exit, IReadOnlyList<FlipKey> flips, string? writePath, string? acceptedPath,
                             IReadOnlySet<FlipKey>? accepted)
    {
        if (writePath is not null)
        {
            AtomicFile.WriteAllText(writePath, AcceptedFlips.Format(flips));
            ctx.Error.WriteLine($"accepted flips written to {writePath} ({flips.Count} negative flip(s))");
        }
        if (accepted is null) return exit;
        var fresh = flips.Where(f => !accepted.Contains(f)).ToList();
        var current = flips.ToHashSet();
        var gone = accepted.Where(f => !current.Contains(f)).OrderBy(f => f.Task, StringComparer.Ordinal).ThenBy(f => f.Id, StringComparer.Ordinal).ToList();
        if (gone.Count > 0)
            ctx.Error.WriteLine($"note: {gone.Count} accepted flip(s) in {acceptedPath} no longer flip ({Names(gone)}); "
                                + "rewrite the file with --write-accepted-flips to drop them");
        if (fresh.Count == 0)
        {
            ctx.Error.WriteLine($"gate: no new negative flips ({flips.Count} negative flip(s), all listed in {acceptedPath})");
            return exit;
        }
        ctx.Error.WriteLine($"fail: {fresh.Count} new negative flip(s) not in --fail-on-new-flips {acceptedPath}: {Names(fresh)}");
        return MuscleApp.ExitFailure;
    }

    private static string Names(IReadOnlyList<FlipKey> flips) =>
        string.Join(", ", flips.Take(FlipsNamed)) + (flips.Count > FlipsNamed ? $" and {flips.Count - FlipsNamed} more" : "");

    private static int RunLmEval(CliContext ctx, LmEvalComparison comparison, bool json, string? reportDir, double? failLimit)
    {
        foreach (var note in comparison.Notes) ctx.Error.WriteLine("note: " + note);
        if (json) ctx.Out.WriteLine(LmEvalSummary.ToJson(comparison));
        else
        {
            var table = new Table();
            foreach (var column in LmEvalSummary.Columns) table.AddColumn(column);
            foreach (var row in LmEvalSummary.Rows(comparison)) table.AddRow([.. row.Select(Markup.Escape)]);
            PlainConsole.For(ctx.Out).Write(table);
            ctx.Out.WriteLine(LmEvalSummary.MacroLine(comparison.Summary));
            if (comparison.HasCompat)
            {
                ctx.Out.WriteLine();
                ctx.Out.WriteLine("compatibility model: NFR = old → new, NFR_c = old → compat, ΔNFR_c = NFR_c − NFR, Δ%NFR_c = 100·ΔNFR_c/NFR");
                var compat = new Table();
                foreach (var column in LmEvalSummary.CompatColumns) compat.AddColumn(column);
                foreach (var row in LmEvalSummary.CompatRows(comparison)) compat.AddRow([.. row.Select(Markup.Escape)]);
                PlainConsole.For(ctx.Out).Write(compat);
                ctx.Out.WriteLine(LmEvalSummary.CompatMacroLine(comparison.Summary));
            }
            foreach (var t in comparison.Tasks) ctx.Out.WriteLine($"{t.Task}: {t.Result.MetricRule}");
            if (comparison.Tasks.FirstOrDefault(t => t.Bootstrap is not null)?.Bootstrap is { } b)
                ctx.Out.WriteLine($"boot: paired bootstrap percentile interval, {b.Resamples} resamples, seed {b.Seed}");
        }

        if (reportDir is not null)
        {
            LmEvalReport.Write(reportDir, comparison);
            OutputGuard.Mark(reportDir);
            ctx.Error.WriteLine($"report written to {reportDir} (summary.html, summary.md, summary.json, one directory per task)");
        }

        if (failLimit is { } limit)
        {
            // As for predictions JSONL (ComparisonResult.GatedNfr): with --compat the gate is on NFR_c, old → compat.
            var rate = comparison.HasCompat ? "NFR_c" : "NFR";
            var pooled = comparison.Summary.Compat?.NfrC ?? comparison.Summary.Nfr;
            var worst = comparison.Tasks.OrderByDescending(t => t.Result.GatedNfr).First();
            if (worst.Result.GatedNfr > limit || pooled > limit)
            {
                var (name, nfr) = worst.Result.GatedNfr > limit ? ($"task {worst.Task}", worst.Result.GatedNfr) : ("all tasks (pooled)", pooled);
                ctx.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fail: {rate} of {name} {nfr:0.####} exceeds --fail-on-nfr {limit:0.####}"));
                return MuscleApp.ExitFailure;
            }
        }
        return MuscleApp.ExitOk;
    }

    private static void WriteTable(CliContext ctx, ComparisonResult result, BootstrapIntervals? bootstrap)
    {
        var console = PlainConsole.For(ctx.Out);
        var table = new Table().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned()).AddColumn("95 % interval");
        foreach (var row in ComparisonSummary.Rows(result))
            table.AddRow(Markup.Escape(row.Name), Markup.Escape(row.Value), Markup.Escape(row.Interval));
        if (bootstrap is not null)
        {
            table.AddRow("NFR (paired bootstrap)", Markup.Escape(ComparisonSummary.Pct(result.Nfr)), Markup.Escape(Interval(bootstrap.Nfr)));
            table.AddRow("Δ (new − old, paired bootstrap)", Markup.Escape(ComparisonSummary.Pct(result.ScoreNew - result.ScoreOld)),
                Markup.Escape(Interval(bootstrap.DeltaScore)));
        }
        console.Write(table);
        ctx.Out.WriteLine(result.MetricRule);
        if (bootstrap is not null)
            ctx.Out.WriteLine($"bootstrap: {bootstrap.Resamples} paired resamples, seed {bootstrap.Seed}");
    }

    private static string Interval(RateInterval i) => string.Create(CultureInfo.InvariantCulture,
        $"[{100 * i.Lower:0.00}, {100 * i.Upper:0.00}] %");
}
