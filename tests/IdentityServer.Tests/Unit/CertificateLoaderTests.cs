using System.Security.Cryptography.X509Certificates;
using RedisJwt.IdentityServer.Credentials;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.Unit;

public sealed class CertificateLoaderTests
{
    private static X509Certificate2 Load(string certificate, string? key, string? password = null,
        X509KeyUsageFlags usage = X509KeyUsageFlags.DigitalSignature, TimeProvider? time = null) =>
        CertificateLoader.Load("Credentials:Test", certificate, key, password, TestCertificates.Directory, usage,
            time ?? TimeProvider.System);

    [Fact]
    public void Load_PemPair_RelativeToContentRoot_HasPrivateKey()
    {
        using var certificate = Load("signing.crt", "signing.key");

        Assert.True(certificate.HasPrivateKey);
    }

    [Fact]
    public void Load_PfxWithPassword_HasPrivateKey()
    {
        using var certificate = Load("encryption.pfx", null, TestCertificates.PfxPassword, X509KeyUsageFlags.KeyEncipherment);

        Assert.True(certificate.HasPrivateKey);
    }

    [Fact]
    public void Load_PfxWrongPassword_NamesSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            Load("encryption.pfx", null, "wrong", X509KeyUsageFlags.KeyEncipherment));

        Assert.StartsWith("Credentials:Test:", error.Message);
    }

    [Fact]
    public void Load_WrongKeyUsage_Refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            Load("signing.crt", "signing.key", usage: X509KeyUsageFlags.KeyEncipherment));

        Assert.Contains("KeyEncipherment", error.Message);
    }

    [Fact]
    public void Load_CertificateWithoutKey_Refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Load("signing.crt", "encryption.pfx"));

        Assert.StartsWith("Credentials:Test:", error.Message);
    }

    [Fact]
    public void Load_Expired_Refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            Load("signing.crt", "signing.key", time: new FixedTime(DateTimeOffset.UtcNow.AddYears(5))));

        Assert.Contains("expired", error.Message);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
