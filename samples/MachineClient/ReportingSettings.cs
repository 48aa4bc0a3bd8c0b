namespace ReportingService;

/// <summary>Who this service is at the Board's sign-in server and where BoardApi is (section "Reporting").</summary>
public sealed class ReportingSettings
{
    public const string Section = "Reporting";

    public Uri Issuer { get; set; } = new("http://127.0.0.1:5001/");

    public string ClientId { get; set; } = "reporting-service";

    /// <summary>
    /// The PEM file of this client's private key (EC P-256): each token request carries a client assertion signed with it
    /// (private_key_jwt, RFC 7523), and the server holds only the public half (run.sh: certs/dev/machine-client.key).
    /// </summary>
    public string PrivateKeyPath { get; set; } = "";

    public string Scope { get; set; } = "posts.read";

    public Uri BoardApi { get; set; } = new("http://127.0.0.1:5002/");

    /// <summary>
    /// BoardApi's resource identifier (RFC 8707; its Auth:Audience), so the token is for BoardApi alone. Empty: no
    /// resource parameter, and the token names every resource of the scope.
    /// </summary>
    public string Resource { get; set; } = "http://127.0.0.1:5002/";
}
