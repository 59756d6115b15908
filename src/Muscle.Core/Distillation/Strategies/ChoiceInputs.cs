using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>
/// What a choice-level strategy sees: the student's log p(choice) at T [I, K], whether its choice is right [I] (bool),
/// gold [I], the teachers' raw choice scores [I, K] and KL(p_old ‖ p_student) at T [I].
/// </summary>
internal sealed record ChoiceInputs(Tensor StudentLogProbsT, Tensor StudentRight, Tensor Gold, Tensor OldScores, Tensor NewScores, Tensor KlOld);
