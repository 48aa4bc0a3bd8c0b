using Microsoft.AspNetCore.Identity;

namespace RedisJwt.IdentityServer.Data;

public sealed class ApplicationUser : IdentityUser
{
    public const int DisplayNameMaxLength = 100;

    public string DisplayName { get; set; } = "";

    public DateOnly? BirthDate { get; set; }
}
