using System.Text.Json.Serialization;
using System.Text.Json;
using static TorchSharp.torch;

namespace Muscle.Distillation;

// Shapes: N counted tokens of a micro-batch, n rows of a chunk, V vocabulary, S sequences; I items, K choices.

/// <summary>
/// How a compatibility adapter is trained: one subclass per strategy, each saying which teachers it needs, whether a
/// teacher cache can serve it, its per-token (or per-item) decision and its loss terms. Token-level strategies work
/// on every counted token of the teacher-forced training sequence (<see cref="CompatibilityLoss"/>); choice-level
/// ones on the distribution over an item's answer choices (<see cref="ChoiceLoss"/>, multiple-choice tasks only).
/// Instances are stateless singletons held by <see cref="CompatibilityStrategies"/>; a new strategy is one file
/// plus one line there. Written to JSON as its id.
/// </summary>
[JsonConverter(typeof(IdConverter))]
public abstract class CompatibilityStrategy
{
    /// <summary>The name on the command line and in reports (e.g. "muscle", "focal-choice").</summary>
    public abstract string Id { get; }

    /// <summary>One line: the rule and where it comes from.</summary>
    public abstract string Summary { get; }

    /// <summary>Distils over answer choices (multiple-choice tasks only) instead of over tokens.</summary>
    public virtual bool IsChoiceLevel => false;

    /// <summary>Needs the old task model as a teacher.</summary>
    public virtual bool NeedsOldTeacher => true;

    /// <summary>Needs the new task model as a teacher.</summary>
    public virtual bool NeedsNewTeacher => false;

    /// <summary>Defined as a mix with CE: refuses to run without λ (<c>--ce-weight</c>).</summary>
    public virtual bool RequiresCeWeight => false;

    /// <summary>Of the Eq. 1 form (mask → old teacher, else new teacher) and pure KL unless λ is given (Table 7).</summary>
    public virtual bool IsPureKl => false;

    /// <summary>Can read its teachers from a <c>--teacher-cache</c> (false where it needs the full logits).</summary>
    public virtual bool UsesTeacherCache => true;

    /// <summary>Token level: needs the student's per-token CE (detached) for its decision.</summary>
    internal virtual bool NeedsStudentCe => false;

    /// <summary>Token level: the per-token decision [N] over the whole micro-batch (no gradient), or null.</summary>
    internal virtual Tensor? Decide(TokenDecisionInputs d) => null;

    /// <summary>Token level: [n] total, compatibility term and aligned-to-old of one chunk of rows (its CE is <see cref="TokenChunk.Ce"/>).</summary>
    internal virtual (Tensor Total, Tensor Comp, Tensor Aligned) TokenTerms(TokenChunk r, CompatibilityLossOptions o) =>
        throw new NotSupportedException($"strategy {Id} is not token-level");

    /// <summary>Choice level: [I] compatibility term and aligned-to-old per item.</summary>
    internal virtual (Tensor Comp, Tensor Aligned) ChoiceTerms(ChoiceInputs c, CompatibilityLossOptions o) =>
        throw new NotSupportedException($"strategy {Id} is not choice-level");

    /// <summary>Choice level: the step loss from the compatibility term and the gold choice's CE (both means).</summary>
    internal virtual Tensor ChoiceLoss(Tensor comp, Tensor ce, CompatibilityLossOptions o) =>
        o.CeWeight is double lambda ? lambda * comp + (1 - lambda) * ce : comp;

    public override string ToString() => Id;

    private sealed class IdConverter : JsonConverter<CompatibilityStrategy>
    {
        public override CompatibilityStrategy Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            CompatibilityStrategies.Parse(reader.GetString() ?? "");

        public override void Write(Utf8JsonWriter writer, CompatibilityStrategy value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.Id);
    }
}
