using TorchSharp.Modules;

namespace Muscle.Training;

/// <summary>
/// What the <see cref="TrainingLoop"/> updates: the trainable parameters (each with its weight decay), their train/eval
/// mode, and how they are written into and read back from a checkpoint directory. A LoRA adapter over a frozen base
/// (<see cref="AdapterWeights"/>) and every parameter of a model (<see cref="FullModelWeights"/>) are the two kinds.
/// </summary>
public interface ITrainableWeights
{
    /// <summary>
    /// The parameters the optimizer updates (gradients switched on), each with the weight decay it gets under
    /// <paramref name="weightDecay"/>.
    /// </summary>
    IEnumerable<(Parameter Parameter, double WeightDecay)> Parameters(double weightDecay);

    /// <summary>Training mode on (dropout active where the recipe trains) or off (validation).</summary>
    void SetTraining(bool training);

    /// <summary>Writes the weights into <paramref name="dir"/> (a checkpoint, or the best-so-far directory).</summary>
    void Save(string dir);

    /// <summary>Copies the weights saved by <see cref="Save"/> in <paramref name="dir"/> into the live parameters, in place.</summary>
    void Restore(string dir);
}
