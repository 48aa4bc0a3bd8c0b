using RedisJwt.Revocation.DPoP;

namespace RedisJwt.IdentityServer.DPoP;

public static class DPoPIssuanceSetup
{
    /// <summary>
    /// DPoP (RFC 9449) at the token endpoint: proofs checked by the resource servers' own validator, server nonces,
    /// bound tokens, <c>token_type=DPoP</c>, and the algorithms in discovery; and at userinfo, a protected resource.
    /// </summary>
    public static IHostApplicationBuilder AddDPoPIssuance(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDPoPProofs();
        builder.Services.AddSingleton<DPoPNonces>();
        builder.Services.AddScoped<TokenRequestProofs>();
        builder.Services.AddOpenIddict().AddServer(options => options
            .AddEventHandler(BindIssuedTokens.Descriptor)
            .AddEventHandler(AnswerDPoPTokens.Descriptor)
            .AddEventHandler(AdvertiseDPoP.Descriptor)
            .AddEventHandler(UserInfoDPoP.ExtractToken.Descriptor)
            .AddEventHandler(UserInfoDPoP.CheckBinding.Descriptor)
            .AddEventHandler(UserInfoDPoP.AnswerInDPoPScheme.Descriptor));
        return builder;
    }
}
