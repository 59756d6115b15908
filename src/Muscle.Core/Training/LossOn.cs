namespace Muscle.Training;

/// <summary>Which next-token targets count in the loss: context + answer (the paper) or the answer only.</summary>
public enum LossOn
{
    All,
    Answer,
}
