using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>
/// Whether an authorization request needs the user to present a credential again: <c>prompt=login</c>, or a
/// <c>max_age</c> older than the real authentication time (<c>auth_time</c>, never the cookie's issue time, which
/// sliding renewal and security-stamp refreshes move). Sending the user to sign in adds <see cref="MarkerParameter"/>
/// to the request they come back with: a protected, short-lived "a sign-in was asked for at T, for this request", so
/// that a sign-in made after T satisfies that request however small max_age is (max_age=0 is prompt=login, OIDC Core
/// 3.1.2.1), instead of asking again forever. Bound to the request (client, redirect URI, state, nonce, PKCE challenge),
/// a marker cannot be minted ahead of time for another request, nor carried over to one.
/// </summary>
public sealed class FreshSignIn(IDataProtectionProvider protection, TimeProvider clock)
{
    public const string MarkerParameter = "redisjwt_sign_in_asked";

    // Long enough to sign in (a forgotten password, a registration); the marker grants nothing by itself.
    private static readonly TimeSpan MarkerLifetime = TimeSpan.FromMinutes(30);

    private readonly ITimeLimitedDataProtector _markers =
        protection.CreateProtector("RedisJwt.IdentityServer.FreshSignIn.v1").ToTimeLimitedDataProtector();

    /// <param name="authenticatedAt">The signed-in user's auth_time; null when unknown.</param>
    /// <param name="marker">The <see cref="MarkerParameter"/> the browser came back with (FormRepost.OwnParameter).</param>
    public bool IsNeeded(OpenIddictRequest request, DateTimeOffset? authenticatedAt, string? marker)
    {
        var maxAge = request.MaxAge;
        if (!request.HasPromptValue(PromptValues.Login) && maxAge is null)
        {
            return false;
        }

        if (authenticatedAt is not { } time)
        {
            return true;
        }

        if (AskedAt(request, marker) is { } asked && time >= asked)
        {
            return false;
        }

        return request.HasPromptValue(PromptValues.Login)
            || clock.GetUtcNow() - time > TimeSpan.FromSeconds(maxAge!.Value);
    }

    /// <summary>The marker for <paramref name="request"/>, sent to sign in now (to second precision, as auth_time).</summary>
    public string Marker(OpenIddictRequest request) => _markers.Protect(
        $"{clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}|{Binding(request)}", MarkerLifetime);

    private DateTimeOffset? AskedAt(OpenIddictRequest request, string? marker)
    {
        if (string.IsNullOrEmpty(marker))
        {
            return null;
        }

        try
        {
            return _markers.Unprotect(marker).Split('|') is [var time, var binding]
                && binding == Binding(request)
                && long.TryParse(time, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                    ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                    : null;
        }
        catch (CryptographicException)
        {
            // Forged, expired or from another key ring: as if absent.
            return null;
        }
    }

    // What makes the request the client's own: the values an RP chooses afresh for each one.
    private static string Binding(OpenIddictRequest request) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(
        string.Join('\n', request.ClientId, request.RedirectUri, request.State, request.Nonce, request.CodeChallenge))));
}
