using OpsConsole.Core.Rollouts.Analysis;

namespace OpsConsole.Core.Rollouts;

/// <summary>Analysis templates by name (the latest version).</summary>
public interface IAnalysisTemplates
{
    AnalysisTemplate? Find(string name);
}
