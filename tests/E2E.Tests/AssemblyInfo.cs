// Hangfire keeps process-wide static state: two console hosts in one process interfere, and the
// browser tests share one host and one browser, so test classes run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
