using System.Security.Cryptography;
using System.Text;

namespace ZonaProcessManager.EmbeddedMongo.Auth;

/// <summary>SCRAM-SHA-256 keys of one user (RFC 5802/7677), stored in place of the password.</summary>
public sealed record ScramCredential(int IterationCount, byte[] Salt, byte[] StoredKey, byte[] ServerKey)
{
    public const string Mechanism = "SCRAM-SHA-256";

    /// <summary>MongoDB's default scramSHA256IterationCount.</summary>
    public const int DefaultIterationCount = 15_000;

    // MongoDB's salt length for SHA-256: the digest size less the 4-byte block counter PBKDF2 appends.
    private const int SaltLength = 28;

    public static ScramCredential Create(string password, int iterationCount = DefaultIterationCount)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltLength);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(Scram.PreparePassword(password)), salt, iterationCount, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        return new ScramCredential(iterationCount, salt, SHA256.HashData(clientKey), HMACSHA256.HashData(salted, "Server Key"u8));
    }
}
