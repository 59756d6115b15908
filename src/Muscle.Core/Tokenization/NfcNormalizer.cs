using System.Text;
using Microsoft.ML.Tokenizers;

namespace Muscle.Tokenization;

/// <summary>
/// HF's <c>NFC</c> normalizer (Qwen2), which Microsoft.ML.Tokenizers does not ship. It relies on ICU (the build
/// keeps globalization on for this reason; an invariant-globalization host would return the text unchanged).
/// </summary>
internal sealed class NfcNormalizer : Normalizer
{
    public override string Normalize(string original) => original.Normalize(NormalizationForm.FormC);

    public override string Normalize(ReadOnlySpan<char> original) => original.ToString().Normalize(NormalizationForm.FormC);
}
