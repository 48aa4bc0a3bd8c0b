namespace DeviceCli;

/// <summary>Who this app is at the Board's sign-in server and where BoardApi is (section "DeviceCli").</summary>
public sealed class DeviceCliSettings
{
    public const string Section = "DeviceCli";

    public Uri Issuer { get; set; } = new("http://127.0.0.1:5001/");

    /// <summary>A public client: a program on someone's machine keeps no secret.</summary>
    public string ClientId { get; set; } = "device-cli";

    public string Scope { get; set; } = "openid offline_access posts.read";

    public Uri BoardApi { get; set; } = new("http://127.0.0.1:5002/");
}
