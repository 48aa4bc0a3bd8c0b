using OpenIddict.Abstractions;

namespace RedisJwt.IdentityServer.DeviceFlow;

/// <summary>
/// The token family (OpenIddict ad-hoc authorization) of a device request. OpenIddict makes it at the device endpoint,
/// before anyone signed in, so it names no user; the device code's entry keeps naming it, so its tokens are of that
/// family whatever the approval says. Approving gives it its user.
/// </summary>
public sealed class DeviceFamilies(IOpenIddictAuthorizationManager authorizations)
{
    /// <returns>False when there is no such family, or another user has it already (or is claiming it now).</returns>
    public async Task<bool> ClaimAsync(string? authorizationId, string userId)
    {
        if (string.IsNullOrEmpty(authorizationId) || await authorizations.FindByIdAsync(authorizationId) is not { } family)
        {
            return false;
        }

        var descriptor = new OpenIddictAuthorizationDescriptor();
        await authorizations.PopulateAsync(descriptor, family);
        if (descriptor.Subject is { } subject)
        {
            return subject == userId;
        }

        descriptor.Subject = userId;
        try
        {
            // The row's concurrency token: of two users claiming at once, one update fails.
            await authorizations.UpdateAsync(family, descriptor);
            return true;
        }
        catch (OpenIddictExceptions.ConcurrencyException)
        {
            return false;
        }
    }
}
