namespace RedisJwt.IdentityServer.Account.Notifications;

public static class DeviceNames
{
    /// <summary>
    /// A readable name for a User-Agent string: browser on platform, enough to recognise one's own devices. Only words of
    /// this list ever come out: the header is the sign-in's sender's to choose, and a security alert quoting it would let
    /// an attacker write into the user's inbox under this server's name ("call this number to secure your account").
    /// </summary>
    public static string Describe(string? agent)
    {
        if (string.IsNullOrWhiteSpace(agent))
        {
            return "Unknown device";
        }

        var browser = agent.Contains("Edg/") ? "Edge" : agent.Contains("Chrome/") ? "Chrome" : agent.Contains("Firefox/") ? "Firefox"
            : agent.Contains("Safari/") ? "Safari" : "An unrecognised browser or app";
        var platform = agent.Contains("Android") ? "Android" : agent.Contains("iPhone") || agent.Contains("iPad") ? "iOS"
            : agent.Contains("Windows") ? "Windows" : agent.Contains("Mac OS") ? "macOS" : agent.Contains("Linux") ? "Linux" : null;
        return platform is null ? browser : $"{browser} on {platform}";
    }
}
