using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Persistence;

namespace OpsConsole.Console.Auth;

/// <summary>
/// Refused password sign-ins, aggregated: one audit entry per user name per clock minute, with the
/// count and the outcomes, instead of one entry per attempt (a password-guessing run would otherwise
/// flood the hash-chained trail). A minute's entry is written once the minute is over, at once when
/// that user then signs in (so the trail keeps its order), and when the console stops. User names are
/// cut to <see cref="MaxUserNameLength"/> characters; passwords are never seen here.
/// </summary>
public sealed class SignInRefusals(IServiceScopeFactory scopes, TimeProvider clock, ILogger<SignInRefusals> logger) : BackgroundService
{
    public const int MaxUserNameLength = 64;
    /// <summary>Distinct user names held per minute; beyond it attempts are counted under one "(other)" entry.</summary>
    public const int MaxNamesPerMinute = 1000;
    public const string OtherNames = "(other)";

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Name, DateTime Minute), Pending> _pending = new();

    private sealed class Pending(string name, bool known, DateTime minute, string correlationId)
    {
        public string Name { get; } = name;
        public bool Known { get; } = known;
        public DateTime Minute { get; } = minute;
        public string CorrelationId { get; } = correlationId;
        public int Count { get; set; }
        public SortedDictionary<string, int> Outcomes { get; } = new(StringComparer.Ordinal);
        public DateTime Last { get; set; }
    }

    /// <summary>A user name as it may appear in the audit trail and the logs: trimmed and cut to 64 characters.</summary>
    public static string Shorten(string? userName)
    {
        var name = (userName ?? "").Trim();
        return name.Length <= MaxUserNameLength ? name : name[..MaxUserNameLength];
    }

    /// <param name="userName">The account's name when it exists, else the name as typed.</param>
    public void Add(string userName, bool known, SignInOutcome outcome, string correlationId)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var minute = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        var name = Shorten(userName);
        lock (_gate)
        {
            if (!_pending.ContainsKey((name, minute)) && _pending.Keys.Count(k => k.Minute == minute) >= MaxNamesPerMinute)
            {
                name = OtherNames;
                known = false;
            }
            if (!_pending.TryGetValue((name, minute), out var p))
                _pending[(name, minute)] = p = new Pending(name, known, minute, correlationId);
            p.Count++;
            p.Last = now;
            p.Outcomes[outcome.ToString()] = p.Outcomes.GetValueOrDefault(outcome.ToString()) + 1;
        }
    }

    /// <summary>Writes the entries of minutes that are over; all of them with <paramref name="everything"/>; only this user's (any minute) when a name is given.</summary>
    public async Task FlushAsync(string? userName = null, bool everything = false, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var name = userName is null ? null : Shorten(userName);
        List<Pending> due;
        lock (_gate)
        {
            due = _pending.Values
                .Where(p => everything || (name is not null ? p.Name == name : p.Minute.AddMinutes(1) <= now))
                .OrderBy(p => p.Minute).ThenBy(p => p.Name, StringComparer.Ordinal).ToList();
            // Taken out under the lock: later attempts start a new entry instead of changing one being written.
            foreach (var p in due) _pending.Remove((p.Name, p.Minute));
        }
        if (due.Count == 0) return;

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<OpsDbContext>();
            foreach (var p in due)
            {
                var actor = new Actor(p.Known ? p.Name : "anonymous", new HashSet<string>(), p.CorrelationId);
                AuditTrail.Record(db, actor, "auth.signin.refused", $"user/{(p.Known ? p.Name : "unknown")}", after: new
                {
                    method = "password",
                    count = p.Count,
                    outcomes = p.Outcomes,
                    minute = p.Minute,
                    lastAttempt = p.Last,
                    attemptedUser = p.Known ? null : p.Name,
                });
            }
            await db.SaveChangesAsync(ct);
        }
        catch
        {
            lock (_gate)
                foreach (var p in due)
                    if (!_pending.TryAdd((p.Name, p.Minute), p))
                    {
                        var merged = _pending[(p.Name, p.Minute)];
                        merged.Count += p.Count;
                        foreach (var (outcome, n) in p.Outcomes) merged.Outcomes[outcome] = merged.Outcomes.GetValueOrDefault(outcome) + n;
                    }
            throw;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                try { await FlushAsync(ct: stoppingToken); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "Could not write the refused sign-ins to the audit trail; retrying.");
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try { await FlushAsync(everything: true, ct: CancellationToken.None); }
        catch (Exception e) { logger.LogError(e, "Could not write the refused sign-ins to the audit trail at shutdown."); }
    }
}
