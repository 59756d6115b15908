using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>Our extension: KL over answer choices to the old model where the student picks a wrong choice, else to the new model.</summary>
public sealed class MuscleChoiceStrategy : CompatibilityStrategy
{
    public override string Id => "muscle-choice";
    public override string Summary => "ours: KL over answer choices to the old model where the student's choice is wrong, else to the new model";
    public override bool IsChoiceLevel => true;
    public override bool NeedsNewTeacher => true;

    internal override (Tensor Comp, Tensor Aligned) ChoiceTerms(ChoiceInputs c, CompatibilityLossOptions o)
    {
        var t = o.Temperature;
        var useOld = c.StudentRight.logical_not();
        var klNew = DistillationOps.ForwardKl((c.NewScores / t).log_softmax(-1), c.StudentLogProbsT);
        return (where(useOld, c.KlOld, klNew) * (o.T2Scale ? t * t : 1.0), useOld.to_type(ScalarType.Float32));
    }
}
