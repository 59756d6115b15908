namespace Muscle.Events;

/// <summary>
/// What a long job reports as it runs, through one <see cref="IProgress{T}"/> of this type: a trainer's steps and
/// validations, an evaluation's items, a teacher cache's work, a pipeline's stages. Consumers match on the subtype
/// (as <c>System.Diagnostics.Activity</c> listeners or ML.NET's channel messages do), never on text.
/// </summary>
/// <remarks>
/// <see cref="Stage"/> is where the event happened, outermost first (<c>["sentiment", "train v2 task adapter"]</c>):
/// the component that raises an event leaves it empty and each enclosing recipe adds its own name with
/// <see cref="RunEvents.In"/>, so no stage name is built into a message.
/// </remarks>
public abstract record RunEvent
{
    public IReadOnlyList<string> Stage { get; init; } = [];
}
