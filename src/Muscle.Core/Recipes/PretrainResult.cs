using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.Json;
using Muscle.Configuration;
using Muscle.Distillation;
using Muscle.IO;
using Muscle.Infrastructure;
using Muscle.Models;
using Muscle.Pretraining;
using Muscle.Tokenization;
using Muscle.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Recipes;

public sealed record PretrainResult(
    string OutDir, long Steps, long TotalSteps, IReadOnlyList<LossPoint> LossHistory, double? ValidationLoss,
    long TrainedTokens, TimeSpan Elapsed, int Windows)
{
    public double FinalLoss => LossHistory.Count == 0 ? double.NaN : LossHistory[^1].Loss;
}
