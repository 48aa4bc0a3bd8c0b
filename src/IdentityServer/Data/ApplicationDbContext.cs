using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using RedisJwt.IdentityServer.Credentials;
using RedisJwt.IdentityServer.DynamicRegistration;
using RedisJwt.IdentityServer.MultiFactor;

namespace RedisJwt.IdentityServer.Data;

/// <summary>
/// ASP.NET Core Identity's users, roles and passkeys, OpenIddict's applications, scopes, authorizations and tokens,
/// the signing key ring, the dates of users' second factors, and dynamic client registration's tokens.
/// </summary>
public sealed class ApplicationDbContext(DbContextOptions<ApplicationDbContext> options)
    : IdentityDbContext<ApplicationUser>(options)
{
    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();

    public DbSet<FactorUse> FactorUses => Set<FactorUse>();

    public DbSet<InitialAccessToken> InitialAccessTokens => Set<InitialAccessToken>();

    public DbSet<DynamicClient> DynamicClients => Set<DynamicClient>();

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

        builder.Entity<FactorUse>(use =>
        {
            use.HasKey(u => new { u.UserId, u.Factor });
            use.Property(u => u.Factor).HasMaxLength(FactorUse.FactorMaxLength);
            use.HasOne<ApplicationUser>().WithMany().HasForeignKey(u => u.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        DynamicRegistrationModel.Configure(builder);

        builder.Entity<ApplicationUser>(user =>
        {
            user.Property(u => u.DisplayName).HasMaxLength(ApplicationUser.DisplayNameMaxLength).IsRequired();
        });
    }
}
