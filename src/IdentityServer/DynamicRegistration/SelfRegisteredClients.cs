using Microsoft.EntityFrameworkCore;
using RedisJwt.IdentityServer.Data;

namespace RedisJwt.IdentityServer.DynamicRegistration;

/// <summary>
/// Whether a client registered itself (RFC 7591) rather than being set up by the operator: its name is then only its
/// own claim, self-asserted metadata (RFC 7591 5), which the consent page tells the user.
/// </summary>
public sealed class SelfRegisteredClients(ApplicationDbContext db)
{
    public Task<bool> IsSelfRegisteredAsync(string clientId, CancellationToken cancellationToken = default) =>
        db.DynamicClients.AnyAsync(client => client.ClientId == clientId, cancellationToken);
}
