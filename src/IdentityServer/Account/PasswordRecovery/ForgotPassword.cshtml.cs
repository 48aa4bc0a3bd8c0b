using RedisJwt.IdentityServer.RateLimits;

namespace RedisJwt.IdentityServer.Account.PasswordRecovery;

public sealed class ForgotPasswordModel(PasswordReset reset, SignInLimits limits) : EmailFormPageModel(limits)
{
    protected override async Task<string> RequestAsync(string email)
    {
        await reset.RequestAsync(email);
        return PasswordReset.RequestedMessage;
    }
}
