using System.Text;
using Microsoft.AspNetCore.Identity;

namespace RedisJwt.IdentityServer.Account;

/// <summary>
/// Identity's lookup keys (NormalizedEmail, NormalizedUserName), also the per-account sign-in limit's partition:
/// Unicode compatibility forms folded first (NFKC: the Kelvin sign "K" is "K", full-width letters are ASCII), then
/// upper-cased invariantly as Identity's default does. One address is one account and one bucket however it is typed,
/// so neither the uniqueness of emails nor the sign-in limit can be side-stepped by a look-alike spelling. Stored keys
/// need no migration from Identity's upper-case-only normalizer: every user name is its email, and Identity allows user
/// names of ASCII characters only (AllowedUserNameCharacters), on which the two agree.
/// </summary>
public sealed class CompatibilityLookupNormalizer : ILookupNormalizer
{
    public string? NormalizeName(string? name) => Normalize(name);

    public string? NormalizeEmail(string? email) => Normalize(email);

    private static string? Normalize(string? value)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            return value.Normalize(NormalizationForm.FormKC).ToUpperInvariant();
        }
        catch (ArgumentException)
        {
            // Not valid Unicode (a lone surrogate): it cannot match a stored address folded or not.
            return value.ToUpperInvariant();
        }
    }
}
