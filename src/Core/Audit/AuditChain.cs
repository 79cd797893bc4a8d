using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace OpsConsole.Core.Audit;

/// <summary>The hash chain over audit entries: how a hash is computed and how a chain is checked.</summary>
public static class AuditChain
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    public static string ComputeHash(AuditEntry e)
    {
        // A JSON array is an unambiguous encoding: no field can smuggle a separator into the next.
        var canonical = JsonSerializer.Serialize(new object?[]
        {
            e.Sequence, e.At.ToUniversalTime().Ticks.ToString(CultureInfo.InvariantCulture), e.Actor, e.Action,
            e.Target, e.CorrelationId, e.Before, e.After, e.PreviousHash,
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>Checks entries in sequence order and reports the first one that does not fit.</summary>
    public static AuditVerification Verify(IEnumerable<AuditEntry> entriesInOrder)
    {
        var walk = new AuditChainWalk();
        foreach (var e in entriesInOrder)
            if (walk.Next(e) is { } broken) return broken;
        return walk.Result();
    }
}

/// <summary>Walks a chain one entry at a time, so a long trail can be streamed from the store.</summary>
public sealed class AuditChainWalk
{
    private string _expectedPrevious = AuditChain.GenesisHash;
    private long _expectedSequence = 1;
    private long _checked;

    /// <summary>Returns the verdict when this entry breaks the chain, otherwise null.</summary>
    public AuditVerification? Next(AuditEntry e)
    {
        if (e.Sequence != _expectedSequence)
            return AuditVerification.Broken(_checked, _expectedSequence, e.Sequence,
                $"Entry {_expectedSequence} is missing: the next entry found is {e.Sequence}.");
        if (!string.Equals(e.PreviousHash, _expectedPrevious, StringComparison.Ordinal))
            return AuditVerification.Broken(_checked, e.Sequence, e.Sequence,
                $"Entry {e.Sequence} does not link to the entry before it (an earlier entry was changed or removed).");
        if (!string.Equals(AuditChain.ComputeHash(e), e.Hash, StringComparison.Ordinal))
            return AuditVerification.Broken(_checked, e.Sequence, e.Sequence,
                $"Entry {e.Sequence} was changed after it was written: its content no longer matches its hash.");
        _expectedPrevious = e.Hash;
        _expectedSequence++;
        _checked++;
        return null;
    }

    public AuditVerification Result() => AuditVerification.Intact(_checked, _checked == 0 ? null : _expectedPrevious);
}

public sealed record AuditVerification(bool IsIntact, long EntriesChecked, long? FirstBadSequence, long? FoundSequence, string? Reason, string? HeadHash)
{
    public static AuditVerification Intact(long count, string? head) => new(true, count, null, null, null, head);

    public static AuditVerification Broken(long checkedBefore, long bad, long found, string reason) =>
        new(false, checkedBefore, bad, found, reason, null);
}
