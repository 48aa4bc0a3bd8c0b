using System.ComponentModel.DataAnnotations;

namespace RedisJwt.BoardSpa;

/// <summary>The "Spa" section: where the app signs in and which API it calls.</summary>
public sealed class SpaSettings
{
    public const string Section = "Spa";

    [Required]
    public Uri Authority { get; set; } = null!;

    [Required]
    public Uri BoardApi { get; set; } = null!;

    [Required]
    public string ClientId { get; set; } = "board-spa";

    [Required]
    public string Scope { get; set; } = "openid profile email roles offline_access account posts.read posts.write";

    /// <summary>Renew the access token this long before it expires (oidc-client-ts's default is 60 s).</summary>
    [Range(1, 3600)]
    public int RenewSecondsBeforeExpiry { get; set; } = 60;

    public object ToClientConfig() => new
    {
        authority = Authority.ToString().TrimEnd('/'),
        boardApi = BoardApi.ToString().TrimEnd('/'),
        clientId = ClientId,
        scope = Scope,
        renewSecondsBeforeExpiry = RenewSecondsBeforeExpiry,
        // RFC 8707 resource identifiers, compared character for character: BoardApi's is its URL as configured (its
        // Auth:Audience, trailing slash kept), the account API's {issuer}auth.
        resources = new
        {
            boardApi = BoardApi.ToString(),
            account = $"{Authority.ToString().TrimEnd('/')}/auth",
        },
    };
}
