using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.Messages.Providers;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>
/// An IdentityServer whose development provider (the folder provider) writes every sent message as a JSON file into
/// a folder of its own, read back as a user reads their inbox.
/// </summary>
public class MessageFolderServer : IAsyncLifetime
{
    public MessageFolderServer()
    {
        Folder = Path.Combine(Path.GetTempPath(), $"redisjwt-messages-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Folder);
        var settings = new Dictionary<string, string?>(Settings) { ["Messages:Folder:Path"] = Folder };
        Server = IdentityServerFactory.Create(IdentityServerFactory.NewDatabaseName(), IdentityServerFactory.NewRedisPrefix(), settings);
    }

    /// <summary>Settings of a variant (e.g. a required email confirmation).</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["RateLimits:Policies:account-emails-per-ip:PermitLimit"] = "100000",
    };

    public string Folder { get; }

    public IdentityServerFactory Server { get; }

    public Task InitializeAsync() => Server.InitializeAsync();

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }

    /// <summary>The messages of a kind sent to <paramref name="recipient"/> so far, oldest first.</summary>
    public IReadOnlyList<FolderMessage> Inbox(string recipient, string kind) =>
        [.. FolderMessage.ReadAll(Folder).Where(message => message.Recipient == recipient && message.Kind == kind)];

    /// <summary>Waits for the <paramref name="count"/>th message of a kind to <paramref name="recipient"/>.</summary>
    public async Task<FolderMessage> WaitForAsync(string recipient, string kind, int count = 1)
    {
        IReadOnlyList<FolderMessage> inbox = [];
        await Eventually.TrueAsync(() => Task.FromResult((inbox = Inbox(recipient, kind)).Count >= count), TimeSpan.FromSeconds(20));
        return inbox[count - 1];
    }

    /// <summary>No message of a kind beyond the <paramref name="count"/> seen, a while later (the pipeline's latency).</summary>
    public async Task AssertStaysAtAsync(string recipient, string kind, int count)
    {
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(count, Inbox(recipient, kind).Count);
    }

    /// <summary>The link to <paramref name="path"/> in a message: its path and query, and its userId and code.</summary>
    public static (string PathAndQuery, string UserId, string Code) Link(FolderMessage message, string path) =>
        MessageLinks.Find(message.Text, path);

    public async Task<ApplicationUser> FindUserAsync(string email) =>
        await Server.WithScopeAsync(services => services.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(email))
            ?? throw new InvalidOperationException($"No user {email}.");
}

/// <summary>Sign-in waits for a confirmed email (Accounts:RequireConfirmedEmail).</summary>
public sealed class ConfirmedEmailServer : MessageFolderServer
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Accounts:RequireConfirmedEmail"] = "true",
    };
}

/// <summary>Reset links expire within seconds (Accounts:PasswordResetTokenLifetime).</summary>
public sealed class ShortResetLinkServer : MessageFolderServer
{
    public static readonly TimeSpan ResetLinkLifetime = TimeSpan.FromSeconds(3);

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Accounts:PasswordResetTokenLifetime"] = ResetLinkLifetime.ToString(),
    };
}
