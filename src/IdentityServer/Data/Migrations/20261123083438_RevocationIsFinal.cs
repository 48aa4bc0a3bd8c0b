using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace RedisJwt.IdentityServer.Data.Migrations
{
    /// <inheritdoc />
    public partial class RevocationIsFinal : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Revoked is final, whoever writes the row: an ORM saving a copy of an authorization or token it read
            // before a concurrent revocation (a refresh racing RFC 7009, logout, reuse detection) must not put its
            // old status back.
            migrationBuilder.Sql("""
                CREATE FUNCTION redisjwt_revocation_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF OLD."Status" = 'revoked' THEN
                        NEW."Status" := 'revoked';
                    END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER authorization_revocation_is_final BEFORE UPDATE ON "OpenIddictAuthorizations"
                    FOR EACH ROW EXECUTE FUNCTION redisjwt_revocation_is_final();
                CREATE TRIGGER token_revocation_is_final BEFORE UPDATE ON "OpenIddictTokens"
                    FOR EACH ROW EXECUTE FUNCTION redisjwt_revocation_is_final();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER token_revocation_is_final ON "OpenIddictTokens";
                DROP TRIGGER authorization_revocation_is_final ON "OpenIddictAuthorizations";
                DROP FUNCTION redisjwt_revocation_is_final();
                """);
        }
    }
}
