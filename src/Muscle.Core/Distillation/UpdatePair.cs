using Muscle.Adapters;
using Muscle.Infrastructure;

namespace Muscle.Distillation;

/// <summary>The four artefacts of a model update: old base + old task adapter, new base + new task adapter.</summary>
public sealed record UpdatePair(string OldModelDir, string OldAdapterDir, string NewModelDir, string NewAdapterDir)
{
    /// <summary>
    /// The KL between old and new models needs one vocabulary (arXiv 2407.09435 assumes a shared tokenizer): refuse
    /// bases whose tokenizers or vocabulary sizes differ.
    /// </summary>
    public static void RequireSharedVocabulary(TaskModel oldModel, TaskModel newModel)
    {
        if (oldModel.Tokenizer.VocabularyFingerprint != newModel.Tokenizer.VocabularyFingerprint)
            throw new MuscleInputException(
                $"the old and new base models have different tokenizers ({oldModel.Tokenizer.VocabSize} vs {newModel.Tokenizer.VocabSize} tokens, " +
                "different token → id maps); MUSCLE's KL needs one shared vocabulary", newModel.ModelDir);
        if (oldModel.Model.Config.VocabSize != newModel.Model.Config.VocabSize)
            throw new MuscleInputException(
                $"the old and new base models have different vocab_size ({oldModel.Model.Config.VocabSize} vs {newModel.Model.Config.VocabSize})",
                newModel.ModelDir);
    }
}
