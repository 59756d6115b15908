using Muscle.Recipes;
using Muscle.Tasks;

namespace Muscle.Tests.Update;

/// <summary>The <c>--strategy auto</c> rule on fixed numbers: lowest validation NFR_c among the candidates within the score tolerance of v2.</summary>
public class StrategySelectionTests
{
    private static StrategyCandidate C(string name, double nfrC, double score) => new(name, nfrC, score);

    [Fact]
    public void PicksTheLowestNfrAmongCandidatesWithinTheTolerance()
    {
        // focal-choice has the lowest NFR_c but scores 2 points below v2 (0.70): out of a 1-point tolerance.
        var choice = StrategySelection.Choose([C("muscle", 0.10, 0.70), C("focal-kl", 0.07, 0.695), C("focal-choice", 0.05, 0.68)], 0.70, 0.01);
        Assert.Equal("focal-kl", choice.Chosen);
        Assert.True(choice.WithinTolerance);
        Assert.Contains("focal-kl", choice.Reason);
        Assert.Equal([true, true, false], choice.Candidates.Select(choice.IsEligible));

        // With 3 points of tolerance focal-choice is in, and wins.
        Assert.Equal("focal-choice", StrategySelection.Choose(choice.Candidates, 0.70, 0.03).Chosen);
    }

    [Fact]
    public void TiesGoToTheHigherScoreThenToTheEarlierCandidate()
    {
        Assert.Equal("b", StrategySelection.Choose([C("a", 0.05, 0.70), C("b", 0.05, 0.72)], 0.70, 0.01).Chosen);
        Assert.Equal("a", StrategySelection.Choose([C("a", 0.05, 0.70), C("b", 0.05, 0.70)], 0.70, 0.01).Chosen);
    }

    [Fact]
    public void ACandidateExactlyAtTheToleranceIsEligibleAndNoneEligibleFallsBackToTheHighestScore()
    {
        Assert.Equal("edge", StrategySelection.Choose([C("muscle", 0.10, 0.80), C("edge", 0.02, 0.79)], 0.80, 0.01).Chosen);
        var fallback = StrategySelection.Choose([C("muscle", 0.10, 0.60), C("focal-kl", 0.02, 0.65)], 0.80, 0.01);
        Assert.Equal("focal-kl", fallback.Chosen);
        Assert.False(fallback.WithinTolerance);
        Assert.Contains("no candidate", fallback.Reason);
    }

    [Fact]
    public void TheDefaultToleranceIsTwoPoints()
    {
        Assert.Equal(0.02, StrategySelection.DefaultTolerance);
        Assert.Equal(StrategySelection.DefaultTolerance, new StrategySelectionOptions().Tolerance);
        Assert.Contains("minus 2 point(s)", StrategySelection.Rule(StrategySelection.DefaultTolerance));
    }

    [Fact]
    public void CandidatesFitTheTaskKind()
    {
        Assert.Equal(["muscle", "muscle+ce", "focal-kl"], StrategySelection.DefaultCandidates(TaskKind.Generative));
        Assert.Contains("focal-choice", StrategySelection.DefaultCandidates(TaskKind.MultipleChoice));
        Assert.DoesNotContain("vanilla", StrategySelection.DefaultCandidates(TaskKind.MultipleChoice));
    }
}
