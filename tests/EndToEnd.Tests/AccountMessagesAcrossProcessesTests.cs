using System.Net;
using RedisJwt.IdentityServer.Account.Notifications;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.Testing;

namespace RedisJwt.EndToEnd.Tests;

/// <summary>
/// Two IdentityServer processes on one Redis, sending email through the webhook provider to a gateway on loopback:
/// a message asked for at both at once is sent once, and the verification and reset flows work end to end, each
/// link followed at the other instance than the one that sent it.
/// </summary>
public sealed class AccountMessagesAcrossProcessesTests(AccountMessagesAcrossProcessesTests.WebhookDeployment deployment)
    : IClassFixture<AccountMessagesAcrossProcessesTests.WebhookDeployment>
{
    private const string NewPassword = "An0ther!Password";

    private FakeGateway Gateway => deployment.Gateway;

    [Fact]
    public async Task ResetAskedAtBothProcessesAtOnce_OneEmailSent()
    {
        var email = await RegisterAndConfirmAsync();
        var clients = new[] { deployment.IdentityA.CreateClient(), deployment.IdentityB.CreateClient() };

        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            AuthApiClient.SendAsync(clients[i % 2], HttpMethod.Post, "/auth/password/forgot", new { email })));

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.Accepted, answer.Status));
        await Gateway.WaitForAsync(email, MessageKinds.PasswordReset);
        // Well past the pipeline's latency: no second one follows.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(Gateway.Inbox(email, MessageKinds.PasswordReset));
    }

    [Fact]
    public async Task Verification_RegisteredAtA_SignInRefusedUntilTheLinkIsFollowedAtB()
    {
        var email = NewEmail();
        var a = deployment.IdentityA.CreateClient();
        Assert.Equal(HttpStatusCode.Accepted, (await RegisterAsync(a, email)).Status);

        var message = await Gateway.WaitForAsync(email, MessageKinds.EmailVerification);
        Assert.Equal(MessageChannels.Email, message.Channel);
        var refused = await AuthApiClient.LoginAsync(deployment.IdentityB.CreateClient(), email, Deployment.Password);
        Assert.Equal("invalid_grant", refused.Error);

        var link = MessageLinks.Find(message.Text, AccountMessages.ConfirmEmailPath);
        var confirmed = await ConfirmationLinks.ConfirmAsync(Deployment.BrowserOn(deployment.IdentityB), link.PathAndQuery, Deployment.Password);
        Assert.Equal(HttpStatusCode.OK, confirmed.Response.StatusCode);
        Assert.NotNull(confirmed.Document!.QuerySelector("#confirmed"));

        var (access, _) = await AuthApiClient.SignInAsync(deployment.IdentityB.CreateClient(), email, Deployment.Password);
        Assert.Equal(HttpStatusCode.OK, (await deployment.BoardA.CreateClient(access).GetAsync("/posts")).StatusCode);
    }

    [Fact]
    public async Task Reset_AskedAtB_DoneAtA_EndsEverySessionAtEveryResourceServer_LinkWorksOnce_UserAlerted()
    {
        var email = await RegisterAndConfirmAsync();
        var (access, refresh) = await AuthApiClient.SignInAsync(deployment.IdentityA.CreateClient(), email, Deployment.Password);
        Assert.Equal(HttpStatusCode.OK, (await deployment.BoardB.CreateClient(access).GetAsync("/posts")).StatusCode);

        var b = deployment.IdentityB.CreateClient();
        Assert.Equal(HttpStatusCode.Accepted, (await AuthApiClient.SendAsync(b, HttpMethod.Post, "/auth/password/forgot", new { email })).Status);
        var link = MessageLinks.Find((await Gateway.WaitForAsync(email, MessageKinds.PasswordReset)).Text, AccountMessages.ResetPasswordPath);
        var a = deployment.IdentityA.CreateClient();
        var reset = await ResetAsync(a, link.UserId, link.Code, NewPassword);

        Assert.Equal(HttpStatusCode.NoContent, reset.Status);
        foreach (var board in new[] { deployment.BoardA, deployment.BoardB })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await board.CreateClient(access).GetAsync("/posts")).StatusCode);
        }

        Assert.Equal("invalid_grant", (await AuthApiClient.RefreshAsync(b, refresh)).Error);
        Assert.Equal(HttpStatusCode.BadRequest, (await AuthApiClient.LoginAsync(b, email, Deployment.Password)).Status);
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.LoginAsync(b, email, NewPassword)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await ResetAsync(b, link.UserId, link.Code, "Th1rd!Password")).Status);

        var alert = await Gateway.WaitForAsync(email, MessageKinds.PasswordChanged);
        Assert.DoesNotContain(link.Code, alert.Text);
    }

    private async Task<string> RegisterAndConfirmAsync()
    {
        var email = NewEmail();
        Assert.Equal(HttpStatusCode.Accepted, (await RegisterAsync(deployment.IdentityA.CreateClient(), email)).Status);
        var link = MessageLinks.Find((await Gateway.WaitForAsync(email, MessageKinds.EmailVerification)).Text, AccountMessages.ConfirmEmailPath);
        var confirmed = await ConfirmationLinks.ConfirmAsync(Deployment.BrowserOn(deployment.IdentityB), link.PathAndQuery, Deployment.Password);
        Assert.NotNull(confirmed.Document!.QuerySelector("#confirmed"));
        return email;
    }

    private static Task<TokenResponse> RegisterAsync(HttpClient client, string email) =>
        AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/register",
            new { email, password = Deployment.Password, displayName = "Messaged User", birthdate = "1988-04-01" });

    private static Task<TokenResponse> ResetAsync(HttpClient client, string userId, string code, string newPassword) =>
        AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/password/reset", new { userId, code, newPassword });

    private static string NewEmail() => $"e2e-msg-{Guid.NewGuid():N}@example.test";

    /// <summary>The deployment with email through the webhook provider, and sign-in only after confirmation.</summary>
    public sealed class WebhookDeployment : Deployment
    {
        public FakeGateway Gateway { get; private set; } = null!;

        protected override IReadOnlyDictionary<string, string?> IdentitySettings => new Dictionary<string, string?>
        {
            ["Messages:Providers:Email"] = "webhook",
            ["Messages:Webhook:Url"] = Gateway.Url("/accept").ToString(),
            ["Accounts:RequireConfirmedEmail"] = "true",
            ["RateLimits:Policies:account-emails-per-ip:PermitLimit"] = "100000",
        };

        public override async Task InitializeAsync()
        {
            Gateway = await FakeGateway.StartAsync();
            await base.InitializeAsync();
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            await Gateway.DisposeAsync();
        }
    }
}
