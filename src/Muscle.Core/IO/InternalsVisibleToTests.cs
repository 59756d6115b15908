using System.Runtime.CompilerServices;

// Tests drive the chunked copy with tiny chunks instead of allocating tensors over 2 GB.
[assembly: InternalsVisibleTo("Muscle.Tests")]
