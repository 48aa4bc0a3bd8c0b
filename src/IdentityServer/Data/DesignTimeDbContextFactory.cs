using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace RedisJwt.IdentityServer.Data;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the app (and its Redis connection).</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<ApplicationDbContext>
{
    public ApplicationDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<ApplicationDbContext>()
            .UseNpgsql("Host=localhost;Database=design_time_only")
            .UseOpenIddict()
            .Options;
        return new ApplicationDbContext(options);
    }
}
