using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.IdentityServer.Messages.Providers;

namespace RedisJwt.IdentityServer.Tests.Messages;

public sealed class FolderProviderTests : IDisposable
{
    private readonly string _contentRoot = Directory.CreateTempSubdirectory("redisjwt-messages-").FullName;

    [Fact]
    public async Task Send_WritesOneJsonFileWithTheFields_NoTemporaryFileLeft()
    {
        using var host = ProviderHost.Start(new(), environment: "Development", contentRoot: _contentRoot);
        var message = ProviderHost.Message();

        await host.Provider(MessageChannels.Email).SendAsync(message, CancellationToken.None);

        // The default folder, under the content root, created on the first message.
        var folder = Path.Combine(_contentRoot, ".data", "messages");
        var file = Assert.Single(Directory.GetFiles(folder, "*", SearchOption.AllDirectories));
        Assert.EndsWith($"-{message.Id}.json", file);
        Assert.Matches(@"^\d{8}T\d{6}\.\d{7}Z-", Path.GetFileName(file));
        var written = Assert.Single(FolderMessage.ReadAll(folder));
        Assert.Equal(
            (message.Id, message.Topic, message.Kind, message.Channel, message.Recipient, message.Subject, message.Text, message.Attempt),
            (written.Id, written.Topic, written.Kind, written.Channel, written.Recipient, written.Subject, written.Text, written.Attempt));
    }

    [Fact]
    public async Task Send_TwoMessages_TwoFilesInOrder()
    {
        using var host = ProviderHost.Start(new()
        {
            ["Messages:Providers:Email"] = "folder",
            ["Messages:Providers:Sms"] = "folder",
            ["Messages:Folder:Path"] = "outbox",
        }, contentRoot: _contentRoot);

        await host.Provider(MessageChannels.Email).SendAsync(ProviderHost.Message(id: "1-0"), CancellationToken.None);
        await host.Provider(MessageChannels.Sms).SendAsync(
            ProviderHost.Message(id: "2-0", channel: MessageChannels.Sms, recipient: "+821012345678"), CancellationToken.None);

        var folder = host.Services.GetRequiredService<FolderProvider>().FolderPath;
        Assert.Equal(Path.Combine(_contentRoot, "outbox"), folder);
        Assert.Equal(2, Directory.GetFiles(folder).Length);
        Assert.Equal([("1-0", "email"), ("2-0", "sms")],
            FolderMessage.ReadAll(folder).Select(written => (written.Id, written.Channel)));
    }

    public void Dispose() => Directory.Delete(_contentRoot, recursive: true);
}
