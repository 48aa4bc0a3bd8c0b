using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.DeviceFlow;

/// <summary>
/// User codes as a person reads and types them (RFC 8628 6.1): consonants only, upper case, so no vowel spells a word
/// and no 0/O or 1/I pair is told apart; typed in any case. Eight of twenty characters are 34.5 bits, which with
/// the attempts limited (<see cref="UserCodeAttempts"/>) and a short lifetime leaves a guesser nothing (RFC 8628 5.1).
/// OpenIddict generates them, stores only a hash of each (as a reference token id), and ignores any character outside
/// the charset, so separators and spaces typed do not matter.
/// </summary>
public sealed class UserCodes : IOpenIddictServerHandler<ExtractEndUserVerificationRequestContext>
{
    /// <summary>RFC 8628 6.1's example: the twenty consonants (base 20).</summary>
    public const string Charset = "BCDFGHJKLMNPQRSTVWXZ";

    public const int Length = 8;

    /// <summary>Shown and sent as "WDJB-MJHT" (RFC 8628 3.2's example form).</summary>
    public const string DisplayFormat = "{0}{1}{2}{3}-{4}{5}{6}{7}";

    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ExtractEndUserVerificationRequestContext>()
            .UseSingletonHandler<UserCodes>()
            .SetOrder(OpenIddictServerAspNetCoreHandlers.ExtractGetOrPostRequest<ExtractEndUserVerificationRequestContext>.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    // Case-insensitive (RFC 8628 6.1): OpenIddict would drop lower-case letters as outside the charset. In the display
    // form from here on, so the page shows the code as the device does, whatever was typed.
    public ValueTask HandleAsync(ExtractEndUserVerificationRequestContext context)
    {
        if (context.Request is { UserCode: { Length: > 0 } typed } request)
        {
            request.UserCode = Normalize(typed);
        }

        return default;
    }

    /// <summary>The characters of the charset in <paramref name="typed"/>, upper-cased; with the dash when they are a whole code.</summary>
    public static string Normalize(string typed)
    {
        var kept = string.Concat(typed.ToUpperInvariant().Where(character => Charset.Contains(character)));
        return kept.Length == Length ? $"{kept[..(Length / 2)]}-{kept[(Length / 2)..]}" : kept;
    }
}
