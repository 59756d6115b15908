using System.CommandLine;
using Muscle.Cli.Infrastructure;
using Muscle.Conversion;
using Muscle.Infrastructure;

namespace Muscle.Cli.Commands;

/// <summary><c>muscle convert llama2c</c>: import foreign checkpoints into HF-format directories.</summary>
public static class ConvertCommand
{
    public static Command Create(CliContext ctx)
    {
        var command = new Command("convert", "Convert checkpoints from other formats into Hugging Face model directories.");
        var checkpoint = new Option<FileInfo>("--checkpoint") { Description = "llama2.c model file (.bin, run.c's format).", Required = true };
        var tokenizer = new Option<FileInfo>("--tokenizer") { Description = "SentencePiece tokenizer model (.model).", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output HF model directory (replaced atomically if empty or written by muscle).", Required = true };
        var llama2c = new Command("llama2c", "Import a llama2.c checkpoint (e.g. stories260K.bin + tok512.model).")
        {
            checkpoint, tokenizer, output,
        };
        llama2c.SetAction(parse =>
        {
            var outDir = OutputGuard.CheckDirectory(parse.GetValue(output)!.FullName, "--out",
                ("--checkpoint", parse.GetValue(checkpoint)!.FullName), ("--tokenizer", parse.GetValue(tokenizer)!.FullName));
            Llama2cImporter.Convert(parse.GetValue(checkpoint)!.FullName, parse.GetValue(tokenizer)!.FullName, outDir);
            OutputGuard.Mark(outDir);
            ctx.Out.WriteLine($"wrote {outDir}");
            return 0;
        });
        command.Subcommands.Add(llama2c);
        return command;
    }
}
