using OpsConsole.Core.Access;

namespace OpsConsole.Core.Runbooks;

/// <summary>Who may do what with runbooks: everyone reads; OnCall and Admin edit and run them.</summary>
public static class RunbookRoles
{
    public static readonly string[] Edit = [Roles.OnCall, Roles.Admin];
    public static readonly string[] Run = [Roles.OnCall, Roles.Admin];
}
