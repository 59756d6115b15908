using static TorchSharp.torch;

namespace Muscle.Distillation;

// Shapes: I items, K choices (absent choices carry −∞ scores).

/// <summary>
/// Distillation over an item's answer choices (our extension, PROTOTYPE-FINDINGS.md §2): p = softmax(s / T) with
/// s_k = Σ log p(choice-k tokens | context); KL(p_teacher ‖ p_student) per item, in fp32.
/// <c>muscle-choice</c>: the teacher is the old model where the student's choice is wrong, else the new model.
/// <c>focal-choice</c>: (α + β·1[old model's choice right])·T²·KL(p_old ‖ p_student) (added to CE by the caller).
/// </summary>
public static class ChoiceLoss
{
    public static ChoiceTerms Compute(Tensor studentScores, Tensor gold, Tensor oldScores, Tensor newScores, CompatibilityLossOptions o)
    {
        using var scope = NewDisposeScope();
        var t = o.Temperature;
        var student = (studentScores / t).log_softmax(-1);
        var studentPick = studentScores.detach().argmax(-1);
        var studentRight = studentPick.eq(gold);
        var klOld = DistillationOps.ForwardKl((oldScores / t).log_softmax(-1), student);
        Tensor comp, aligned;
        switch (o.Strategy)
        {
            case CompatibilityStrategy.MuscleChoice:
            {
                var useOld = studentRight.logical_not();
                var klNew = DistillationOps.ForwardKl((newScores / t).log_softmax(-1), student);
                comp = where(useOld, klOld, klNew) * (o.T2Scale ? t * t : 1.0);
                aligned = useOld.to_type(ScalarType.Float32);
                break;
            }
            case CompatibilityStrategy.FocalChoice:
            {
                var oldRight = oldScores.argmax(-1).eq(gold).to_type(ScalarType.Float32);
                comp = (o.FocalAlpha + o.FocalBeta * oldRight) * klOld * (t * t);
                aligned = oldRight;
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(o), o.Strategy, "not a choice-level strategy");
        }
        return new ChoiceTerms(comp.sum().MoveToOuterDisposeScope(), aligned.sum().MoveToOuterDisposeScope(),
                               studentRight.to_type(ScalarType.Float32).sum().MoveToOuterDisposeScope());
    }
}
