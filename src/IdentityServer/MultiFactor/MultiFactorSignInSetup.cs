using Microsoft.AspNetCore.Identity;
using OpenIddict.Server;

namespace RedisJwt.IdentityServer.MultiFactor;

public static class MultiFactorSignInSetup
{
    /// <summary>The second factors' flows: who must use one, checking them, changing them, the acr in discovery.</summary>
    public static IHostApplicationBuilder AddMultiFactorSignIn(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MultiFactorSettings>().BindConfiguration(MultiFactorSettings.Section);
        builder.Services.Configure<IdentityPasskeyOptions>(options =>
        {
            // Every passkey sign-in is two factors (SignInMethods.Passkey): the authenticator must verify the user
            // (WebAuthn 6.2.3), and a passkey alone must be discoverable, to sign in without typing a name.
            options.UserVerificationRequirement = "required";
            options.ResidentKeyRequirement = "required";
        });
        builder.Services.AddScoped<SecondFactors>();
        builder.Services.AddScoped<FactorChanges>();
        builder.Services.AddScoped<MultiFactorRequirement>();
        builder.Services.AddSingleton<PendingSignIn>();
        builder.Services.AddOpenIddict().AddServer(options => options.AddEventHandler(AdvertiseAcrValues.Descriptor));
        return builder;
    }
}
