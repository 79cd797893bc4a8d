namespace OpsConsole.Core.Cluster.Local;

/// <summary>A fixed-size ring of a revision's most recent requests (time, latency, 5xx or not).</summary>
internal sealed class RequestSampleBuffer(int capacity = RequestSampleBuffer.DefaultCapacity)
{
    public const int DefaultCapacity = 4096;

    private readonly RequestSample[] _ring = new RequestSample[capacity];
    private readonly Lock _gate = new();
    private long _written;

    public void Add(RequestSample sample)
    {
        lock (_gate) _ring[_written++ % _ring.Length] = sample;
    }

    public IReadOnlyList<RequestSample> Since(DateTimeOffset since)
    {
        lock (_gate)
        {
            var count = (int)Math.Min(_written, _ring.Length);
            var result = new List<RequestSample>(count);
            for (var i = _written - count; i < _written; i++)
            {
                var s = _ring[i % _ring.Length];
                if (s.At > since) result.Add(s);
            }
            return result;
        }
    }
}
