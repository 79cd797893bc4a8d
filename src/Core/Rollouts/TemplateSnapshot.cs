namespace OpsConsole.Core.Rollouts;

/// <summary>
/// The latest version of every template, read once: for one reconciler pass, or for one request
/// (read on first use, so requests that never look a template up never query for them).
/// </summary>
public sealed class TemplateSnapshot : IAnalysisTemplates
{
    private readonly Lazy<Dictionary<string, Analysis.AnalysisTemplate>> _latest;

    public TemplateSnapshot(IEnumerable<StoredAnalysisTemplate> stored) : this(() => stored) { }

    public TemplateSnapshot(Func<IEnumerable<StoredAnalysisTemplate>> load) =>
        _latest = new(() => load().GroupBy(s => s.Name).ToDictionary(g => g.Key, g => g.OrderByDescending(s => s.Version).First().Template));

    public Analysis.AnalysisTemplate? Find(string name) => _latest.Value.GetValueOrDefault(name);
    public IEnumerable<Analysis.AnalysisTemplate> All => _latest.Value.Values;
}
