using ScottPlot;

namespace Muscle.Reports;

/// <summary>
/// The report's colours. Each system keeps one colour on every plot and page (old blue, new orange, compat reddish
/// purple, from the Okabe–Ito palette, which stays distinguishable under the common colour-vision deficiencies: Okabe
/// and Ito 2008, "Color Universal Design"). Outcome colours (better green, worse red, undecided grey) are used only for
/// verdicts and for the flip cells' background, never for a system.
/// </summary>
public static class ReportColors
{
    public const string OldHex = "#0072B2";
    public const string NewHex = "#E69F00";
    public const string CompatHex = "#CC79A7";
    public const string BetterHex = "#1B7837";
    public const string WorseHex = "#B2182B";
    public const string UndecidedHex = "#5F5F5F";

    public static Color Old => Color.FromHex(OldHex);
    public static Color New => Color.FromHex(NewHex);
    public static Color Compat => Color.FromHex(CompatHex);
    public static Color Better => Color.FromHex(BetterHex);
    public static Color Worse => Color.FromHex(WorseHex);
    public static Color Undecided => Color.FromHex(UndecidedHex);
}
