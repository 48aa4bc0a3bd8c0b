using System.Net;
using System.Net.Sockets;

namespace RedisJwt.IdentityServer.Shared;

/// <summary>Section <c>Outbound</c>: where this server may connect when a client's registration names the address.</summary>
public sealed class OutboundSettings
{
    public const string Section = "Outbound";

    /// <summary>
    /// Whether a URI a client registered (its back-channel logout URI) may lead to a loopback, private, link-local or
    /// otherwise non-public address. Off: a client could otherwise make this server POST into its own network, cloud
    /// metadata endpoints included (server-side request forgery, OWASP ASVS 12.6). On in Development, where the demo
    /// apps listen on loopback; set it where every client is your own and lives on your network.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }
}

/// <summary>The address a client's URI resolved to is not one this server may reach (see <see cref="OutboundSettings"/>).</summary>
public sealed class AddressNotAllowedException(string host, IPAddress address)
    : IOException($"{host} resolves to {address}, a non-public address (Outbound:AllowPrivateNetworks is off)");

/// <summary>
/// Connections for requests to URIs that clients registered: the host is resolved here, every address checked, and the
/// connection made to the checked address itself, so a name that resolves differently a moment later (DNS rebinding)
/// cannot slip a private address past the check. Redirects are never followed by these clients.
/// </summary>
public static class ClientNetworkGuard
{
    public static SocketsHttpHandler Handler(OutboundSettings settings) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, settings, cancellationToken),
    };

    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, OutboundSettings settings, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken);
        // All of them, not the first: a name that also resolves to an internal address is refused whichever would be used.
        if (!settings.AllowPrivateNetworks && addresses.FirstOrDefault(address => !IsPublic(address)) is { } refused)
        {
            throw new AddressNotAllowedException(endpoint.Host, refused);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endpoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Whether an address is on the public internet: not loopback, private, shared, link-local or reserved.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] is 0 or 10 or 127 or >= 224 // "this" network, private, loopback, multicast and reserved
                || (b[0] == 100 && b[1] is >= 64 and <= 127) // shared address space (RFC 6598)
                || (b[0] == 169 && b[1] == 254) // link-local, cloud metadata endpoints
                || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2) // IETF protocol assignments, documentation
                || (b[0] == 198 && b[1] is 18 or 19) // benchmarking
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)
                || (b[0] == 203 && b[1] == 0 && b[2] == 113));
        }

        var bytes = address.GetAddressBytes();
        if (bytes[0] == 0x20 && bytes[1] == 0x02)
        {
            // 6to4 (2002::/16) carries an IPv4 address in its next four bytes: as public as that one.
            return IsPublic(new IPAddress(bytes.AsSpan(2, 4)));
        }

        return !(IPAddress.IsLoopback(address) || address.Equals(IPAddress.IPv6None) || address.Equals(IPAddress.IPv6Any)
            || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
            || (bytes[0] & 0xFE) == 0xFC // unique local, fc00::/7
            || (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8) // documentation, 2001:db8::/32
            || (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x00 && bytes[3] == 0x00) // Teredo, 2001::/32: a tunnel
            || (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xFF && bytes[3] == 0x9B)); // NAT64, 64:ff9b::/96: an IPv4 inside
    }
}
