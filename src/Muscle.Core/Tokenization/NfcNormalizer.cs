using System.Text;
using Microsoft.ML.Tokenizers;

namespace Muscle.Tokenization;

/// <summary>
/// HF's <c>NFC</c> normalizer (Qwen2), which Microsoft.ML.Tokenizers does not ship. Caveat: with
/// InvariantGlobalization (Directory.Build.props) .NET has no Unicode normalisation data and returns the text
/// unchanged, so decomposed input is tokenised as given; ordinary (already NFC) text is unaffected.
/// </summary>
internal sealed class NfcNormalizer : Normalizer
{
    public override string Normalize(string original) => original.Normalize(NormalizationForm.FormC);

    public override string Normalize(ReadOnlySpan<char> original) => original.ToString().Normalize(NormalizationForm.FormC);
}
