using RedisJwt.IdentityServer.RateLimits;

namespace RedisJwt.IdentityServer.Account.EmailVerification;

public sealed class ResendConfirmationModel(EmailConfirmation confirmation, SignInLimits limits) : EmailFormPageModel(limits)
{
    protected override async Task<string> RequestAsync(string email)
    {
        await confirmation.ResendAsync(email);
        return EmailConfirmation.ResentMessage;
    }
}
