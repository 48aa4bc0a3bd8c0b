using Npgsql;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Testing;

namespace RedisJwt.BoardApi.Tests.Security;

/// <summary>
/// Review finding 3 (issue 17), the databases. Each service's PostgreSQL role, as test.sh and the deployment scripts make it (deploy/postgres/service-database.sql):
/// no superuser, no CREATEDB or CREATEROLE, owner of its database only, unable even to connect to the other's.
/// </summary>
public sealed class DatabaseRolesTests : IAsyncLifetime
{
    private readonly string _identityDatabase = IdentityServerFactory.NewDatabaseName();
    private readonly string _boardDatabase = $"board_test_{Guid.NewGuid():N}";

    public Task InitializeAsync()
    {
        TestDatabases.Create(_identityDatabase, Service.IdentityServer);
        TestDatabases.Create(_boardDatabase, Service.BoardApi);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await TestDatabases.DropAsync(_identityDatabase);
        await TestDatabases.DropAsync(_boardDatabase);
    }

    [Fact]
    public async Task EachRole_CannotConnectToTheOtherServicesDatabase()
    {
        var refused = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(Service.BoardApi, _identityDatabase));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        refused = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(Service.IdentityServer, _boardDatabase));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);

        await using var own = await OpenAsync(Service.BoardApi, _boardDatabase);
        Assert.Equal(System.Data.ConnectionState.Open, own.State);
    }

    [Theory]
    [InlineData(Service.IdentityServer)]
    [InlineData(Service.BoardApi)]
    public async Task Role_NotSuperuser_CannotCreateDatabasesOrRoles_OwnsItsDatabase(Service service)
    {
        var database = service == Service.IdentityServer ? _identityDatabase : _boardDatabase;
        await using var connection = await OpenAsync(service, database);

        await using (var attributes = new NpgsqlCommand("""
            SELECT r.rolsuper OR r.rolcreatedb OR r.rolcreaterole OR r.rolreplication OR r.rolbypassrls,
                   pg_get_userbyid(d.datdba) = current_user
            FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()
            """, connection))
        await using (var row = await attributes.ExecuteReaderAsync())
        {
            Assert.True(await row.ReadAsync());
            Assert.False(row.GetBoolean(0), "the role has a power beyond its own database");
            Assert.True(row.GetBoolean(1), "the role does not own its database");
        }

        foreach (var sql in new[] { $"CREATE DATABASE refused_{Guid.NewGuid():N}", $"CREATE ROLE refused_{Guid.NewGuid():N}" })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }
    }

    [Fact]
    public void BoardApi_DatabaseMissing_RefusesToStart_NamingTheSetting()
    {
        using var board = new BoardApiFactory(new Uri("http://127.0.0.1:1/")) { CreateDatabase = false, DropDatabaseOnDispose = false };

        var error = Assert.ThrowsAny<Exception>(() => board.Server).ToString();

        Assert.Contains($"ConnectionStrings:BoardDb: the database \"{board.DatabaseName}\" on 127.0.0.1:", error);
        Assert.Contains("does not exist. The operator creates it, owned by the service's own role", error);
    }

    [Fact]
    public async Task IdentityServer_DatabaseMissing_RefusesToStart_NamingTheSetting()
    {
        await using var server = IdentityServerFactory.Create(IdentityServerFactory.NewDatabaseName(), IdentityServerFactory.NewRedisPrefix());
        server.CreateDatabase = false;
        server.DropDatabaseOnDispose = false;

        var error = Assert.ThrowsAny<Exception>(() => server.Server).ToString();

        Assert.Contains($"ConnectionStrings:IdentityDb: the database \"{server.DatabaseName}\" on 127.0.0.1:", error);
    }

    [Fact]
    public void BoardApi_OnTheIdentityServersDatabase_RefusesToStart_NamingTheSetting()
    {
        // An operator who pointed BoardApi at the other service's database: its role may not even connect.
        using var board = new BoardApiFactory(new Uri("http://127.0.0.1:1/"), _identityDatabase) { CreateDatabase = false, DropDatabaseOnDispose = false };

        var error = Assert.ThrowsAny<Exception>(() => board.Server).ToString();

        Assert.Contains($"ConnectionStrings:BoardDb: the role \"redisjwt_board\" may not use the database \"{_identityDatabase}\"", error);
    }

    private static async Task<NpgsqlConnection> OpenAsync(Service service, string database)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(TestServers.Postgres(service, database)) { Pooling = false }.ConnectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
