using OpsConsole.Core.Access;
using OpsConsole.Core.Cluster;
using OpsConsole.Core.Domain;

namespace OpsConsole.Core.Tests.Rollouts;

/// <summary>Which environment variables a rollout's config may give its workload.</summary>
public sealed class WorkloadConfigTests
{
    [Theory]
    [InlineData("FAULT_ERROR_RATE")]
    [InlineData("FAULT_LATENCY_MS")]
    [InlineData("FAULT_CRASH_AFTER_S")]
    [InlineData("GREETING")]
    [InlineData("FEATURE_NEW_CHECKOUT")]
    [InlineData("A")]
    [InlineData("DB_POOL_SIZE2")]
    public void Application_keys_are_allowed(string key)
    {
        Assert.Null(WorkloadConfig.Refusal(key));
        WorkloadConfig.Validate(new Dictionary<string, string> { [key] = "1" });
    }

    [Theory]
    [InlineData("LD_PRELOAD")]
    [InlineData("LD_LIBRARY_PATH")]
    [InlineData("DYLD_INSERT_LIBRARIES")]
    [InlineData("DOTNET_STARTUP_HOOKS")]
    [InlineData("DOTNET_ADDITIONAL_DEPS")]
    [InlineData("COREHOST_TRACE")]
    [InlineData("CORECLR_PROFILER")]
    [InlineData("CORECLR_ENABLE_PROFILING")]
    [InlineData("COMPLUS_ZAPDISABLE")]
    [InlineData("ASPNETCORE_URLS")]
    [InlineData("ASPNETCORE_HOSTINGSTARTUPASSEMBLIES")]
    [InlineData("PATH")]
    [InlineData("HOME")]
    [InlineData("OPS_ADMIN_TOKEN")]
    [InlineData("OPS_PARENT_PID")]
    [InlineData("SSL_CERT_FILE")]
    [InlineData("SSL_CERT_DIR")]
    [InlineData("HTTP_PROXY")]
    [InlineData("HTTPS_PROXY")]
    [InlineData("NODE_OPTIONS")]
    [InlineData("PYTHONPATH")]
    [InlineData("PYTHONSTARTUP")]
    [InlineData("JAVA_TOOL_OPTIONS")]
    [InlineData("GLIBC_TUNABLES")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT")]
    [InlineData("PORT")]
    [InlineData("SERVICE_VERSION")]
    public void Keys_that_steer_the_loader_runtime_or_console_are_refused_naming_the_key(string key)
    {
        Assert.NotNull(WorkloadConfig.Refusal(key));
        var error = Assert.Throws<InvalidInputException>(() => WorkloadConfig.Validate(new Dictionary<string, string> { [key] = "x" }));
        Assert.Contains(key, error.Message);
        Assert.True(error.Errors.ContainsKey("config"));
    }

    [Theory]
    [InlineData("ld_preload")] // lower case would slip past a case-sensitive deny list on some systems
    [InlineData("http_proxy")]
    [InlineData("Path")]
    [InlineData("_UNDERSCORE")]
    [InlineData("1ABC")]
    [InlineData("A-B")]
    [InlineData("A B")]
    [InlineData("")]
    [InlineData("ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDE")] // 65 characters
    public void Keys_outside_the_pattern_are_refused(string key) =>
        Assert.Throws<InvalidInputException>(() => WorkloadConfig.Validate(new Dictionary<string, string> { [key] = "x" }));

    [Fact]
    public void Values_and_the_number_of_keys_are_bounded()
    {
        WorkloadConfig.Validate(new Dictionary<string, string> { ["A"] = new string('x', WorkloadConfig.MaxValueLength), ["B"] = "line1\nline2\ttab" });
        Assert.Throws<InvalidInputException>(() => WorkloadConfig.Validate(new Dictionary<string, string> { ["A"] = new string('x', WorkloadConfig.MaxValueLength + 1) }));
        Assert.Throws<InvalidInputException>(() => WorkloadConfig.Validate(new Dictionary<string, string> { ["A"] = "nul\0" }));
        Assert.Throws<InvalidInputException>(() => WorkloadConfig.Validate(new Dictionary<string, string> { ["A"] = "bell\a" }));
        var many = Enumerable.Range(0, WorkloadConfig.MaxKeys + 1).ToDictionary(i => $"K{i}", _ => "v");
        Assert.Throws<InvalidInputException>(() => WorkloadConfig.Validate(many));
    }

    [Fact]
    public void A_revision_spec_applies_the_same_rule()
    {
        Assert.Throws<InvalidInputException>(() => new RevisionSpec("1.0.0", 1, new Dictionary<string, string> { ["LD_PRELOAD"] = "/tmp/x.so" }));
        Assert.Equal("1.0.0", new RevisionSpec("1.0.0", 1, new Dictionary<string, string> { ["FAULT_ERROR_RATE"] = "0.5" }).Version);
    }
}
