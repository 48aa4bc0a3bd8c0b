using System.Security.Claims;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.BoardApi.Auth;

/// <summary>Who is calling, read from the validated access token.</summary>
public sealed record Caller(string Id, string DisplayName, bool IsAdmin)
{
    public const string AdminRole = "admin";
    private const int MaxDisplayNameLength = 200;

    public static Caller From(ClaimsPrincipal principal)
    {
        // RFC 9068 2.2: sub is the user, or the client itself for client_credentials tokens.
        var id = principal.FindFirst(Claims.Subject)?.Value
            ?? throw new InvalidOperationException("A validated access token always has a subject.");

        // The name rides in the token only with the profile scope; without it, posts show the subject.
        var name = principal.FindFirst(Claims.Name)?.Value is { Length: > 0 } given ? given : id;
        if (name.Length > MaxDisplayNameLength)
        {
            // Never split a surrogate pair: PostgreSQL rejects invalid UTF-16.
            name = name[..(char.IsHighSurrogate(name[MaxDisplayNameLength - 1]) ? MaxDisplayNameLength - 1 : MaxDisplayNameLength)];
        }

        return new Caller(id, name, principal.HasClaim(Claims.Role, AdminRole));
    }
}
