using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.Data;

namespace RedisJwt.IdentityServer.Clients;

public sealed class ClientSeeder(
    ApplicationDbContext db,
    IOpenIddictApplicationManager applications,
    IOpenIddictScopeManager scopes,
    UserManager<ApplicationUser> users,
    RoleManager<IdentityRole> roles,
    IOptions<SeedOptions> options,
    ClientRulesSource rules,
    ILogger<ClientSeeder> logger)
{
    // Any fixed number: instances starting together serialize on this PostgreSQL advisory lock.
    private const long SeedLockId = 0x5265_6469_734A_7774;

    public async Task SeedAsync(CancellationToken cancellationToken = default)
    {
        var seed = options.Value;
        // Validate every client before touching the database, so a typo fails the start with its name.
        var clientRules = rules.ForSeed();
        var descriptors = seed.Clients.Select(client => ClientDescriptors.Create(client.Key, client.Value, clientRules)).ToList();

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({SeedLockId})", cancellationToken);

        foreach (var (name, scope) in seed.ApiScopes)
        {
            await UpsertScopeAsync(name, scope, cancellationToken);
        }

        foreach (var descriptor in descriptors)
        {
            await UpsertClientAsync(descriptor, cancellationToken);
        }

        if (seed.DemoUser is { Email.Length: > 0 } demo)
        {
            await EnsureDemoUserAsync(demo);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private async Task UpsertScopeAsync(string name, ApiScopeSeed seed, CancellationToken cancellationToken)
    {
        var descriptor = new OpenIddictScopeDescriptor { Name = name, DisplayName = seed.DisplayName };
        descriptor.Resources.Add(seed.Resource);

        var existing = await scopes.FindByNameAsync(name, cancellationToken);
        if (existing is null)
        {
            await scopes.CreateAsync(descriptor, cancellationToken);
        }
        else
        {
            await scopes.UpdateAsync(existing, descriptor, cancellationToken);
        }
    }

    private async Task UpsertClientAsync(OpenIddictApplicationDescriptor descriptor, CancellationToken cancellationToken)
    {
        // OpenIddict stores the secret hashed (PBKDF2), on create and update alike.
        var existing = await applications.FindByClientIdAsync(descriptor.ClientId!, cancellationToken);
        if (existing is null)
        {
            await applications.CreateAsync(descriptor, cancellationToken);
            logger.LogInformation("Seeded client {ClientId}", descriptor.ClientId);
        }
        else
        {
            await applications.UpdateAsync(existing, descriptor, cancellationToken);
        }
    }

    private async Task EnsureDemoUserAsync(DemoUserSeed demo)
    {
        if (await users.FindByEmailAsync(demo.Email) is not null)
        {
            return;
        }

        foreach (var role in demo.Roles.Where(role => !string.IsNullOrWhiteSpace(role)))
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)), $"role {role}");
            }
        }

        var user = new ApplicationUser
        {
            UserName = demo.Email,
            Email = demo.Email,
            EmailConfirmed = true,
            DisplayName = demo.DisplayName,
            BirthDate = demo.BirthDate,
        };
        Check(await users.CreateAsync(user, demo.Password), "Seed:DemoUser");
        if (demo.Roles.Count > 0)
        {
            Check(await users.AddToRolesAsync(user, demo.Roles), "Seed:DemoUser:Roles");
        }

        logger.LogInformation("Seeded demo user {Email}", demo.Email);
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{what}: {string.Join(" ", result.Errors.Select(error => error.Description))}");
        }
    }
}
