using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using RedisJwt.IdentityServer.MultiFactor;

namespace RedisJwt.IdentityServer.Data;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the app (and its Redis connection).</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<ApplicationDbContext>
{
    public ApplicationDbContext CreateDbContext(string[] args)
    {
        // Identity builds its part of the model from IdentityOptions (the schema version): the app's, not the defaults.
        var identity = new ServiceCollection().Configure<IdentityOptions>(MultiFactorSetup.UsePasskeySchema).BuildServiceProvider();
        var options = new DbContextOptionsBuilder<ApplicationDbContext>()
            .UseNpgsql("Host=localhost;Database=design_time_only")
            .UseApplicationServiceProvider(identity)
            .UseOpenIddict()
            .Options;
        return new ApplicationDbContext(options);
    }
}
