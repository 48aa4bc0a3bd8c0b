using System.Text.Json;
using Microsoft.Extensions.Options;

namespace RedisJwt.IdentityServer.Messages.Providers;

/// <summary>A message as the folder provider writes it, one JSON file each; the demo and tests read codes from it.</summary>
public sealed record FolderMessage(string Id, string Topic, string Kind, string Channel, string Recipient,
    string Subject, string Text, int Attempt, DateTimeOffset WrittenAt)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The messages in <paramref name="directory"/>, oldest first (file names start with the time).</summary>
    public static IReadOnlyList<FolderMessage> ReadAll(string directory) =>
        !Directory.Exists(directory)
            ? []
            : [.. Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal)
                .Select(file => JsonSerializer.Deserialize<FolderMessage>(File.ReadAllText(file), Json)!)];
}

/// <summary>
/// Development provider: writes each message to Messages:Folder:Path as "{UTC time}-{id}.json" instead of sending
/// it. Each file is written under a temporary name and then renamed, so that a reader (a test polling for a code)
/// never sees half a file.
/// </summary>
public sealed class FolderProvider : IMessageProvider
{
    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly ILogger<FolderProvider> _logger;

    public FolderProvider(IOptions<FolderSettings> settings, IHostEnvironment environment, TimeProvider time,
        ILogger<FolderProvider> logger)
    {
        _directory = Path.GetFullPath(settings.Value.Path, environment.ContentRootPath);
        _time = time;
        _logger = logger;
        if (!environment.IsDevelopment())
        {
            _logger.LogWarning("Messages are written to {Directory}, not sent ({Setting} is {Provider})",
                _directory, MessageProviderSettings.Section, MessageProviderNames.Folder);
        }
    }

    /// <summary>The full path messages are written to.</summary>
    public string FolderPath => _directory;

    public async Task SendAsync(DeliveredMessage message, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var name = $"{now:yyyyMMdd'T'HHmmss'.'fffffff'Z'}-{FileSafe(message.Id)}.json";
        var file = Path.Combine(_directory, name);
        // A name readers skip: not *.json, and hidden.
        var temporary = Path.Combine(_directory, $".{name}.{Guid.NewGuid():N}.tmp");

        Directory.CreateDirectory(_directory);
        var written = new FolderMessage(message.Id, message.Topic, message.Kind, message.Channel, message.Recipient,
            message.Subject, message.Text, message.Attempt, now);
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                await JsonSerializer.SerializeAsync(stream, written, FolderMessage.Json, cancellationToken);
            }

            File.Move(temporary, file);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        _logger.LogInformation("Message {MessageId} ({Kind}, {Topic}, {Channel}) for {Recipient} written to {File}",
            message.Id, message.Kind, message.Topic, message.Channel, Recipients.Mask(message.Recipient), name);
    }

    /// <summary>Stream ids are file-safe already; anything else is kept out of the path (no separators, no "..").</summary>
    private static string FileSafe(string id) =>
        string.Concat(id.Select(character => char.IsAsciiLetterOrDigit(character) || character is '-' or '_' ? character : '_'));
}
