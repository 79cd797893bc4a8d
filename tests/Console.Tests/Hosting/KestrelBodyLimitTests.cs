using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Console.Tests.Shared;
using OpsConsole.Core.Access;

namespace OpsConsole.Console.Tests.Hosting;

/// <summary>
/// On a real socket a client can stream a body without declaring its length; the 1 MiB limit still
/// holds (enforced by Kestrel while reading) and the answer is still problem details.
/// </summary>
public sealed class KestrelBodyLimitTests
{
    [Fact]
    public async Task A_streamed_body_over_1_MiB_is_a_413_problem_and_writes_nothing()
    {
        await using var factory = new ConsoleFactory();
        factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", factory.AdminToken);
        var usersBefore = await factory.CountAsync<ConsoleUser>();
        var json = $"{{\"userName\":\"{Names.Unique("big")}\",\"password\":\"{Names.Password()}\",\"roles\":[\"Viewer\"],\"email\":\"{new string('x', 1024 * 1024)}@example.test\"}}";

        var response = await client.PostAsync("/api/v1/users", new UnknownLengthContent(json));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(413, (await response.ReadJsonAsync()).GetProperty("status").GetInt32());
        Assert.Equal(usersBefore, await factory.CountAsync<ConsoleUser>());
    }

    /// <summary>A JSON body sent chunked: its length is not declared up front.</summary>
    private sealed class UnknownLengthContent : HttpContent
    {
        private readonly byte[] _bytes;

        public UnknownLengthContent(string json)
        {
            _bytes = Encoding.UTF8.GetBytes(json);
            Headers.ContentType = new("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var i = 0; i < _bytes.Length; i += 64 * 1024)
                await stream.WriteAsync(_bytes.AsMemory(i, Math.Min(64 * 1024, _bytes.Length - i)));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
