namespace OpsConsole.Console.Tests.Shared;

public static class Names
{
    /// <summary>A user, token or webhook name no other test uses (user names allow letters, digits and . _ @ -).</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    public static string Password() => "pw-" + Guid.NewGuid().ToString("N");
}
