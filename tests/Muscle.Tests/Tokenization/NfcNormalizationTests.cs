using System.Text;

namespace Muscle.Tests.Tokenization;

public class NfcNormalizationTests
{
    [Fact]
    public void UnicodeNormalizationIsAvailable()
    {
        // "e" + combining acute must compose to "é" (U+00E9); in invariant-globalization mode it would not.
        Assert.Equal("\u00e9", "e\u0301".Normalize(NormalizationForm.FormC));
    }
}
