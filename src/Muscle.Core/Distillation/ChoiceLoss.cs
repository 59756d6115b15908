using static TorchSharp.torch;

namespace Muscle.Distillation;

// Shapes: I items, K choices (absent choices carry −∞ scores).

/// <summary>
/// Distillation over an item's answer choices (our extension): p = softmax(s / T) with
/// s_k = Σ log p(choice-k tokens | context); KL(p_teacher ‖ p_student) per item, in fp32. The strategy
/// (<see cref="MuscleChoiceStrategy"/>, <see cref="FocalChoiceStrategy"/>) picks the teacher or the weights.
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
        var (comp, aligned) = o.Strategy.ChoiceTerms(new ChoiceInputs(student, studentRight, gold, oldScores, newScores, klOld), o);
        return new ChoiceTerms(comp.sum().MoveToOuterDisposeScope(), aligned.sum().MoveToOuterDisposeScope(),
                               studentRight.to_type(ScalarType.Float32).sum().MoveToOuterDisposeScope());
    }
}
