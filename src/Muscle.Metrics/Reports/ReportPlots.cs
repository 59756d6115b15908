using Muscle.Compatibility;
using ScottPlot;

namespace Muscle.Reports;

/// <summary>A rendered chart: file name inside the report, caption, PNG bytes.</summary>
public sealed record ReportImage(string FileName, string Caption, byte[] Png);

/// <summary>
/// Headless ScottPlot charts for the report: flip quadrants (a 2×2 table for discrete metrics, an S_old vs S_new
/// scatter for continuous ones — points under the diagonal are negative flips), the D(x) histogram, and rates with
/// Wilson 95% intervals.
/// </summary>
public static class ReportPlots
{
    private const int Width = 640;
    private const int Height = 480;
    private static readonly Color Good = Color.FromHex("#2e7d32");
    private static readonly Color Bad = Color.FromHex("#c62828");
    private static readonly Color Neutral = Color.FromHex("#9e9e9e");
    private static readonly Color Gain = Color.FromHex("#1565c0");

    public static IReadOnlyList<ReportImage> Render(ComparisonResult r)
    {
        var images = new List<ReportImage>();
        if (r.Discrete is { } d)
        {
            images.Add(new("flips_old_new.png", "Flip quadrants, old vs new", Quadrants(d.Table, "new")));
            if (r.DiscreteCompat is { } dc)
                images.Add(new("flips_old_compat.png", "Flip quadrants, old vs compatibility model", Quadrants(dc.Table, "compat")));
        }
        else
        {
            images.Add(new("flips_old_new.png", "Per-instance S, old vs new (below the diagonal: negative flips)",
                Scatter(r.ScoresOld, r.ScoresNew, "new", r.Metric)));
            if (r.ScoresCompat is { } sc)
                images.Add(new("flips_old_compat.png", "Per-instance S, old vs compatibility model",
                    Scatter(r.ScoresOld, sc, "compat", r.Metric)));
            images.Add(new("d_histogram.png", "D(x) = S_new − S_old (and S_c − S_old)", DHistogram(r)));
        }
        images.Add(new("rates.png", "Rates with Wilson 95% intervals", Rates(r)));
        return images;
    }

    private static byte[] Quadrants(FlipTable t, string newName)
    {
        var plot = new Plot();
        var n = Math.Max(1, t.N);
        // x: old correct (0 wrong, 1 right); y: new correct.
        Cell(plot, 1, 1, t.N11, n, "Q1 both right", Good.WithAlpha(.35));
        Cell(plot, 0, 1, t.N01, n, "Q2 positive flip", Gain.WithAlpha(.55));
        Cell(plot, 0, 0, t.N00, n, "Q3 both wrong", Neutral.WithAlpha(.45));
        Cell(plot, 1, 0, t.N10, n, "Q4 negative flip", Bad.WithAlpha(.65));
        plot.Axes.Bottom.SetTicks([0.5, 1.5], ["old wrong", "old right"]);
        plot.Axes.Left.SetTicks([0.5, 1.5], [$"{newName} wrong", $"{newName} right"]);
        plot.Axes.SetLimits(0, 2, 0, 2);
        plot.HideGrid();
        plot.Title($"old vs {newName}: 2×2 flip table (N = {t.N})");
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    private static void Cell(Plot plot, int x, int y, int count, int n, string label, Color fill)
    {
        var rect = plot.Add.Rectangle(x, x + 1, y, y + 1);
        rect.FillColor = fill;
        rect.LineColor = Colors.White;
        rect.LineWidth = 3;
        var text = plot.Add.Text($"{label}\n{count} ({100.0 * count / n:0.0} %)", x + 0.5, y + 0.5);
        text.LabelFontSize = 18;
        text.LabelAlignment = Alignment.MiddleCenter;
    }

    private static byte[] Scatter(IReadOnlyList<double> sOld, IReadOnlyList<double> sNew, string newName, CompareMetric metric)
    {
        var plot = new Plot();
        var lo = Math.Min(sOld.Min(), sNew.Min());
        var hi = Math.Max(sOld.Max(), sNew.Max());
        if (hi <= lo) hi = lo + 1;
        var diagonal = plot.Add.Line(lo, lo, hi, hi);
        diagonal.Color = Neutral;
        diagonal.LinePattern = LinePattern.Dashed;
        Points(plot, sOld, sNew, (o, v) => v > o, Good, "improved (D > 0)");
        Points(plot, sOld, sNew, (o, v) => v == o, Neutral, "unchanged (D = 0)");
        Points(plot, sOld, sNew, (o, v) => v < o, Bad, "regressed (D < 0)");
        plot.XLabel($"S old ({metric.Name()})");
        plot.YLabel($"S {newName}");
        plot.Title($"old vs {newName}: per-instance score");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    private static void Points(Plot plot, IReadOnlyList<double> x, IReadOnlyList<double> y, Func<double, double, bool> keep, Color color, string label)
    {
        var idx = Enumerable.Range(0, x.Count).Where(i => keep(x[i], y[i])).ToArray();
        if (idx.Length == 0) return;
        var s = plot.Add.ScatterPoints(idx.Select(i => x[i]).ToArray(), idx.Select(i => y[i]).ToArray());
        s.Color = color.WithAlpha(.7);
        s.MarkerSize = 6;
        s.LegendText = $"{label}: {idx.Length}";
    }

    private static byte[] DHistogram(ComparisonResult r)
    {
        var plot = new Plot();
        var series = new List<(IReadOnlyList<double> D, string Name, Color Color)> { (r.Continuous!.D, "new", Bad) };
        if (r.ContinuousCompat is { } cc) series.Add((cc.D, "compat", Gain));
        // A symmetric range with an even bin count makes 0 a bin edge; exact zeros (neither flip) get their own
        // grey bar so they are not read as small gains.
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
                FillColor = color.WithAlpha(.75),
                LineWidth = 0,
            }).ToList();
            var zeros = d.Count(v => v == 0);
            bars.Add(new Bar { Position = shift, Value = zeros, Size = barWidth / 2, FillColor = Neutral, LineWidth = 0 });
            var plottable = plot.Add.Bars(bars);
            plottable.LegendText = $"D for {name}: {d.Count(v => v < 0)} < 0, {zeros} = 0 (grey), {d.Count(v => v > 0)} > 0";
        }
        var zero = plot.Add.VerticalLine(0);
        zero.Color = Colors.Black;
        zero.LinePattern = LinePattern.Dashed;
        plot.XLabel($"D(x) ({r.Metric.Name()})");
        plot.YLabel("instances");
        plot.Title("D(x): left of 0 regressed, right of 0 improved");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Axes.Margins(bottom: 0);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    private static byte[] Rates(ComparisonResult r)
    {
        var items = new List<(string Name, double Value, RateInterval Ci, Color Color)>();
        if (r.Discrete is { } d)
        {
            items.Add(("acc old", d.AccOld, d.AccOldInterval, Neutral));
            items.Add(("acc new", d.AccNew, d.AccNewInterval, Gain));
            if (r.DiscreteCompat is { } dc) items.Add(("acc c", dc.AccNew, dc.AccNewInterval, Good));
            items.Add(("NFR", d.Nfr, d.NfrInterval, Bad));
            items.Add(("PFR", d.Pfr, d.PfrInterval, Gain));
            if (r.DiscreteCompat is { } dc2)
            {
                items.Add(("NFR c", dc2.Nfr, dc2.NfrInterval, Bad.WithAlpha(.6)));
                items.Add(("PFR c", dc2.Pfr, dc2.PfrInterval, Good));
            }
        }
        else
        {
            var c = r.Continuous!;
            items.Add(("PFR (D>0)", c.Pfr, c.PfrInterval, Gain));
            items.Add(("NFR (D<0)", c.Nfr, c.NfrInterval, Bad));
            if (r.ContinuousCompat is { } cc)
            {
                items.Add(("PFR c", cc.Pfr, cc.PfrInterval, Good));
                items.Add(("NFR c", cc.Nfr, cc.NfrInterval, Bad.WithAlpha(.6)));
            }
        }
        var plot = new Plot();
        var bars = items.Select((it, i) => new Bar
        {
            Position = i,
            Value = 100 * it.Value,
            FillColor = it.Color,
            Label = $"{100 * it.Value:0.0}",
        }).ToList();
        var plottable = plot.Add.Bars(bars);
        plottable.ValueLabelStyle.FontSize = 14;
        // Wilson intervals are asymmetric around the rate, so they are drawn as their own whiskers rather than
        // ScottPlot's symmetric bar errors.
        for (var i = 0; i < items.Count; i++)
        {
            var (lo, hi) = (100 * items[i].Ci.Lower, 100 * items[i].Ci.Upper);
            Whisker(plot, i - 0.12, lo, i + 0.12, lo);
            Whisker(plot, i, lo, i, hi);
            Whisker(plot, i - 0.12, hi, i + 0.12, hi);
        }
        plot.Axes.Bottom.SetTicks(items.Select((_, i) => (double)i).ToArray(), items.Select(it => it.Name).ToArray());
        plot.YLabel("%");
        plot.Title("Rates with Wilson 95% intervals");
        plot.Axes.Margins(bottom: 0);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    private static void Whisker(Plot plot, double x1, double y1, double x2, double y2)
    {
        var line = plot.Add.Line(x1, y1, x2, y2);
        line.Color = Colors.Black;
        line.LineWidth = 2;
    }
}
