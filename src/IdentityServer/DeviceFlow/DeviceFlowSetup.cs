using OpenIddict.Server;

namespace RedisJwt.IdentityServer.DeviceFlow;

/// <summary>
/// The device authorization grant (RFC 8628) on top of OpenIddict's: user codes a person can type, attempts at them
/// limited, and the polling pace enforced (OpenIddict itself answers authorization_pending, access_denied and
/// expired_token, but never slow_down).
/// </summary>
public static class DeviceFlowSetup
{
    public static OpenIddictServerBuilder UseDeviceFlow(this OpenIddictServerBuilder options)
    {
        options.SetUserCodeCharset([.. UserCodes.Charset.Select(character => character.ToString())])
            .SetUserCodeLength(UserCodes.Length)
            .SetUserCodeDisplayFormat(UserCodes.DisplayFormat);

        options.AddEventHandler(UserCodes.Descriptor)
            .AddEventHandler(UserCodeAttempts.Descriptor)
            .AddEventHandler(PollingPace.Descriptor)
            .AddEventHandler(PollingPace.IntervalDescriptor);

        options.Services.AddSingleton<DevicePolls>();
        options.Services.AddScoped<DeviceFamilies>();
        return options;
    }
}
