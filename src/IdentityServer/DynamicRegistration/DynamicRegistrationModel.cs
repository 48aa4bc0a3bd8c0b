using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace RedisJwt.IdentityServer.DynamicRegistration;

/// <summary>The tables of dynamic client registration, in <see cref="Data.ApplicationDbContext"/>.</summary>
public static class DynamicRegistrationModel
{
    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<InitialAccessToken>(token =>
        {
            token.Ignore(t => t.Policy);
            token.Property(t => t.Id).HasMaxLength(InitialAccessToken.IdMaxLength);
            token.Property(t => t.TokenHash).HasMaxLength(RegistrationSecrets.HashLength).IsRequired();
            token.HasIndex(t => t.TokenHash).IsUnique();
            token.Property(t => t.Description).HasMaxLength(InitialAccessToken.DescriptionMaxLength).IsRequired();
        });

        builder.Entity<DynamicClient>(client =>
        {
            client.Ignore(c => c.Policy);
            client.HasKey(c => c.ApplicationId);
            client.HasIndex(c => c.ClientId).IsUnique();
            client.Property(c => c.ClientId).HasMaxLength(100).IsRequired();
            client.Property(c => c.RegistrationTokenHash).HasMaxLength(RegistrationSecrets.HashLength).IsRequired();
            client.Property(c => c.InitialAccessTokenId).HasMaxLength(InitialAccessToken.IdMaxLength);
            // Removed with its client, by whichever way it goes (RFC 7592 DELETE, the admin API, the CLI).
            client.HasOne<OpenIddictEntityFrameworkCoreApplication>().WithMany().HasForeignKey(c => c.ApplicationId)
                .OnDelete(DeleteBehavior.Cascade);
        });
    }
}
