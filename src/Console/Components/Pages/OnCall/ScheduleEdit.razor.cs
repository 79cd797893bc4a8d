using System.Globalization;
using Microsoft.AspNetCore.Components;
using OpsConsole.Core.Access;
using OpsConsole.Core.OnCall;

namespace OpsConsole.Console.Components.Pages.OnCall;

public partial class ScheduleEdit
{
    [Parameter] public Guid? Id { get; set; }
    [Inject] private NavigationManager Nav { get; set; } = default!;

    /// <summary>A layer as the form edits it.</summary>
    public sealed class LayerForm
    {
        public string Name { get; set; } = "";
        public string Users { get; set; } = "";
        public int Length { get; set; } = 7;
        public RotationUnit Unit { get; set; } = RotationUnit.Days;
        public string Handoff { get; set; } = "09:00";
        public string TimeZone { get; set; } = "UTC";
        public string StartDate { get; set; } = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        public string? RestrictFrom { get; set; }
        public string? RestrictTo { get; set; }

        public static LayerForm New() => new();

        public static LayerForm From(RotationLayer l) => new()
        {
            Name = l.Name, Users = string.Join(", ", l.Users), Length = l.RotationLength, Unit = l.Unit, Handoff = l.HandoffTime, TimeZone = l.TimeZone,
            StartDate = l.StartDate, RestrictFrom = l.RestrictFrom, RestrictTo = l.RestrictTo,
        };

        public RotationLayer ToLayer() => new()
        {
            Name = Name, Users = Users.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), RotationLength = Length, Unit = Unit,
            HandoffTime = Handoff, TimeZone = TimeZone, StartDate = StartDate,
            RestrictFrom = string.IsNullOrWhiteSpace(RestrictFrom) ? null : RestrictFrom, RestrictTo = string.IsNullOrWhiteSpace(RestrictTo) ? null : RestrictTo,
        };
    }

    private string? _name, _description;
    private List<LayerForm> _layers = [LayerForm.New()];
    private IReadOnlyList<ScheduleOverride> _overrides = [];
    private string? _overrideUser, _overrideStart, _overrideEnd;
    private bool _admin;

    protected override async Task OnParametersSetAsync()
    {
        _admin = (await CurrentActorAsync()).IsInRole(Roles.Admin);
        if (Id is { } id)
            await ActAsync<OnCallSchedules>(async (s, _) => Show(await s.GetAsync(id)));
    }

    private void Show(ScheduleView view)
    {
        _name = view.Name;
        _description = view.Description;
        _layers = view.Layers.Select(LayerForm.From).ToList();
        _overrides = view.Overrides;
    }

    private async Task SaveAsync()
    {
        ScheduleView? saved = null;
        var input = new ScheduleInput(_name, _description, _layers.Select(l => l.ToLayer()).ToList());
        if (await ActAsync<OnCallSchedules>(async (s, actor) => saved = Id is { } id ? await s.UpdateAsync(actor, id, input) : await s.CreateAsync(actor, input), "Schedule saved."))
        {
            if (Id is null) Nav.NavigateTo($"/oncall/schedules/{saved!.Id}");
            else Show(saved!);
        }
    }

    private async Task DeleteAsync()
    {
        if (Id is { } id && await ActAsync<OnCallSchedules>((s, actor) => s.DeleteAsync(actor, id), "Schedule deleted."))
            Nav.NavigateTo("/oncall");
    }

    private async Task AddOverrideAsync()
    {
        if (Id is not { } id) return;
        if (!TryParse(_overrideStart, out var start) || !TryParse(_overrideEnd, out var end))
        {
            ActionError = "Give the override's start and end as yyyy-MM-dd HH:mm (UTC).";
            return;
        }
        ScheduleView? saved = null;
        if (await ActAsync<OnCallSchedules>(async (s, actor) => saved = await s.AddOverrideAsync(actor, id, new OverrideInput(_overrideUser, start, end)), "Override added."))
        {
            Show(saved!);
            _overrideUser = _overrideStart = _overrideEnd = null;
        }
    }

    private async Task RemoveOverrideAsync(ScheduleOverride o)
    {
        ScheduleView? saved = null;
        if (Id is { } id && await ActAsync<OnCallSchedules>(async (s, actor) => saved = await s.RemoveOverrideAsync(actor, id, o.Id), "Override removed."))
            Show(saved!);
    }

    private static bool TryParse(string? text, out DateTime value) =>
        DateTime.TryParseExact(text?.Trim(), ["yyyy-MM-dd HH:mm", "yyyy-MM-ddTHH:mm", "yyyy-MM-dd"], CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out value);
}
