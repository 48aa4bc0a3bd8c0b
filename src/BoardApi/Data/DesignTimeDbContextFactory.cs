using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace RedisJwt.BoardApi.Data;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the app (and its Redis connection).</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<BoardDbContext>
{
    public BoardDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<BoardDbContext>().UseNpgsql("Host=localhost;Database=design_time_only").Options);
}
