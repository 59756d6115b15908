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

/// <summary>One logged point: the mean training loss of the steps since the previous point.</summary>
public readonly record struct LossPoint(long Step, double Loss);
