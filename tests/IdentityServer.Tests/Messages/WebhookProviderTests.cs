using System.Diagnostics;
using System.Text.Json;
using RedisJwt.IdentityServer.Messages;
using Microsoft.Extensions.Hosting;
using RedisJwt.IdentityServer.Messages.Providers;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.Messages;

public sealed class WebhookProviderTests(FakeGateway gateway) : IClassFixture<FakeGateway>
{
    [Fact]
    public async Task Send_PostsTheMessageAsJsonWithIdempotencyKeyAndBearerToken()
    {
        using var host = ProviderHost.Start(new()
        {
            ["Messages:Providers:Email"] = "folder",
            ["Messages:Providers:Sms"] = "webhook",
            ["Messages:Webhook:Url"] = gateway.Url("/accept").ToString(),
            ["Messages:Webhook:Token"] = "gateway-token",
        });
        var message = ProviderHost.Message(id: "1718000000001-0", channel: MessageChannels.Sms, recipient: "+821012345678");

        await host.Provider(MessageChannels.Sms).SendAsync(message, CancellationToken.None);

        var received = gateway.Requests[message.Id];
        Assert.Equal("Bearer gateway-token", received.Authorization);
        Assert.StartsWith("application/json", received.ContentType);
        var body = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["id"] = message.Id, ["kind"] = message.Kind, ["channel"] = "sms", ["recipient"] = "+821012345678",
                ["subject"] = message.Subject, ["text"] = message.Text,
            },
            body.EnumerateObject().ToDictionary(property => property.Name, property => property.Value.GetString()!));
    }

    [Fact]
    public async Task Send_WithoutToken_NoAuthorizationHeader()
    {
        using var host = WebhookHost(gateway.Url("/accept"));
        var message = ProviderHost.Message(id: "1718000000002-0");

        await host.Provider(MessageChannels.Email).SendAsync(message, CancellationToken.None);

        Assert.Null(gateway.Requests[message.Id].Authorization);
    }

    [Fact]
    public async Task Send_GatewayAnswers503_ThrowsWithTheStatusNotTheBody()
    {
        using var host = WebhookHost(gateway.Url("/refuse"));

        var error = await Assert.ThrowsAsync<MessageNotAcceptedException>(() =>
            host.Provider(MessageChannels.Email).SendAsync(ProviderHost.Message(), CancellationToken.None));

        Assert.Contains("503", error.Message);
        Assert.DoesNotContain("123456", error.ToString());
    }

    [Theory]
    [InlineData(400, true)]
    [InlineData(404, true)]
    [InlineData(422, true)]
    [InlineData(408, false)]
    [InlineData(429, false)]
    [InlineData(500, false)]
    [InlineData(502, false)]
    public async Task Send_GatewayRefuses_PermanentOnlyForA4xxThatIsNotALaterPlease(int status, bool permanent)
    {
        using var host = WebhookHost(gateway.Url($"/status/{status}"));

        var error = await Assert.ThrowsAsync<MessageNotAcceptedException>(() =>
            host.Provider(MessageChannels.Email).SendAsync(ProviderHost.Message(), CancellationToken.None));

        Assert.Equal(permanent, error.Permanent);
    }

    [Fact]
    public async Task Send_GatewaySlowerThanTheTimeout_Throws()
    {
        using var host = WebhookHost(gateway.Url("/slow"), timeout: "00:00:00.5");
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<MessageNotAcceptedException>(() =>
            host.Provider(MessageChannels.Email).SendAsync(ProviderHost.Message(), CancellationToken.None));

        Assert.Contains("did not answer within 0.5 s", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"Took {clock.Elapsed}.");
    }

    [Fact]
    public async Task Send_NothingListening_Throws()
    {
        var port = IdentityServerFactory.FreeLoopbackPort();
        using var host = WebhookHost(new Uri($"http://127.0.0.1:{port}/hook"));

        var error = await Assert.ThrowsAsync<MessageNotAcceptedException>(() =>
            host.Provider(MessageChannels.Email).SendAsync(ProviderHost.Message(), CancellationToken.None));

        Assert.Contains("could not be reached", error.Message);
    }

    private static IHost WebhookHost(Uri url, string timeout = "00:00:10") =>
        ProviderHost.Start(new()
        {
            ["Messages:Providers:Email"] = "webhook",
            ["Messages:Providers:Sms"] = "webhook",
            ["Messages:Webhook:Url"] = url.ToString(),
            ["Messages:Webhook:Timeout"] = timeout,
        });
}
