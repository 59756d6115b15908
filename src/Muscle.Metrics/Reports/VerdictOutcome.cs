namespace Muscle.Reports;

/// <summary>What the verdict says about the compatibility model's negative flips, from the 95 % interval of ΔNFR_c.</summary>
public enum VerdictOutcome
{
    /// <summary>The interval lies below 0: the fix removes negative flips.</summary>
    FewerNegativeFlips,

    /// <summary>The interval lies above 0: the fix adds negative flips.</summary>
    MoreNegativeFlips,

    /// <summary>The interval includes 0.</summary>
    NotDistinguishable,

    /// <summary>No compatibility model: the verdict describes old → new only.</summary>
    NoFix,
}
