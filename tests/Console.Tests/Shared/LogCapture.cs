using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OpsConsole.Console.Tests.Shared;

/// <summary>Records every log line the host writes: the formatted message, each structured value, the scopes and any exception.</summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<CapturedLog> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose() { }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var parts = new List<string> { formatter(state, exception) };
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
                parts.AddRange(values.Select(kv => $"{kv.Key}={kv.Value}"));
            owner._scopes.ForEachScope((scope, list) =>
            {
                list.Add(scope?.ToString() ?? "");
                if (scope is IEnumerable<KeyValuePair<string, object?>> kvs) list.AddRange(kvs.Select(kv => $"{kv.Key}={kv.Value}"));
                else if (scope is IEnumerable<KeyValuePair<string, object>> kvs2) list.AddRange(kvs2.Select(kv => $"{kv.Key}={kv.Value}"));
            }, parts);
            if (exception is not null) parts.Add(exception.ToString());
            owner._entries.Enqueue(new CapturedLog(logLevel, category, string.Join(" | ", parts)));
        }
    }
}

public sealed record CapturedLog(LogLevel Level, string Category, string Text);
