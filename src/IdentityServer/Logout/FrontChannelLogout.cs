using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.IdentityServer.Operations;
using RedisJwt.IdentityServer.Sessions;

namespace RedisJwt.IdentityServer.Logout;

/// <summary>
/// OIDC Front-Channel Logout 1.0: the end-session page loads each front-channel logout URI of the clients that took
/// part in the ended session in an iframe, with <c>iss</c> and <c>sid</c> (section 3; always sent, whether or not the
/// client registered frontchannel_logout_session_required), and may frame those exact origins only.
/// </summary>
public sealed class FrontChannelLogout(IOpenIddictApplicationManager applications, IOptions<ServerSettings> server)
{
    public async Task<IReadOnlyList<Uri>> FramesAsync(SessionRecord ended)
    {
        var frames = new List<Uri>();
        foreach (var clientId in ended.Clients.Distinct(StringComparer.Ordinal))
        {
            if (await ClientProperties.UriAsync(applications, clientId, ClientProperties.FrontChannelLogoutUri) is { } uri)
            {
                frames.Add(new Uri(QueryHelpers.AddQueryString(uri.AbsoluteUri, new Dictionary<string, string?>
                {
                    ["iss"] = server.Value.Issuer!.AbsoluteUri,
                    ["sid"] = ended.Sid,
                })));
            }
        }

        return frames;
    }

    /// <summary>The page's policy: the usual one, plus frame-src for the frames' origins and nothing else.</summary>
    public static string ContentSecurityPolicy(IEnumerable<Uri> frames) =>
        SecurityHeaders.PolicyFraming([.. frames.Select(frame => frame.GetLeftPart(UriPartial.Authority)).Distinct(StringComparer.Ordinal)]);
}
