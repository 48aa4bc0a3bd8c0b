using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Data;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.Hardening;

/// <summary>
/// Review finding 10 (issue 17): /admin/users/* trusted the admin role stored in the cookie, so a demoted admin kept
/// lock and delete for up to 30 minutes. The role is read live on every request, and a role change rotates the
/// security stamp.
/// </summary>
public sealed class DemotedAdminTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    private const string Password = "Str0ng!Password";

    [Fact]
    public async Task AdminUsers_AdminDemotedWhileSignedIn_ForbiddenAtOnce()
    {
        var admin = await server.CreateUserAsync(Password, "admin");
        var target = await server.CreateUserAsync();
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, admin.Email!, Password);
        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync($"/admin/users/{target.Id}/sessions")).StatusCode);

        await WithUsersAsync(async users => Assert.True((await users.RemoveFromRoleAsync((await users.FindByIdAsync(admin.Id))!, "admin")).Succeeded));

        Assert.Equal(HttpStatusCode.Forbidden, (await browser.Client.GetAsync($"/admin/users/{target.Id}/sessions")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.Client.PostAsync($"/admin/users/{target.Id}/lock", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.Client.DeleteAsync($"/admin/users/{target.Id}")).StatusCode);
        Assert.NotNull(await WithUsersAsync(users => users.FindByIdAsync(target.Id)));
    }

    [Fact]
    public async Task RoleChange_RotatesSecurityStamp()
    {
        var user = await server.CreateUserAsync();
        var before = user.SecurityStamp;

        var after = await WithUsersAsync(async users =>
        {
            var stored = (await users.FindByIdAsync(user.Id))!;
            Assert.True((await users.AddToRoleAsync(stored, "admin")).Succeeded);
            return stored.SecurityStamp;
        });

        Assert.NotEqual(before, after);
    }

    private Task<T> WithUsersAsync<T>(Func<UserManager<ApplicationUser>, Task<T>> action) =>
        server.WithScopeAsync(services => action(services.GetRequiredService<UserManager<ApplicationUser>>()));

    private Task WithUsersAsync(Func<UserManager<ApplicationUser>, Task> action) =>
        server.WithScopeAsync(async services =>
        {
            await action(services.GetRequiredService<UserManager<ApplicationUser>>());
            return true;
        });
}
