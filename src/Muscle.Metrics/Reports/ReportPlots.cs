using Muscle.Compatibility;
using ScottPlot;

namespace Muscle.Reports;

/// <summary>A rendered chart: file name inside the report, caption, PNG bytes.</summary>
public sealed record ReportImage(string FileName, string Caption, byte[] Png);

/// <summary>
/// Headless ScottPlot charts for the report: flip quadrants (a 2×2 table for discrete metrics, each cell a square of
/// area ∝ its count; an S_old vs S_new scatter for continuous ones — points under the diagonal are negative flips),
/// the D(x) histogram, and rates with Wilson 95% intervals. Each system has one colour on every chart
/// (<see cref="ReportColors"/>); legends sit outside the data.
/// </summary>
public static class ReportPlots
{
    private const int Width = 640;
    private const int Height = 480;

    /// <summary>Largest square side, in cell units, for a cell holding all N items (area ∝ count, same scale on both tables).</summary>
    private const double MaxSide = 0.72;

    private static readonly Color CellBad = Color.FromHex("#FBE3E1");
    private static readonly Color CellGood = Color.FromHex("#E3F1DF");
    private static readonly Color CellPlain = Color.FromHex("#F4F4F4");

    public static IReadOnlyList<ReportImage> Render(ComparisonResult r)
    {
        var images = new List<ReportImage>();
        if (r.Discrete is { } d)
        {
            images.Add(new("flips_old_new.png", "Flip table, old vs new (square area ∝ count)", Quadrants(d.Table, "new", ReportColors.New)));
            if (r.DiscreteCompat is { } dc)
                images.Add(new("flips_old_compat.png", "Flip table, old vs compatibility model (square area ∝ count)",
                    Quadrants(dc.Table, "compat", ReportColors.Compat)));
        }
        else
        {
            images.Add(new("flips_old_new.png", "Per-instance S, old vs new (below the diagonal: negative flips)",
                Scatter(r.ScoresOld, r.ScoresNew, "new", ReportColors.New, r.Metric)));
            if (r.ScoresCompat is { } sc)
                images.Add(new("flips_old_compat.png", "Per-instance S, old vs compatibility model",
                    Scatter(r.ScoresOld, sc, "compat", ReportColors.Compat, r.Metric)));
            images.Add(new("d_histogram.png", "D(x) = S_new − S_old (and S_c − S_old)", DHistogram(r)));
        }
        images.Add(new("rates.png", "Rates with Wilson 95% intervals", Rates(r)));
        return images;
    }

    private static byte[] Quadrants(FlipTable t, string name, Color color)
    {
        var plot = new Plot();
        var n = Math.Max(1, t.N);
        // x: old correct (0 wrong, 1 right); y: the other system correct.
        Cell(plot, 1, 1, t.N11, n, "Q1 both right", CellPlain, color);
        Cell(plot, 0, 1, t.N01, n, "Q2 positive flip", CellGood, color);
        Cell(plot, 0, 0, t.N00, n, "Q3 both wrong", CellPlain, color);
        Cell(plot, 1, 0, t.N10, n, "Q4 negative flip", CellBad, color);
        plot.Axes.Bottom.SetTicks([0.5, 1.5], ["old wrong", "old right"]);
        plot.Axes.Left.SetTicks([0.5, 1.5], [$"{name} wrong", $"{name} right"]);
        plot.Axes.SetLimits(0, 2, 0, 2);
        plot.HideGrid();
        plot.Title($"old vs {name}: flip table (N = {t.N}), area ∝ count");
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>A cell: tinted background by meaning, a square of area ∝ count in the system's colour, the label above it.</summary>
    private static void Cell(Plot plot, int x, int y, int count, int n, string label, Color background, Color system)
    {
        var cell = plot.Add.Rectangle(x, x + 1, y, y + 1);
        cell.FillColor = background;
        cell.LineColor = Colors.White;
        cell.LineWidth = 4;
        if (count > 0)
        {
            var half = MaxSide * Math.Sqrt((double)count / n) / 2;
            const double cy = 0.39;
            var square = plot.Add.Rectangle(x + 0.5 - half, x + 0.5 + half, y + cy - half, y + cy + half);
            square.FillColor = system.WithAlpha(.85);
            square.LineWidth = 0;
        }
        var text = plot.Add.Text($"{label}\n{count} ({100.0 * count / n:0.0} %)", x + 0.5, y + 0.97);
        text.LabelFontSize = 15;
        text.LabelAlignment = Alignment.UpperCenter;
    }

    private static byte[] Scatter(IReadOnlyList<double> sOld, IReadOnlyList<double> sNew, string name, Color color, CompareMetric metric)
    {
        var plot = new Plot();
        var lo = Math.Min(sOld.Min(), sNew.Min());
        var hi = Math.Max(sOld.Max(), sNew.Max());
        if (hi <= lo) hi = lo + 1;
        // Below the diagonal (S lower than the old model's): the negative flips' region.
        var region = plot.Add.Polygon([new Coordinates(lo, lo), new Coordinates(hi, lo), new Coordinates(hi, hi)]);
        region.FillColor = CellBad;
        region.LineWidth = 0;
        var diagonal = plot.Add.Line(lo, lo, hi, hi);
        diagonal.Color = Colors.Gray;
        diagonal.LinePattern = LinePattern.Dashed;
        Points(plot, sOld, sNew, (o, v) => v > o, color, MarkerShape.OpenCircle, "improved (D > 0)");
        Points(plot, sOld, sNew, (o, v) => v == o, color.WithAlpha(.5), MarkerShape.Cross, "unchanged (D = 0)");
        Points(plot, sOld, sNew, (o, v) => v < o, color, MarkerShape.FilledCircle, "regressed (D < 0), red region");
        plot.XLabel($"S old ({metric.Name()})");
        plot.YLabel($"S {name}");
        plot.Title($"old vs {name}: per-instance score");
        plot.ShowLegend(Edge.Bottom);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    private static void Points(Plot plot, IReadOnlyList<double> x, IReadOnlyList<double> y, Func<double, double, bool> keep, Color color,
                               MarkerShape shape, string label)
    {
        var idx = Enumerable.Range(0, x.Count).Where(i => keep(x[i], y[i])).ToArray();
        if (idx.Length == 0) return;
        var s = plot.Add.ScatterPoints(idx.Select(i => x[i]).ToArray(), idx.Select(i => y[i]).ToArray());
        s.Color = color;
        s.MarkerShape = shape;
        s.MarkerSize = 7;
        s.LegendText = $"{label}: {idx.Length}";
    }

    private static byte[] DHistogram(ComparisonResult r)
    {
        var plot = new Plot();
        var series = new List<(IReadOnlyList<double> D, string Name, Color Color)> { (r.Continuous!.D, "new", ReportColors.New) };
        if (r.ContinuousCompat is { } cc) series.Add((cc.D, "compat", ReportColors.Compat));
        // A symmetric range with an even bin count makes 0 a bin edge; exact zeros (neither flip) get their own
        // pale bar so they are not read as small gains.
        var m = series.SelectMany(s => s.D).Select(Math.Abs).DefaultIfEmpty(0).Max();
        if (m <= 0) m = 0.5;
        const int bins = 30;
        var width = 2 * m / bins;
        var offset = series.Count == 1 ? 0 : width / 4;
        for (var k = 0; k < series.Count; k++)
        {
            var (d, name, color) = series[k];
            var counts = new double[bins];
            foreach (var v in d.Where(v => v != 0)) counts[Math.Clamp((int)Math.Floor((v + m) / width), 0, bins - 1)]++;
            var shift = k == 0 ? -offset : offset;
            var barWidth = series.Count == 1 ? width * 0.95 : width * 0.45;
            var bars = Enumerable.Range(0, bins).Where(b => counts[b] > 0).Select(b => new Bar
            {
                Position = -m + (b + 0.5) * width + shift,
                Value = counts[b],
                Size = barWidth,
                FillColor = color,
                LineWidth = 0,
            }).ToList();
            var zeros = d.Count(v => v == 0);
            bars.Add(new Bar { Position = shift, Value = zeros, Size = barWidth / 2, FillColor = color.WithAlpha(.35), LineWidth = 0 });
            var plottable = plot.Add.Bars(bars);
            plottable.LegendText = $"{name}: {d.Count(v => v < 0)} < 0, {zeros} = 0 (pale), {d.Count(v => v > 0)} > 0";
        }
        var zero = plot.Add.VerticalLine(0);
        zero.Color = Colors.Black;
        zero.LinePattern = LinePattern.Dashed;
        plot.XLabel($"D(x) ({r.Metric.Name()})");
        plot.YLabel("instances");
        plot.Title("D(x): left of 0 regressed, right of 0 improved");
        plot.ShowLegend(Edge.Bottom);
        plot.Axes.Margins(bottom: 0);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    private static byte[] Rates(ComparisonResult r)
    {
        // Groups of bars, one bar per system in the system's colour.
        var groups = new List<(string Name, List<(string System, double Value, RateInterval Ci)> Bars)>();
        if (r.Discrete is { } d)
        {
            var dc = r.DiscreteCompat;
            groups.Add(("accuracy", [("old", d.AccOld, d.AccOldInterval), ("new", d.AccNew, d.AccNewInterval)]));
            groups.Add(("NFR (negative flips)", [("new", d.Nfr, d.NfrInterval)]));
            groups.Add(("PFR (positive flips)", [("new", d.Pfr, d.PfrInterval)]));
            if (dc is not null)
            {
                groups[0].Bars.Add(("compat", dc.AccNew, dc.AccNewInterval));
                groups[1].Bars.Add(("compat", dc.Nfr, dc.NfrInterval));
                groups[2].Bars.Add(("compat", dc.Pfr, dc.PfrInterval));
            }
        }
        else
        {
            var c = r.Continuous!;
            var cc = r.ContinuousCompat;
            groups.Add(("NFR (D < 0)", [("new", c.Nfr, c.NfrInterval)]));
            groups.Add(("PFR (D > 0)", [("new", c.Pfr, c.PfrInterval)]));
            if (cc is not null)
            {
                groups[0].Bars.Add(("compat", cc.Nfr, cc.NfrInterval));
                groups[1].Bars.Add(("compat", cc.Pfr, cc.PfrInterval));
            }
        }

        var plot = new Plot();
        var bySystem = new Dictionary<string, List<Bar>> { ["old"] = [], ["new"] = [], ["compat"] = [] };
        var ticks = new List<(double Position, string Label)>();
        var x = 0.0;
        var top = 0.0;
        foreach (var (name, bars) in groups)
        {
            var first = x;
            foreach (var (system, value, ci) in bars)
            {
                bySystem[system].Add(new Bar { Position = x, Value = 100 * value, FillColor = SystemColor(system), LineWidth = 0, Size = 0.85 });
                // Wilson intervals are asymmetric around the rate, so they are drawn as their own whiskers rather than
                // ScottPlot's symmetric bar errors; the value label sits above the upper whisker so the two never meet.
                var (lo, hi) = (100 * ci.Lower, 100 * ci.Upper);
                Whisker(plot, x - 0.15, lo, x + 0.15, lo);
                Whisker(plot, x, lo, x, hi);
                Whisker(plot, x - 0.15, hi, x + 0.15, hi);
                var label = plot.Add.Text($"{100 * value:0.0}", x, hi);
                label.LabelFontSize = 12;
                label.LabelAlignment = Alignment.LowerCenter;
                label.OffsetY = -3;
                top = Math.Max(top, hi);
                x += 1;
            }
            ticks.Add(((first + x - 1) / 2, name));
            x += 0.8;
        }
        foreach (var (system, bars) in bySystem)
        {
            if (bars.Count == 0) continue;
            var plottable = plot.Add.Bars(bars);
            plottable.LegendText = system;
        }
        plot.Axes.Bottom.SetTicks(ticks.Select(t => t.Position).ToArray(), ticks.Select(t => t.Label).ToArray());
        plot.Axes.SetLimits(-0.7, x - 0.1, 0, Math.Max(5, top * 1.12 + 2));
        plot.YLabel("%");
        plot.Title("Rates with Wilson 95% intervals");
        plot.ShowLegend(Edge.Right);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    private static Color SystemColor(string system) => system switch
    {
        "old" => ReportColors.Old,
        "new" => ReportColors.New,
        _ => ReportColors.Compat,
    };

    private static void Whisker(Plot plot, double x1, double y1, double x2, double y2)
    {
        var line = plot.Add.Line(x1, y1, x2, y2);
        line.Color = Colors.Black;
        line.LineWidth = 2;
    }
}
