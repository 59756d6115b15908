using System.Globalization;
using System.Text;
using Muscle.Infrastructure;

namespace Muscle.World;

/// <summary>
/// The embedded demo's data, made from a seed: a closed pseudo-word vocabulary and its byte-level BPE tokenizer,
/// a pretraining corpus, and three tasks in the paper's shapes (sentiment multiple choice, GSM8K-style word
/// problems, SAMSum-style dialogue summaries). The task labels follow learnable rules (plus label noise), the
/// regime in which MUSCLE's effect appears. Identical options give identical bytes on
/// every machine.
/// </summary>
public static class SyntheticWorld
{
    /// <summary>
    /// Bumped whenever the same options would produce different files. 3: the arithmetic task's items are harder
    /// (<see cref="ArithmeticGenerator.NextTask"/>); the lexicon, tokenizer, corpus and the other tasks are byte-identical to version 2.
    /// </summary>
    public const int GeneratorVersion = 3;

    public const string ManifestFile = "world.json";
    public const string ReadmeFile = "README.md";
    public const string LexiconFile = "lexicon.json";
    public const string TokenizerDir = "tokenizer";
    public const string CorpusFile = "corpus/corpus.txt";
    public const string CorpusV1File = "corpus/corpus_v1.txt";

    /// <summary>
    /// Generates the world into <paramref name="outDir"/>, which is replaced as a whole only once everything is
    /// written (a killed run leaves the previous directory, or none).
    /// </summary>
    public static WorldFiles Generate(WorldOptions options, string outDir)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(outDir);
        options.Validate();

        var lexicon = WorldLexicon.Create(options.Seed, options.PolarWordsPerSide);
        var tokenizer = WorldTokenizer.Build(lexicon);

        var sentimentGen = new SentimentGenerator(lexicon, options.SentimentAmbiguousRate, options.SentimentLabelNoise);
        var (sentTest, sentTrain) = Splits(options, "sentiment", options.SentimentTest, options.SentimentTrain,
            sentimentGen.Next, s => s.Text);
        var arithmeticGen = new ArithmeticGenerator(lexicon);
        var (arTest, arTrain) = Splits(options, "arithmetic", options.ArithmeticTest, options.ArithmeticTrain,
            arithmeticGen.NextTask, a => a.Question);
        // The version-2 task items, drawn only to be excluded from the corpus as before, so the corpus's random stream
        // (and with it the bases and the other tasks' numbers) is unchanged; the version-3 items cannot occur in the
        // corpus, whose problems follow version 2's templates only.
        var (arTestV2, arTrainV2) = Splits(options, "arithmetic", options.ArithmeticTest, options.ArithmeticTrain,
            arithmeticGen.Next, a => a.Question);
        var dialogueGen = new DialogueGenerator(lexicon);
        var (dlTest, dlTrain) = Splits(options, "dialogue", options.DialogueTest, options.DialogueTrain,
            dialogueGen.Next, d => d.Dialogue);

        var corpus = new CorpusGenerator(lexicon, tokenizer, options,
            Keys(sentTest, sentTrain, s => s.Text), Keys(arTestV2, arTrainV2, a => a.Question), Keys(dlTest, dlTrain, d => d.Dialogue))
            .Generate();
        var v1Docs = Math.Clamp((int)Math.Ceiling(corpus.Count * options.V1CorpusFraction), 1, corpus.Count);
        var split = new CorpusSplit(v1Docs, corpus.Take(v1Docs).Sum(d => (long)d.Tokens), corpus.Count, corpus.Sum(d => (long)d.Tokens));

        var full = Path.GetFullPath(outDir);
        var files = new WorldFiles
        {
            Directory = full,
            Manifest = Path.Combine(full, ManifestFile),
            Readme = Path.Combine(full, ReadmeFile),
            Lexicon = Path.Combine(full, LexiconFile),
            TokenizerDirectory = Path.Combine(full, TokenizerDir),
            Corpus = Path.Combine(full, CorpusFile),
            CorpusV1 = Path.Combine(full, CorpusV1File),
            CorpusSplit = split,
            Sentiment = new WorldTask("sentiment", "jsonl-mc", "sentiment/train.jsonl", "sentiment/test.jsonl", sentTrain.Count, sentTest.Count),
            Arithmetic = new WorldTask("arithmetic", "gsm8k", "arithmetic/train.jsonl", "arithmetic/test.jsonl", arTrain.Count, arTest.Count),
            Dialogue = new WorldTask("dialogue", "samsum", "dialogue/train.json", "dialogue/test.json", dlTrain.Count, dlTest.Count),
            VocabSize = tokenizer.VocabSize,
            WordTypes = lexicon.WordTypeCount,
        };

        AtomicFile.WriteDirectory(full, dir =>
        {
            tokenizer.WriteFiles(Path.Combine(dir, TokenizerDir));
            WriteSentiment(Path.Combine(dir, files.Sentiment.TrainFile), "train", sentTrain);
            WriteSentiment(Path.Combine(dir, files.Sentiment.TestFile), "test", sentTest);
            WriteArithmetic(Path.Combine(dir, files.Arithmetic.TrainFile), "train", arTrain);
            WriteArithmetic(Path.Combine(dir, files.Arithmetic.TestFile), "test", arTest);
            WriteDialogue(Path.Combine(dir, files.Dialogue.TrainFile), "train", dlTrain);
            WriteDialogue(Path.Combine(dir, files.Dialogue.TestFile), "test", dlTest);
            AtomicFile.WriteAllText(Path.Combine(dir, CorpusFile), JoinDocuments(corpus));
            AtomicFile.WriteAllText(Path.Combine(dir, CorpusV1File), JoinDocuments(corpus.Take(v1Docs)));
            AtomicFile.WriteAllBytes(Path.Combine(dir, LexiconFile), LexiconJson(lexicon));
            var stats = new WorldStats(sentTrain.Concat(sentTest).ToList(), corpus);
            AtomicFile.WriteAllBytes(Path.Combine(dir, ManifestFile), Manifest(options, files, stats));
            AtomicFile.WriteAllText(Path.Combine(dir, ReadmeFile),
                WorldReadme.Render(options, files, lexicon, stats, sentTest[0], arTest[0], dlTest[0]));
        });
        return files;
    }

    /// <summary>
    /// Test items first, each split from its own stream, so resizing the train split never changes the test set;
    /// inputs are unique across both splits, so no test input is also a training input.
    /// </summary>
    private static (List<T> Test, List<T> Train) Splits<T>(WorldOptions options, string task, int testCount, int trainCount,
        Func<StableRandom, T> next, Func<T, string> key)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        List<T> Draw(string split, int count)
        {
            var rng = StableRandom.Stream(options.Seed, task + "/" + split);
            var items = new List<T>(count);
            var attempts = 0;
            while (items.Count < count)
            {
                if (++attempts > count * 50 + 10_000)
                    throw new InvalidOperationException($"could not draw {count} distinct {task} {split} items; the templates ran out");
                var item = next(rng);
                if (seen.Add(key(item))) items.Add(item);
            }
            return items;
        }
        var test = Draw("test", testCount);
        return (test, Draw("train", trainCount));
    }

    private static HashSet<string> Keys<T>(List<T> a, List<T> b, Func<T, string> key) =>
        new(a.Concat(b).Select(key), StringComparer.Ordinal);

    private static string Id(string split, int i) => split + "-" + i.ToString("D5", CultureInfo.InvariantCulture);

    private static void WriteSentiment(string path, string split, List<SentimentItem> items) =>
        AtomicFile.WriteAllBytes(path, WorldJson.Lines(items.Select((x, i) => (x, i)), (w, e) =>
        {
            w.WriteStartObject();
            w.WriteString("id", Id(split, e.i));
            w.WriteString("context", e.x.Context);
            w.WriteStartArray("choices");
            foreach (var c in SentimentRules.Choices) w.WriteStringValue(c);
            w.WriteEndArray();
            w.WriteNumber("label", e.x.Label);
            w.WriteEndObject();
        }));

    private static void WriteArithmetic(string path, string split, List<ArithmeticItem> items) =>
        AtomicFile.WriteAllBytes(path, WorldJson.Lines(items.Select((x, i) => (x, i)), (w, e) =>
        {
            w.WriteStartObject();
            w.WriteString("id", Id(split, e.i));
            w.WriteString("question", e.x.Question);
            w.WriteString("answer", e.x.Answer);
            w.WriteEndObject();
        }));

    private static void WriteDialogue(string path, string split, List<DialogueItem> items) =>
        AtomicFile.WriteAllBytes(path, WorldJson.Document(w =>
        {
            w.WriteStartArray();
            for (var i = 0; i < items.Count; i++)
            {
                w.WriteStartObject();
                w.WriteString("id", Id(split, i));
                w.WriteString("dialogue", items[i].Dialogue);
                w.WriteString("summary", items[i].Summary);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }));

    private static string JoinDocuments(IEnumerable<CorpusDocument> docs)
    {
        var sb = new StringBuilder();
        foreach (var d in docs)
        {
            if (sb.Length > 0) sb.Append("\n\n");
            sb.Append(d.Text);
        }
        return sb.Append('\n').ToString();
    }

    private static byte[] LexiconJson(WorldLexicon l) => WorldJson.Document(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("polarity");
        foreach (var word in l.PositiveWords.Concat(l.NegativeWords)) w.WriteNumber(word, l.Polarity[word]);
        w.WriteEndObject();
        foreach (var (name, words) in l.Categories)
        {
            w.WriteStartArray(name);
            foreach (var x in words) w.WriteStringValue(x);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    });

    private static byte[] Manifest(WorldOptions o, WorldFiles f, WorldStats s) => WorldJson.Document(w =>
    {
        w.WriteStartObject();
        w.WriteString("generator", "Muscle.World.SyntheticWorld");
        w.WriteNumber("generator_version", GeneratorVersion);
        w.WriteNumber("seed", o.Seed);
        w.WriteStartObject("options");
        w.WriteNumber("sentiment_train", o.SentimentTrain);
        w.WriteNumber("sentiment_test", o.SentimentTest);
        w.WriteNumber("arithmetic_train", o.ArithmeticTrain);
        w.WriteNumber("arithmetic_test", o.ArithmeticTest);
        w.WriteNumber("dialogue_train", o.DialogueTrain);
        w.WriteNumber("dialogue_test", o.DialogueTest);
        w.WriteNumber("corpus_tokens", o.CorpusTokens);
        w.WriteNumber("polar_words_per_side", o.PolarWordsPerSide);
        w.WriteNumber("sentiment_label_noise", o.SentimentLabelNoise);
        w.WriteNumber("sentiment_ambiguous_rate", o.SentimentAmbiguousRate);
        w.WriteNumber("corpus_labelled_review_rate", o.CorpusLabelledReviewRate);
        w.WriteNumber("corpus_label_noise", o.CorpusLabelNoise);
        w.WriteNumber("v1_corpus_fraction", o.V1CorpusFraction);
        w.WriteEndObject();

        w.WriteStartObject("files");
        w.WriteString("tokenizer", TokenizerDir);
        w.WriteString("lexicon", LexiconFile);
        w.WriteString("readme", ReadmeFile);
        w.WriteString("corpus", CorpusFile);
        w.WriteString("corpus_v1", CorpusV1File);
        w.WriteEndObject();

        w.WriteStartObject("tasks");
        foreach (var t in f.Tasks)
        {
            w.WriteStartObject(t.Name);
            w.WriteString("task", t.TaskFormat);
            w.WriteString("train", t.TrainFile);
            w.WriteString("test", t.TestFile);
            w.WriteNumber("train_count", t.TrainCount);
            w.WriteNumber("test_count", t.TestCount);
            w.WriteEndObject();
        }
        w.WriteEndObject();

        w.WriteStartObject("corpus_split");
        w.WriteString("separator", "blank line");
        w.WriteNumber("v1_documents", f.CorpusSplit.V1Documents);
        w.WriteNumber("v1_tokens", f.CorpusSplit.V1Tokens);
        w.WriteNumber("total_documents", f.CorpusSplit.TotalDocuments);
        w.WriteNumber("total_tokens", f.CorpusSplit.TotalTokens);
        w.WriteEndObject();

        w.WriteStartObject("sizes");
        w.WriteNumber("vocab_size", f.VocabSize);
        w.WriteNumber("word_types", f.WordTypes);
        foreach (var (kind, count) in s.DocumentsByKind) w.WriteNumber("corpus_" + kind + "_documents", count);
        w.WriteEndObject();

        w.WriteStartObject("sentiment_stats");
        w.WriteNumber("ambiguous_rate", Math.Round(s.AmbiguousRate, 4));
        w.WriteNumber("noisy_rate", Math.Round(s.NoisyRate, 4));
        w.WriteNumber("positive_rate", Math.Round(s.PositiveRate, 4));
        w.WriteEndObject();
        w.WriteEndObject();
    });
}

/// <summary>Counts over the generated items that the manifest and README report.</summary>
internal sealed class WorldStats(List<SentimentItem> sentiment, List<CorpusDocument> corpus)
{
    public double AmbiguousRate { get; } = sentiment.Count(s => s.Ambiguous) / (double)sentiment.Count;
    public double NoisyRate { get; } = sentiment.Count(s => s.Noisy) / (double)sentiment.Count;
    public double PositiveRate { get; } = sentiment.Count(s => s.Label == SentimentRules.Positive) / (double)sentiment.Count;

    public IReadOnlyList<(string Kind, int Count)> DocumentsByKind { get; } =
        [.. Enum.GetValues<CorpusDocumentKind>().Select(k => (Snake(k), corpus.Count(d => d.Kind == k)))];

    private static string Snake(CorpusDocumentKind k) => k switch
    {
        CorpusDocumentKind.LabelledReview => "labelled_review",
        _ => k.ToString().ToLowerInvariant(),
    };
}
