using OpsConsole.Core.Migrations.Targets;

namespace OpsConsole.Console.Components.Pages.Migrations;

/// <summary>One migration target as the migrations page lists it: where it points and what its history holds.</summary>
/// <param name="Error">Why the target's status could not be read; the counts are zero then.</param>
public sealed record MigrationTargetRow(string Service, string Environment, string Target, TargetKind Provider, bool RequiresApproval,
    int Applied, int Pending, int Drift, string? Error, IReadOnlyList<string> AppliedNames);
