using Muscle.Infrastructure;
namespace Muscle.World;

/// <summary>What kind of text a corpus document is.</summary>
internal enum CorpusDocumentKind { Generic, Review, LabelledReview, Arithmetic, Dialogue }

internal sealed record CorpusDocument(CorpusDocumentKind Kind, string Text, int Tokens);

/// <summary>
/// The pretraining text: generic sentences over the whole vocabulary, reviews (a share of them labelled, with
/// label noise, in exactly the task's training format), worked word problems and dialogues with summaries in
/// the task prompts' formats. Without the labelled reviews, tiny task adapters stayed at chance in the
/// prototype: the bases must learn what "positive" and "negative" mean.
/// No document repeats the input of a task item (train or test).
/// </summary>
internal sealed class CorpusGenerator(
    WorldLexicon lexicon,
    WorldTokenizer tokenizer,
    WorldOptions options,
    IReadOnlySet<string> excludedReviews,
    IReadOnlySet<string> excludedQuestions,
    IReadOnlySet<string> excludedDialogues)
{
    public List<CorpusDocument> Generate()
    {
        var rng = StableRandom.Stream(options.Seed, "corpus");
        var reviews = new SentimentGenerator(lexicon, options.SentimentAmbiguousRate, options.CorpusLabelNoise);
        var arithmetic = new ArithmeticGenerator(lexicon);
        var dialogues = new DialogueGenerator(lexicon);
        var docs = new List<CorpusDocument>();
        var total = 0;
        while (total < options.CorpusTokens)
        {
            var u = rng.NextDouble();
            CorpusDocumentKind kind;
            string text;
            if (u < 0.35)
            {
                kind = CorpusDocumentKind.Generic;
                text = Generic(rng);
            }
            else if (u < 0.70)
            {
                SentimentItem r;
                do r = reviews.Next(rng); while (excludedReviews.Contains(r.Text));
                if (rng.Chance(options.CorpusLabelledReviewRate))
                {
                    kind = CorpusDocumentKind.LabelledReview;
                    text = $"{r.Context} {SentimentRules.Choices[r.Label]}";
                }
                else
                {
                    kind = CorpusDocumentKind.Review;
                    text = $"Review: {r.Text} .";
                }
            }
            else if (u < 0.85)
            {
                ArithmeticItem q;
                do q = arithmetic.Next(rng); while (excludedQuestions.Contains(q.Question));
                kind = CorpusDocumentKind.Arithmetic;
                text = $"Question: {q.Question}\nAnswer: {q.Answer}";
            }
            else
            {
                DialogueItem d;
                do d = dialogues.Next(rng); while (excludedDialogues.Contains(d.Dialogue));
                kind = CorpusDocumentKind.Dialogue;
                text = $"Dialogue: {d.Dialogue}\nSummary: {d.Summary}";
            }
            var tokens = tokenizer.CountTokens(text);
            docs.Add(new CorpusDocument(kind, text, tokens));
            total += tokens;
        }
        return docs;
    }

    /// <summary>One to four sentences; the first starts with a name, so no line starts with a lower-case word.</summary>
    private string Generic(StableRandom rng)
    {
        var count = rng.Between(1, 4);
        var sentences = new List<string>(count);
        for (var i = 0; i < count; i++) sentences.Add(Sentence(rng, startsWithName: i == 0));
        return string.Join(' ', sentences);
    }

    private string Sentence(StableRandom rng, bool startsWithName)
    {
        var l = lexicon;
        var name = rng.Pick(l.Names);
        var template = rng.Next(startsWithName ? 6 : 10);
        return template switch
        {
            0 => $"{name} {rng.Pick(l.Verbs)} the {rng.Pick(l.Objects)} .",
            1 => $"{name} {rng.Pick(l.Verbs)} the {rng.Pick(l.Filler)} {rng.Pick(l.Objects)} at the {rng.Pick(l.Places)} .",
            2 => $"{name} will {rng.Pick(l.Activities)} at the {rng.Pick(l.Places)} on {rng.Pick(l.Days)} .",
            3 => $"{name} and {rng.Pick(l.Names)} {rng.Pick(l.Activities)} on {rng.Pick(l.Days)} .",
            4 => $"{name} has {rng.Between(1, 20).ToString(System.Globalization.CultureInfo.InvariantCulture)} {rng.Pick(l.Objects)} in the {rng.Pick(l.Places)} .",
            5 => $"{name} wants to {rng.Pick(l.Activities)} with {rng.Pick(l.Names)} .",
            6 => $"the {rng.Pick(l.Objects)} is {rng.Pick(l.Filler)} .",
            7 => $"the {rng.Pick(l.Places)} is {rng.Pick(l.Filler)} and {rng.Pick(l.Filler)} .",
            8 => $"on {rng.Pick(l.Days)} , {name} {rng.Pick(l.Verbs)} a {rng.Pick(l.Objects)} .",
            _ => $"the {rng.Pick(l.Filler)} {rng.Pick(l.Objects)} is in the {rng.Pick(l.Places)} .",
        };
    }
}
