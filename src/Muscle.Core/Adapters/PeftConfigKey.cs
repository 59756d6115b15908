using System.Text.Json.Nodes;

namespace Muscle.Adapters;

/// <summary>
/// One <c>adapter_config.json</c> key: the JSON type PEFT writes for it and, for a feature we do not implement, which
/// values leave it off. The table of all keys is <see cref="PeftConfigKeys"/>.
/// </summary>
/// <param name="Name">The JSON key.</param>
/// <param name="Expected">The JSON type PEFT writes, in words (for the error message).</param>
/// <param name="HasType">True when a value (null for JSON null) has that type.</param>
/// <param name="IsOff">For a refused key: true when the value leaves the feature off; null for read and inert keys.</param>
/// <param name="Feature">For a refused key: what the feature is, in words.</param>
public sealed record PeftConfigKey(string Name, string Expected, Func<JsonNode?, bool> HasType,
                                   Func<JsonNode?, bool>? IsOff = null, string? Feature = null);
