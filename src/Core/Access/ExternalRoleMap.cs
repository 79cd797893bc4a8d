namespace OpsConsole.Core.Access;

/// <summary>
/// Maps the role claims an identity provider sends (group names, app roles) to console roles.
/// A claim value equal to a console role name maps to it unless the map says otherwise.
/// </summary>
public sealed class ExternalRoleMap(IReadOnlyDictionary<string, string> map)
{
    public IReadOnlyList<string> Map(IEnumerable<string> claimValues)
    {
        var result = new List<string>();
        foreach (var value in claimValues)
        {
            var mapped = map.TryGetValue(value, out var m) ? m : value;
            foreach (var role in mapped.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries))
            {
                var (known, _) = Roles.Parse([role]);
                foreach (var k in known) if (!result.Contains(k)) result.Add(k);
            }
        }
        return result;
    }
}
