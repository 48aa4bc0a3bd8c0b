namespace AcmePlanner.Auth;

/// <summary>Where the Board's sign-in server is and who this app is there (section "Oidc").</summary>
public sealed class OidcSettings
{
    public const string Section = "Oidc";

    public Uri Authority { get; set; } = new("http://127.0.0.1:5001/");

    public string ClientId { get; set; } = "third-party-demo";

    /// <summary>Never in code: appsettings.Development.json for the demo, the environment (Oidc__ClientSecret) elsewhere.</summary>
    public string ClientSecret { get; set; } = "";

    /// <summary>Plain HTTP is tolerated for an authority on this machine only (the local demo).</summary>
    public bool IsLoopbackHttp => Authority.Scheme == Uri.UriSchemeHttp && Authority.IsLoopback;
}
