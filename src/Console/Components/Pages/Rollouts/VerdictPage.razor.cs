using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using OpsConsole.Core.Rollouts;
using OpsConsole.Core.Rollouts.Judge;

namespace OpsConsole.Console.Components.Pages.Rollouts;

/// <summary>
/// The canary judge's verdict for one analysis run: per metric the canary's and the baseline's
/// distributions, the test, its numbers and the sentence saying why it passed or failed. Live while
/// the judge is still looking.
/// </summary>
public partial class VerdictPage
{
    [Parameter] public Guid Id { get; set; }
    [Parameter] public Guid RunId { get; set; }

    private Rollout? _rollout;
    private AnalysisRun? _run;
    private JudgeVerdict? _verdict;
    private (Guid, Guid) _loaded;

    private static readonly CultureInfo Inv0 = CultureInfo.InvariantCulture;

    protected override void OnInitialized() =>
        Listen(() => Updates.Subscribe(c =>
        {
            if (c.RolloutId == Id) Refresh();
        }));

    protected override async Task OnParametersSetAsync()
    {
        if (_loaded == (Id, RunId)) return;
        _loaded = (Id, RunId);
        await LoadAsync();
    }

    protected override async Task LoadAsync()
    {
        await using var db = await DbFactory.CreateDbContextAsync();
        _rollout = await db.Rollouts.AsNoTracking().Include(r => r.AnalysisRuns).FirstOrDefaultAsync(r => r.Id == Id);
        _run = _rollout?.AnalysisRuns.FirstOrDefault(a => a.Id == RunId);
        _verdict = JudgeVerdict.FromJson(_run?.VerdictJson);
    }

    /// <summary>The verdict page of a run, when the run has a judge verdict.</summary>
    public static string Href(Guid rolloutId, Guid runId) => $"/rollouts/{rolloutId}/verdicts/{runId}";

    private static string Inv(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Num(double? v) => v switch
    {
        null => "–",
        { } x when x != 0 && Math.Abs(x) < 0.0001 => x.ToString("0.##E+0", CultureInfo.InvariantCulture),
        { } x => x.ToString("0.####", CultureInfo.InvariantCulture),
    };

    private static Color OutcomeColour(JudgeOutcome o) => o switch
    {
        JudgeOutcome.Pass => Color.Success,
        JudgeOutcome.Fail => Color.Error,
        JudgeOutcome.Marginal or JudgeOutcome.Inconclusive => Color.Warning,
        _ => Color.Info,
    };

    private static Severity SummarySeverity(JudgeOutcome o) => o switch
    {
        JudgeOutcome.Pass => Severity.Success,
        JudgeOutcome.Fail => Severity.Error,
        JudgeOutcome.Marginal or JudgeOutcome.Inconclusive => Severity.Warning,
        _ => Severity.Info,
    };

    private static Color ClassColour(MetricVerdict m) => m.Class switch
    {
        MetricClass.Pending => Color.Info,
        MetricClass.Inconclusive => Color.Warning,
        _ => m.Passed ? Color.Success : Color.Error,
    };
}
