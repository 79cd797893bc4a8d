using System.Text.Json;

namespace OpsConsole.Cli.Tests;

/// <summary>Argument parsing, settings, exit codes and error output, against a scripted stand-in console.</summary>
public sealed class CliTests : IAsyncLifetime
{
    private readonly CliRun _cli = new();
    private FakeConsole _console = default!;

    public async Task InitializeAsync()
    {
        _console = await FakeConsole.StartAsync();
        _cli.Environment["OPS_URL"] = _console.Url;
        _cli.Environment["OPS_TOKEN"] = FakeConsole.Token;
    }

    public async Task DisposeAsync()
    {
        await _console.DisposeAsync();
        _cli.Dispose();
    }

    private void AssertNoToken(CliResult r) => Assert.DoesNotContain(FakeConsole.Token, r.Out + r.Error, StringComparison.Ordinal);

    [Theory]
    [InlineData(new[] { "promote", "--service", "checkout", "--version", "1.0.0" }, "--to")]
    [InlineData(new[] { "release", "create", "--service", "checkout", "--version", "1.0.0" }, "--commit")]
    [InlineData(new[] { "release", "checks", "--service", "checkout", "--version", "1.0.0", "--name", "unit" }, "--junit")]
    [InlineData(new[] { "rollout", "status", "--service", "checkout" }, "--environment")]
    [InlineData(new[] { "deploy", "now" }, "deploy")]
    public async Task A_wrong_command_line_exits_2_naming_what_is_wrong_and_calls_nothing(string[] args, string named)
    {
        var r = await _cli.RunAsync(args);
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains(named, r.Error, StringComparison.Ordinal);
        Assert.Empty(_console.Requests);
    }

    [Theory]
    [InlineData("30m", 1800)]
    [InlineData("90s", 90)]
    [InlineData("1h30m", 5400)]
    [InlineData("45", 45)]
    [InlineData("0", null)]
    [InlineData("3d", null)]
    [InlineData("72h", null)]
    [InlineData("soon", null)]
    [InlineData("99999999999h", null)]
    public void Durations_parse_as_a_pipeline_writes_them(string text, int? seconds) =>
        Assert.Equal(seconds is null ? null : TimeSpan.FromSeconds(seconds.Value), Durations.Parse(text));

    [Fact]
    public async Task A_bad_timeout_is_a_usage_error_before_anything_is_requested()
    {
        var r = await _cli.RunAsync("promote", "--service", "checkout", "--version", "1.0.0", "--to", "prod", "--wait", "--timeout", "soon");
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("--timeout 'soon'", r.Error, StringComparison.Ordinal);
        Assert.Empty(_console.Requests);
    }

    [Fact]
    public async Task Without_settings_every_command_says_how_to_log_in()
    {
        _cli.Environment.Clear();
        var r = await _cli.RunAsync("rollout", "status", "--service", "checkout", "--environment", "prod");
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("ops login", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_saves_the_settings_for_this_user_only_and_environment_variables_win_over_them()
    {
        _cli.Environment.Clear();
        _console.Answers["GET /api/v1/me"] = (200, new { name = "ci-bot" });
        var r = await _cli.RunAsync("login", "--url", _console.Url + "/", "--token", FakeConsole.Token);
        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Contains("as ci-bot", r.Out, StringComparison.Ordinal);
        AssertNoToken(r);
        var file = Path.Combine(_cli.ConfigDirectory, "cli.json");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        using (var saved = JsonDocument.Parse(File.ReadAllText(file)))
            Assert.Equal(_console.Url, saved.RootElement.GetProperty("url").GetString());

        Assert.Equal(ExitCodes.Ok, (await _cli.RunAsync("rollout", "status", "--service", "checkout", "--environment", "prod")).ExitCode);
        _cli.Environment["OPS_TOKEN"] = "opc_another_token_that_the_fake_refuses";
        var refused = await _cli.RunAsync("rollout", "status", "--service", "checkout", "--environment", "prod");
        Assert.Equal(ExitCodes.NotAllowed, refused.ExitCode);
        Assert.DoesNotContain("opc_another_token_that_the_fake_refuses", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_token_at_login_saves_nothing()
    {
        var r = await _cli.RunAsync("login", "--url", _console.Url, "--token", "opc_wrong_token_1234567890");
        Assert.Equal(ExitCodes.NotAllowed, r.ExitCode);
        Assert.Contains("401", r.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_cli.ConfigDirectory, "cli.json")));
    }

    [Fact]
    public async Task A_conflicting_release_exits_1_with_the_problem_title_and_detail_and_never_the_token()
    {
        _console.Answers["POST /api/v1/releases"] = (409, new
        {
            title = "Conflict", status = 409, detail = $"checkout 1.4.2 is already registered with other content (token {FakeConsole.Token}).",
        });
        var r = await _cli.RunAsync("release", "create", "--service", "checkout", "--version", "1.4.2", "--commit", "abc123", "--commit-time", "2026-11-28T10:00:00Z");
        Assert.Equal(ExitCodes.Error, r.ExitCode);
        Assert.Contains("409", r.Error, StringComparison.Ordinal);
        Assert.Contains("already registered with other content", r.Error, StringComparison.Ordinal);
        AssertNoToken(r);
        var sent = _console.Requests.Single(q => q.Method == "POST");
        using var body = JsonDocument.Parse(sent.Body);
        Assert.Equal("abc123", body.RootElement.GetProperty("commit").GetString());
        Assert.Equal(new DateTime(2026, 11, 28, 10, 0, 0, DateTimeKind.Utc), body.RootElement.GetProperty("commitTime").GetDateTime().ToUniversalTime());
    }

    [Fact]
    public async Task A_field_error_is_printed_with_its_field()
    {
        _console.Answers["POST /api/v1/releases"] = (400, new
        {
            title = "One or more validation errors occurred.", status = 400, errors = new Dictionary<string, string[]> { ["version"] = ["A version has no spaces."] },
        });
        var r = await _cli.RunAsync("release", "create", "--service", "checkout", "--version", "1 4", "--commit", "abc123");
        Assert.Equal(ExitCodes.Error, r.ExitCode);
        Assert.Contains("version: A version has no spaces.", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checks_post_the_junit_file_as_xml_under_the_check_name()
    {
        _console.Answers["POST /api/v1/releases/checkout/1.4.2/checks"] = (200, new { name = "unit", passed = false, tests = 3, failures = 1 });
        var xml = """<testsuite name="unit" tests="3" failures="1"><testcase name="a"/><testcase name="b"><failure/></testcase><testcase name="c"/></testsuite>""";
        var r = await _cli.RunAsync("release", "checks", "--service", "checkout", "--version", "1.4.2", "--name", "unit", "--junit", _cli.WriteFile("unit.xml", xml));
        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Contains("failed, 3 tests, 1 failures", r.Out, StringComparison.Ordinal);
        var sent = Assert.Single(_console.Requests);
        Assert.Equal("/api/v1/releases/checkout/1.4.2/checks?name=unit", sent.PathAndQuery);
        Assert.Equal("application/xml", sent.ContentType);
        Assert.Equal(xml, sent.Body);
    }

    [Fact]
    public async Task A_missing_junit_file_is_a_usage_error()
    {
        var r = await _cli.RunAsync("release", "checks", "--service", "checkout", "--version", "1.4.2", "--name", "unit", "--junit", "/nonexistent/unit.xml");
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Empty(_console.Requests);
    }

    [Fact]
    public async Task Promote_without_wait_prints_the_promotion_and_exits_0()
    {
        _console.Answers["POST /api/v1/promotions"] = (201, new { id = "11111111-2222-3333-4444-555555555555", status = "WaitingForGates" });
        var r = await _cli.RunAsync("promote", "--service", "checkout", "--version", "1.4.2", "--to", "prod");
        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Contains("Promotion 11111111-2222-3333-4444-555555555555", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(_console.Requests, q => q.PathAndQuery.StartsWith("/api/v1/promotions/", StringComparison.Ordinal));
        Assert.Single(_console.Requests, q => q.Method == "POST" && q.PathAndQuery.StartsWith("/api/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_promotion_already_under_way_is_followed_instead_of_requested_again()
    {
        _console.Answers["GET /api/v1/promotions"] = (200, new[] { FakeConsole.View("Deploying") });
        _console.Promotion.Enqueue(FakeConsole.View("Succeeded"));
        var r = await _cli.RunAsync("promote", "--service", "checkout", "--version", "1.4.2", "--to", "dev", "--wait");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("was already requested, Deploying", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(_console.Requests, q => q.Method == "POST" && q.PathAndQuery.StartsWith("/api/", StringComparison.Ordinal));
        Assert.Contains(_console.Requests, q => q.PathAndQuery == "/api/v1/promotions?service=checkout&environment=dev&version=1.4.2&limit=1");
    }

    public static TheoryData<string, string, int, string> Endings => new()
    {
        { "Succeeded", "", ExitCodes.Ok, "promoted to prod" },
        { "Rejected", "Rejected by rita: the changelog is missing the migration", ExitCodes.Rejected, "the changelog is missing the migration" },
        { "Failed", "Rolled back to 1.4.1: error-rate 7.9% > 5%", ExitCodes.Failed, "Rolled back to 1.4.1" },
        { "Cancelled", "Cancelled by ci", ExitCodes.Cancelled, "Cancelled by ci" },
    };

    [Theory]
    [MemberData(nameof(Endings))]
    public async Task Promote_wait_follows_the_gates_and_exits_with_the_outcome(string status, string message, int code, string said)
    {
        _console.Answers["POST /api/v1/promotions"] = (201, new { id = "11111111-2222-3333-4444-555555555555", status = "WaitingForGates" });
        _console.Promotion.Enqueue(FakeConsole.View("WaitingForGates", "", ("checks", false, "e2e has not reported"), ("approvals", false, "0 of 1 approvals")));
        _console.Promotion.Enqueue(FakeConsole.View("AwaitingApproval", "", ("checks", true, "unit and e2e passed"), ("approvals", false, "0 of 1 approvals")));
        _console.Promotion.Enqueue(FakeConsole.View(status, message, ("checks", true, "unit and e2e passed"), ("approvals", true, "approved by rita")));

        var r = await _cli.RunAsync("promote", "--service", "checkout", "--version", "1.4.2", "--to", "prod", "--wait", "--timeout", "60s");

        Assert.True(code == r.ExitCode, r.ToString());
        Assert.Contains("gate checks: waiting — e2e has not reported", r.Out, StringComparison.Ordinal);
        Assert.Contains("gate checks: passed — unit and e2e passed", r.Out, StringComparison.Ordinal);
        Assert.Contains("gate approvals: passed — approved by rita", r.Out, StringComparison.Ordinal);
        Assert.Contains(said, code == 0 ? r.Out : r.Error, StringComparison.Ordinal);
        AssertNoToken(r);
    }

    [Fact]
    public async Task Promote_wait_gives_up_at_the_timeout_with_its_own_exit_code()
    {
        _console.Answers["POST /api/v1/promotions"] = (201, new { id = "11111111-2222-3333-4444-555555555555", status = "WaitingForGates" });
        _console.Promotion.Enqueue(FakeConsole.View("AwaitingApproval", "", ("approvals", false, "0 of 1 approvals")));
        var r = await _cli.RunAsync("promote", "--service", "checkout", "--version", "1.4.2", "--to", "prod", "--wait", "--timeout", "2s");
        Assert.True(ExitCodes.TimedOut == r.ExitCode, r.ToString());
        Assert.Contains("did not finish within", r.Error, StringComparison.Ordinal);
        Assert.Contains("AwaitingApproval", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollout_abort_aborts_the_rollout_in_flight()
    {
        var rollout = new { id = "aaaaaaaa-2222-3333-4444-555555555555", service = "checkout", environment = "prod", version = "1.4.2", phase = "Progressing", weights = new Dictionary<string, int> { ["1.4.1"] = 80, ["1.4.2"] = 20 } };
        _console.Answers["GET /api/v1/rollouts"] = (200, new[] { rollout });
        _console.Answers["POST /api/v1/rollouts/aaaaaaaa-2222-3333-4444-555555555555/abort"] = (200, rollout with { phase = "Aborted" });
        var status = await _cli.RunAsync("rollout", "status", "--service", "checkout", "--environment", "prod");
        Assert.Contains("checkout/prod 1.4.2: Progressing (traffic: 1.4.1 80%, 1.4.2 20%)", status.Out, StringComparison.Ordinal);
        var r = await _cli.RunAsync("rollout", "abort", "--service", "checkout", "--environment", "prod");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Aborted. checkout/prod 1.4.2: Aborted", r.Out, StringComparison.Ordinal);
        Assert.Contains(_console.Requests, q => q.PathAndQuery == "/api/v1/rollouts?service=checkout&environment=prod&limit=1&active=true");
    }

    [Fact]
    public async Task Rollout_abort_with_nothing_in_flight_exits_1()
    {
        _console.Answers["GET /api/v1/rollouts"] = (200, Array.Empty<object>());
        var r = await _cli.RunAsync("rollout", "abort", "--service", "checkout", "--environment", "prod");
        Assert.Equal(ExitCodes.Error, r.ExitCode);
        Assert.Contains("no rollout", r.Error, StringComparison.Ordinal);
    }
}
