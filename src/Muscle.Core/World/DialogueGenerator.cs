using Muscle.Infrastructure;
namespace Muscle.World;

/// <summary>A SAMSum-style dialogue (turns "Name: text" joined by '\n') and its rule-made summary.</summary>
internal sealed record DialogueItem(string Dialogue, string Summary);

/// <summary>
/// Two people plan an activity at a place on a day. The second speaker agrees, moves the day, moves the place or
/// declines, and may be asked to bring something. The summary states who, what, where and when by rule, in one
/// of several paraphrases picked at random, so a model that gets the facts right still scores ROUGE-1 below 1
/// by a different amount on each item.
/// </summary>
internal sealed class DialogueGenerator(WorldLexicon lexicon)
{
    public DialogueItem Next(StableRandom rng)
    {
        var (a, b) = lexicon.TwoNames(rng);
        var act = rng.Pick(lexicon.Activities);
        var place = rng.Pick(lexicon.Places);
        var day = rng.Pick(lexicon.Days);
        var turns = new List<string>
        {
            a + ": " + rng.Next(3) switch
            {
                0 => $"shall we {act} at the {place} on {day} ?",
                1 => $"do you want to {act} at the {place} on {day} ?",
                _ => $"let us {act} at the {place} on {day} .",
            },
        };

        string summary;
        switch (rng.Next(4))
        {
            case 0:
                turns.Add(b + ": " + rng.Next(3) switch
                {
                    0 => $"yes , see you at the {place} .",
                    1 => $"sure , {day} is fine .",
                    _ => "ok , i will come .",
                });
                summary = Plan(rng, a, b, act, place, day, movedFrom: null);
                break;
            case 1:
            {
                string day2;
                do day2 = rng.Pick(lexicon.Days); while (day2 == day);
                turns.Add($"{b}: i cannot on {day} . how about {day2} ?");
                turns.Add($"{a}: ok , {day2} then .");
                summary = Plan(rng, a, b, act, place, day2, movedFrom: day);
                break;
            }
            case 2:
            {
                string place2;
                do place2 = rng.Pick(lexicon.Places); while (place2 == place);
                turns.Add($"{b}: not at the {place} . how about the {place2} ?");
                turns.Add($"{a}: fine , the {place2} then .");
                summary = Plan(rng, a, b, act, place2, day, movedFrom: null);
                break;
            }
            default:
                turns.Add($"{b}: sorry , i cannot {act} on {day} .");
                if (rng.Chance(0.5)) turns.Add($"{a}: ok , see you .");
                summary = rng.Next(3) switch
                {
                    0 => $"{b} cannot {act} with {a} on {day} .",
                    1 => $"{a} wants to {act} at the {place} on {day} but {b} cannot .",
                    _ => $"on {day} , {b} cannot {act} with {a} .",
                };
                return new DialogueItem(string.Join('\n', turns), summary);
        }

        // At most 4 turns: only a two-turn agreement has room for the request and its answer.
        if (turns.Count == 2 && rng.Chance(0.4))
        {
            var obj = rng.Pick(lexicon.Objects);
            turns.Add($"{a}: can you bring the {obj} ?");
            turns.Add($"{b}: yes , i will bring it .");
            summary += $" {b} will bring the {obj} .";
        }
        return new DialogueItem(string.Join('\n', turns), summary);
    }

    private static string Plan(StableRandom rng, string a, string b, string act, string place, string day, string? movedFrom) =>
        rng.Next(3) switch
        {
            0 => $"{a} and {b} will {act} at the {place} on {day} .",
            1 => $"on {day} , {a} and {b} will {act} at the {place} .",
            _ => movedFrom is null
                ? $"{b} will {act} with {a} at the {place} on {day} ."
                : $"{b} will {act} with {a} at the {place} on {day} , not on {movedFrom} .",
        };
}
