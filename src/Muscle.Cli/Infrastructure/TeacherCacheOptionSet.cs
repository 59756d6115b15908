using System.CommandLine;
using Muscle.Distillation;

namespace Muscle.Cli.Infrastructure;

/// <summary><c>--teacher-cache</c> and its k: where the compatibility training keeps both teachers' outputs.</summary>
public sealed class TeacherCacheOptionSet
{
    public Option<DirectoryInfo?> Dir { get; } = new("--teacher-cache")
    {
        Description = "Run both teachers once, keep their top-k log-probabilities (token-level strategies, --with-token-loss) and per-choice " +
                      "scores (choice-level strategies) here, reused while current; then train holding only the student. Not for focal-lm" +
                      " (ablate runs that arm with exact teachers and shares the cache between all others).",
    };
    public Option<int> K { get; } = new("--teacher-cache-k")
    {
        Description = "Top-k teacher entries kept per token (plus the tail mass).", DefaultValueFactory = _ => TeacherCacheOptions.DefaultK,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Dir);
        command.Options.Add(K);
    }

    /// <summary>The cache these options describe, or null without <c>--teacher-cache</c> (exact teachers).</summary>
    public TeacherCacheOptions? Bind(ParseResult parse) =>
        parse.GetValue(Dir) is { } dir ? new TeacherCacheOptions(dir.FullName) { K = parse.GetValue(K) } : null;
}
