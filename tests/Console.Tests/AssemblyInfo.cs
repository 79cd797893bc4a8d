// Hangfire keeps process-wide static state (JobStorage.Current and friends): two console hosts
// started in parallel in one process interfere, so test classes run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
