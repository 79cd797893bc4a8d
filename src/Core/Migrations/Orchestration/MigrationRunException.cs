namespace OpsConsole.Core.Migrations.Orchestration;

/// <summary>A run that hit an unexpected error; its message is redacted. The job is retried with the same batch id.</summary>
public sealed class MigrationRunException(string message) : Exception(message);
