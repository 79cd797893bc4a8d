// One PostgreSQL server serves every test; running tests one at a time keeps a 2-core machine
// responsive and makes the lock and timeout tests' timings meaningful.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
