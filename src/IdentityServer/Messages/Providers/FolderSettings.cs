namespace RedisJwt.IdentityServer.Messages.Providers;

/// <summary>The "Messages:Folder" section, read only when a channel uses the folder provider.</summary>
public sealed class FolderSettings
{
    public const string Section = "Messages:Folder";

    /// <summary>Where message files are written; relative to the content root. Created when missing.</summary>
    public string Path { get; set; } = System.IO.Path.Combine(".data", "messages");
}
