using static TorchSharp.torch;

namespace Muscle.Models;

/// <summary>
/// The weight dtype a command computes in, and the one line (<c>note: ...</c> or <c>warning: ...</c>) to print on stderr
/// about it; <see cref="Message"/> is null when the choice needs no word (it is the checkpoint's own, or asked for and native).
/// </summary>
public sealed record DTypeChoice(ScalarType DType, string? Message);
