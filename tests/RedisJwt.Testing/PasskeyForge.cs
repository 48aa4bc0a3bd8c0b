using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RedisJwt.Testing;

/// <summary>
/// A software authenticator for the WebAuthn ceremonies (WebAuthn L3): an ES256 key pair, a credential id and the
/// user handle the server named at registration. From the server's options JSON it makes what a browser's
/// <c>JSON.stringify(credential)</c> sends (PublicKeyCredential.toJSON(), WebAuthn L3 5.1), "none" attestation. With
/// <see cref="Forgery.None"/> the server accepts the result: the baseline every forgery departs from, each
/// <c>Forgery.None with { ... }</c> wrong in exactly one way.
/// </summary>
public sealed class PasskeyForge : IDisposable
{
    public const string Origin = "http://localhost";

    /// <param name="backupEligible">A synced passkey (BE flag, WebAuthn 6.1.3): the server calls it "swk", else "hwk".</param>
    public PasskeyForge(bool backupEligible = false)
    {
        BackupEligible = backupEligible;
        CredentialId = RandomNumberGenerator.GetBytes(32);
    }

    public ECDsa Key { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public byte[] CredentialId { get; }

    /// <summary>How the account pages name this passkey (base64url, no padding).</summary>
    public string Id => Base64Url.EncodeToString(CredentialId);

    public bool BackupEligible { get; }

    /// <summary>The user.id of the creation options this passkey was made for; returned as userHandle in assertions.</summary>
    public byte[]? UserHandle { get; private set; }

    /// <summary>The signature counter (WebAuthn 6.1.1): the last value sent; every assertion sends one more.</summary>
    public uint SignCount { get; private set; }

    /// <summary>The credential a browser posts after <c>navigator.credentials.create</c> with these creation options.</summary>
    public string Register(string creationOptionsJson, Forgery? forgery = null)
    {
        var wrong = forgery ?? Forgery.None;
        var options = JsonNode.Parse(creationOptionsJson)!;
        UserHandle = Base64Url.DecodeFromChars(options["user"]!["id"]!.GetValue<string>());
        var clientData = ClientData(wrong.Type ?? "webauthn.create", wrong.Challenge ?? options["challenge"]!.GetValue<string>(), wrong);
        var authData = AuthenticatorData(wrong.RpId ?? options["rp"]!["id"]!.GetValue<string>(), wrong, SignCount, attested: true);
        var attestationObject = Cbor.Map(("fmt", "none"), ("attStmt", Cbor.Map()), ("authData", authData)).Bytes;
        return Credential(new JsonObject
        {
            ["clientDataJSON"] = Base64Url.EncodeToString(clientData),
            ["attestationObject"] = Base64Url.EncodeToString(attestationObject),
            ["transports"] = new JsonArray("internal"),
        });
    }

    /// <summary>The credential a browser posts after <c>navigator.credentials.get</c> with these request options.</summary>
    public string Assert(string requestOptionsJson, Forgery? forgery = null)
    {
        var wrong = forgery ?? Forgery.None;
        var options = JsonNode.Parse(requestOptionsJson)!;
        SignCount = wrong.SignCount ?? SignCount + 1;
        var clientData = ClientData(wrong.Type ?? "webauthn.get", wrong.Challenge ?? options["challenge"]!.GetValue<string>(), wrong);
        var authData = AuthenticatorData(wrong.RpId ?? options["rpId"]!.GetValue<string>(), wrong, SignCount, attested: false);
        byte[] signed = [.. authData, .. SHA256.HashData(clientData)];
        if (wrong.SignatureOverOtherData)
        {
            signed[^1] ^= 0x01;
        }

        // WebAuthn 6.5.6: an ES256 signature is ASN.1 DER, not the raw r|s of JOSE.
        var signature = (wrong.SignedBy ?? Key).SignData(signed, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return Credential(new JsonObject
        {
            ["clientDataJSON"] = Base64Url.EncodeToString(clientData),
            ["authenticatorData"] = Base64Url.EncodeToString(authData),
            ["signature"] = Base64Url.EncodeToString(signature),
            ["userHandle"] = UserHandle is null ? null : Base64Url.EncodeToString(UserHandle),
        });
    }

    /// <summary>The challenge of a ceremony's options (base64url), for a forgery that answers another ceremony.</summary>
    public static string ChallengeOf(string optionsJson) => JsonNode.Parse(optionsJson)!["challenge"]!.GetValue<string>();

    public void Dispose() => Key.Dispose();

    // WebAuthn 5.1 (toJSON): binary fields base64url without padding; rawId as id.
    private string Credential(JsonObject response) => new JsonObject
    {
        ["id"] = Id,
        ["rawId"] = Id,
        ["type"] = "public-key",
        ["response"] = response,
        ["clientExtensionResults"] = new JsonObject(),
        ["authenticatorAttachment"] = "platform",
    }.ToJsonString();

    // WebAuthn 5.8.1, in the key order browsers serialize.
    private static byte[] ClientData(string type, string challenge, Forgery wrong) =>
        JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["type"] = type,
            ["challenge"] = challenge,
            ["origin"] = wrong.Origin,
            ["crossOrigin"] = false,
        });

    // WebAuthn 6.1: rpIdHash | flags | signCount | (aaguid | credentialIdLength | credentialId | credentialPublicKey).
    private byte[] AuthenticatorData(string rpId, Forgery wrong, uint signCount, bool attested)
    {
        var flags = (byte)((wrong.UserPresent ? 0x01 : 0) | (wrong.UserVerified ? 0x04 : 0)
            | (BackupEligible ? 0x08 | 0x10 : 0) | (attested ? 0x40 : 0));
        var data = new List<byte>(SHA256.HashData(Encoding.UTF8.GetBytes(rpId))) { flags };
        var counter = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(counter, signCount);
        data.AddRange(counter);
        if (attested)
        {
            data.AddRange(new byte[16]);
            var length = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)CredentialId.Length);
            data.AddRange(length);
            data.AddRange(CredentialId);
            data.AddRange(CoseKey());
        }

        return [.. data];
    }

    // RFC 9053 7.1.1 / RFC 9052 7: {kty: EC2, alg: ES256, crv: P-256, x, y}.
    private byte[] CoseKey()
    {
        var point = Key.ExportParameters(includePrivateParameters: false).Q;
        return Cbor.Map((1, 2), (3, -7), (-1, 1), (-2, point.X!), (-3, point.Y!)).Bytes;
    }

    /// <summary>
    /// How a ceremony is wrong; <see cref="None"/> is a right one. The flags and counter are the authenticator's, the
    /// type, challenge and origin the browser's client data (WebAuthn 5.8.1).
    /// </summary>
    public sealed record Forgery
    {
        public static Forgery None { get; } = new();

        /// <summary>UP flag (WebAuthn 6.1 bit 0).</summary>
        public bool UserPresent { get; init; } = true;

        /// <summary>UV flag (bit 2): the PIN or biometric the server requires.</summary>
        public bool UserVerified { get; init; } = true;

        /// <summary>clientData.origin.</summary>
        public string Origin { get; init; } = PasskeyForge.Origin;

        /// <summary>clientData.challenge instead of the options' one (base64url).</summary>
        public string? Challenge { get; init; }

        /// <summary>clientData.type instead of webauthn.create or webauthn.get.</summary>
        public string? Type { get; init; }

        /// <summary>The RP ID whose SHA-256 starts the authenticator data, instead of the options' one.</summary>
        public string? RpId { get; init; }

        /// <summary>The counter sent instead of one more than the last.</summary>
        public uint? SignCount { get; init; }

        /// <summary>A signature by this key instead of the registered one.</summary>
        public ECDsa? SignedBy { get; init; }

        /// <summary>A valid signature by the registered key, over data one bit off what was sent.</summary>
        public bool SignatureOverOtherData { get; init; }
    }

    /// <summary>The few CBOR items (RFC 8949) an attestation object and a COSE key need: integers, strings, maps.</summary>
    private static class Cbor
    {
        /// <summary>An item encoded already, which a map holds as it is (a byte[] is a byte string).</summary>
        public sealed record Encoded(byte[] Bytes);

        public static Encoded Map(params (object Key, object Value)[] entries)
        {
            var output = new List<byte>();
            Head(output, 5, (ulong)entries.Length);
            foreach (var (key, value) in entries)
            {
                Item(output, key);
                Item(output, value);
            }

            return new([.. output]);
        }

        private static void Item(List<byte> output, object item)
        {
            switch (item)
            {
                case int number when number >= 0:
                    Head(output, 0, (ulong)number);
                    break;
                case int number:
                    Head(output, 1, (ulong)(-1L - number));
                    break;
                case Encoded encoded:
                    output.AddRange(encoded.Bytes);
                    break;
                case byte[] bytes:
                    Head(output, 2, (ulong)bytes.Length);
                    output.AddRange(bytes);
                    break;
                case string text:
                    var utf8 = Encoding.UTF8.GetBytes(text);
                    Head(output, 3, (ulong)utf8.Length);
                    output.AddRange(utf8);
                    break;
                default:
                    throw new ArgumentException($"No CBOR encoding here for {item.GetType()}.", nameof(item));
            }
        }

        // RFC 8949 3: the major type in the top three bits, the argument in the low five or the bytes after.
        private static void Head(List<byte> output, int majorType, ulong argument)
        {
            var type = (byte)(majorType << 5);
            if (argument < 24)
            {
                output.Add((byte)(type | (byte)argument));
            }
            else if (argument <= byte.MaxValue)
            {
                output.Add((byte)(type | 24));
                output.Add((byte)argument);
            }
            else if (argument <= ushort.MaxValue)
            {
                output.Add((byte)(type | 25));
                output.Add((byte)(argument >> 8));
                output.Add((byte)argument);
            }
            else
            {
                throw new ArgumentOutOfRangeException(nameof(argument), "Longer items than these ceremonies need.");
            }
        }
    }
}
