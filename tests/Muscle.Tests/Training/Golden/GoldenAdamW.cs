namespace Muscle.Tests.Training;

/// <summary>Printed by Golden/adamw_golden.py (torch 1.13).</summary>
internal static class GoldenAdamW
{
    public static readonly float[] After3Steps = [0.845724583f, -1.80365193f, 2.76945138f];
}
