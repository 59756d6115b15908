// Test classes run one after another: several tests assert bit-exact resumes, and LibTorch's random generator is
// process-global, so a training test running in parallel would draw from the same stream. On this 2-core machine
// LibTorch already uses both cores within a test.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
