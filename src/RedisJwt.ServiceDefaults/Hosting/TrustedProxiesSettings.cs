using System.ComponentModel.DataAnnotations;
using System.Net;

namespace RedisJwt.ServiceDefaults.Hosting;

/// <summary>
/// The "ForwardedHeaders" section, the same in every service: the proxies (the load balancer) whose X-Forwarded-For,
/// -Proto and -Host the service believes. Empty: it believes nobody, and sees each request as it arrives.
/// </summary>
public sealed class TrustedProxiesSettings : IValidatableObject
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Addresses of the proxies, e.g. "172.28.0.10" (as environment variables ForwardedHeaders__KnownProxies__0, ...).</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks the proxies are in, in CIDR notation, e.g. "10.0.8.0/24", where their addresses are not fixed.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    public bool TrustsAnyProxy => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var index = 0; index < KnownProxies.Count; index++)
        {
            if (!IPAddress.TryParse(KnownProxies[index], out _))
            {
                yield return new ValidationResult(
                    $"{Section}:{nameof(KnownProxies)}:{index} is '{KnownProxies[index]}', which is not an IP address (e.g. 172.28.0.10).",
                    [nameof(KnownProxies)]);
            }
        }

        for (var index = 0; index < KnownNetworks.Count; index++)
        {
            if (!IPNetwork.TryParse(KnownNetworks[index], out _))
            {
                yield return new ValidationResult(
                    $"{Section}:{nameof(KnownNetworks)}:{index} is '{KnownNetworks[index]}', which is not a network in CIDR notation (e.g. 10.0.8.0/24).",
                    [nameof(KnownNetworks)]);
            }
        }
    }
}
