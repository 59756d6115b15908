namespace Muscle.World;

/// <summary>
/// How the corpus is shared between the two bases: v1 is pretrained on the first <see cref="V1Documents"/>
/// documents (<c>corpus_v1.txt</c>), v2 is v1 continued on all of them (<c>corpus.txt</c>), as a real update
/// continues from the previous release on more text.
/// </summary>
public sealed record CorpusSplit(int V1Documents, long V1Tokens, int TotalDocuments, long TotalTokens);

/// <summary>A task's files and the task name its reader is registered under.</summary>
public sealed record WorldTask(string Name, string TaskFormat, string TrainFile, string TestFile, int TrainCount, int TestCount);

/// <summary>Absolute paths of everything <see cref="SyntheticWorld.Generate"/> wrote.</summary>
public sealed record WorldFiles
{
    public required string Directory { get; init; }
    public required string Manifest { get; init; }
    public required string Readme { get; init; }
    public required string Lexicon { get; init; }

    /// <summary>Holds tokenizer.json, tokenizer_config.json, special_tokens_map.json.</summary>
    public required string TokenizerDirectory { get; init; }

    /// <summary>All documents, separated by one blank line.</summary>
    public required string Corpus { get; init; }

    /// <summary>The first documents of <see cref="Corpus"/>, for base v1.</summary>
    public required string CorpusV1 { get; init; }

    public required CorpusSplit CorpusSplit { get; init; }

    /// <summary>Sentiment, multiple choice (<c>jsonl-mc</c>).</summary>
    public required WorldTask Sentiment { get; init; }

    /// <summary>Word problems (<c>gsm8k</c> jsonl).</summary>
    public required WorldTask Arithmetic { get; init; }

    /// <summary>Dialogue summaries (<c>samsum</c> JSON array).</summary>
    public required WorldTask Dialogue { get; init; }

    public int VocabSize { get; init; }
    public int WordTypes { get; init; }

    public IReadOnlyList<WorldTask> Tasks => [Sentiment, Arithmetic, Dialogue];

    /// <summary>The names of <see cref="Tasks"/>, in order.</summary>
    public static IReadOnlyList<string> TaskNames { get; } = ["sentiment", "arithmetic", "dialogue"];
}
