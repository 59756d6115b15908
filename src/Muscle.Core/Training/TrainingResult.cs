using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.Json;
using Muscle.Adapters;
using Muscle.Distillation;
using Muscle.IO;
using Muscle.Infrastructure;
using Muscle.Models;
using Muscle.Pretraining;
using Muscle.Recipes;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Training;

/// <summary>Outcome of a run: the epoch whose adapter was kept and the validation losses per epoch.</summary>
public sealed record TrainingResult(int BestEpoch, double BestValidationLoss, IReadOnlyList<double> ValidationLosses, long Steps,
                                    double InitialValidationLoss);
