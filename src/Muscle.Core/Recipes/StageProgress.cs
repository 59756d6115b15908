using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text;
using Muscle.Adapters;
using Muscle.Compatibility;
using Muscle.Distillation;
using Muscle.Evaluation;
using Muscle.Infrastructure;
using Muscle.Predictions;
using Muscle.Pretraining;
using Muscle.Reports;
using Muscle.Tasks;
using Muscle.Training;
using static TorchSharp.torch;

namespace Muscle.Recipes;

/// <summary>One stage's progress message: which stage, and the trainer's or evaluator's own progress.</summary>
public readonly record struct StageProgress(string Stage, long Done, long Total, string? Status);
