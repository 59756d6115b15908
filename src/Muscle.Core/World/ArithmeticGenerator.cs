using Muscle.Infrastructure;
using System.Globalization;

namespace Muscle.World;

/// <summary>A GSM8K-style word problem and its worked answer ending in <c>#### N</c>.</summary>
internal sealed record ArithmeticItem(string Question, string Answer, int Result);

/// <summary>
/// Word problems. <see cref="Next"/> (the corpus's worked problems, generator version 2): one or two operations on
/// single-digit operands (results 0–90). <see cref="NextTask"/> (the task's items since generator version 3): templates
/// the corpus does not have, with up to three steps and carries or borrows past ten, so no task question can equal a
/// corpus one. With single-digit task items both demo adapters solved the task (v1 99.7 %, v2 100 %,
/// docs/RESULTS.md), leaving no regression to fix. Numbers are written as ordinary decimals: the world tokenizer
/// splits " 42" into Ġ, 4, 2, so every digit is its own token and the space before a number is one shared token,
/// which tiny models learn quickly.
/// </summary>
internal sealed class ArithmeticGenerator(WorldLexicon lexicon)
{
    public ArithmeticItem Next(StableRandom rng)
    {
        var (a, b, obj, kind) = Draw(rng);
        switch (kind)
        {
            case 0:
            case 1:
            {
                var (x, y) = (rng.Between(1, 9), rng.Between(1, 9));
                var second = kind == 0 ? $"{a} buys {N(y)} more {obj} ." : $"{b} gives {a} {N(y)} more {obj} .";
                return Item($"{a} has {N(x)} {obj} . {second} how many {obj} does {a} have now ?", [Step(x, '+', y)], x + y);
            }
            case 2:
            case 3:
            {
                var x = rng.Between(2, 9);
                var y = rng.Between(1, x);
                var second = kind == 2 ? $"{a} gives {N(y)} {obj} to {b} ." : $"{a} loses {N(y)} {obj} .";
                return Item($"{a} has {N(x)} {obj} . {second} how many {obj} does {a} have now ?", [Step(x, '-', y)], x - y);
            }
            case 4:
            {
                var (x, y) = (rng.Between(2, 9), rng.Between(2, 9));
                return Item($"{a} has {N(x)} bags . each bag has {N(y)} {obj} . how many {obj} does {a} have ?",
                    [Step(x, '*', y)], x * y);
            }
            default:
            {
                var (x, y) = (rng.Between(1, 9), rng.Between(1, 9));
                var s = x + y;
                var z = rng.Between(1, Math.Min(9, s));
                return Item($"{a} has {N(x)} {obj} . {a} buys {N(y)} more {obj} . then {a} gives {N(z)} {obj} to {b} . how many {obj} does {a} have now ?",
                    [Step(x, '+', y), Step(s, '-', z)], s - z);
            }
        }
    }

    /// <summary>
    /// A task item (generator version 3): templates the corpus never shows — three-step chains, a product followed by an
    /// addition or a subtraction (carries and borrows past ten), a teen first operand — so no task question can equal a
    /// corpus one. A first try with two-digit operands up to 49 left both demo adapters at 7 % and 19 % exact match: the
    /// bases had never seen such numbers.
    /// </summary>
    public ArithmeticItem NextTask(StableRandom rng)
    {
        var (a, b, obj, kind) = Draw(rng);
        switch (kind)
        {
            case 0:
            case 1:
            {
                var (x, y) = (rng.Between(1, 9), rng.Between(1, 9));
                var s = x + y;
                var z = rng.Between(1, Math.Min(9, s));
                var w = rng.Between(1, 9);
                return Item($"{a} has {N(x)} {obj} . {a} buys {N(y)} more {obj} . then {a} gives {N(z)} {obj} to {b} . "
                            + $"then {a} buys {N(w)} more {obj} . how many {obj} does {a} have now ?",
                    [Step(x, '+', y), Step(s, '-', z), Step(s - z, '+', w)], s - z + w);
            }
            case 2:
            case 3:
            {
                var (x, y) = (rng.Between(2, 9), rng.Between(2, 9));
                var p = x * y;
                var z = rng.Between(1, Math.Min(9, p - 1));
                var second = kind == 2 ? $"{b} gives {a} {N(z)} more {obj} ." : $"{a} gives {N(z)} {obj} to {b} .";
                return Item($"{a} has {N(x)} bags . each bag has {N(y)} {obj} . {second} how many {obj} does {a} have now ?",
                    [Step(x, '*', y), Step(p, kind == 2 ? '+' : '-', z)], kind == 2 ? p + z : p - z);
            }
            case 4:
            {
                var (x, y) = (rng.Between(10, 19), rng.Between(1, 9));
                return Item($"{a} has {N(x)} {obj} . {a} buys {N(y)} more {obj} . how many {obj} does {a} have now ?", [Step(x, '+', y)], x + y);
            }
            default:
            {
                var (x, y) = (rng.Between(10, 19), rng.Between(1, 9));
                return Item($"{a} has {N(x)} {obj} . {a} loses {N(y)} {obj} . how many {obj} does {a} have now ?", [Step(x, '-', y)], x - y);
            }
        }
    }

    /// <summary>Two names, an object and one of six templates, drawn in this order (both generators' first draws).</summary>
    private (string A, string B, string Obj, int Kind) Draw(StableRandom rng)
    {
        var (a, b) = lexicon.TwoNames(rng);
        var obj = rng.Pick(lexicon.Objects);
        return (a, b, obj, rng.Next(6));
    }

    private static ArithmeticItem Item(string question, string[] steps, int result) =>
        new(question, $"{string.Join(" ", steps)} #### {N(result)}", result);

    private static string Step(int x, char op, int y)
    {
        var r = op switch { '+' => x + y, '-' => x - y, _ => x * y };
        return $"{N(x)} {op} {N(y)} = {N(r)} .";
    }

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);
}
