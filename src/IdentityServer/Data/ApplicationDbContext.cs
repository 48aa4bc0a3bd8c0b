using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using RedisJwt.IdentityServer.Credentials;

namespace RedisJwt.IdentityServer.Data;

/// <summary>
/// ASP.NET Core Identity's users and roles, OpenIddict's applications, scopes, authorizations and tokens, and the
/// signing key ring.
/// </summary>
public sealed class ApplicationDbContext(DbContextOptions<ApplicationDbContext> options)
    : IdentityDbContext<ApplicationUser>(options)
{
    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.UseOpenIddict();

        builder.Entity<SigningKey>(key =>
        {
            key.Property(k => k.Id).HasMaxLength(SigningKey.IdMaxLength);
            key.Property(k => k.Algorithm).HasMaxLength(SigningKey.AlgorithmMaxLength).IsRequired();
            key.Property(k => k.ProtectedKey).IsRequired();
            key.Property(k => k.Seal).IsRequired();
        });

        builder.Entity<ApplicationUser>(user =>
        {
            user.Property(u => u.DisplayName).HasMaxLength(ApplicationUser.DisplayNameMaxLength).IsRequired();
        });
    }
}
