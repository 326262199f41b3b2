using System.Security.Cryptography;
using System.Text;

namespace ZonaProcessManager.EmbeddedMongo.Auth;

/// <summary>
/// The server side of one SCRAM-SHA-256 exchange: client-first → server-first, client-final → server-final.
/// Failures never say which part was wrong, as MongoDB answers only "Authentication failed.".
/// </summary>
public sealed class ScramConversation
{
    private readonly ScramCredential credential;
    private readonly string clientFirstBare;
    private readonly string gs2Header;
    private readonly string serverFirst;
    private readonly string nonce;

    private ScramConversation(ScramCredential credential, string gs2Header, string clientFirstBare, string serverFirst, string nonce)
    {
        this.credential = credential;
        this.gs2Header = gs2Header;
        this.clientFirstBare = clientFirstBare;
        this.serverFirst = serverFirst;
        this.nonce = nonce;
    }

    public string ServerFirst => serverFirst;

    /// <summary>The user name a client-first message names, or null when the message is malformed.</summary>
    public static (string Gs2Header, string Bare, string User, string ClientNonce)? ParseClientFirst(string message)
    {
        // gs2-header: "n,," or "y,,"; channel binding ("p=") is not offered, and an authzid is not supported.
        if (!(message.StartsWith("n,,", StringComparison.Ordinal) || message.StartsWith("y,,", StringComparison.Ordinal)))
        {
            return null;
        }

        var bare = message[3..];
        var attributes = Attributes(bare);
        if (attributes is null || !attributes.TryGetValue('n', out var user) || !attributes.TryGetValue('r', out var clientNonce) || clientNonce.Length == 0 || attributes.ContainsKey('m'))
        {
            return null;
        }

        var name = Scram.DecodeName(user);
        return name is null || name.Length == 0 ? null : (message[..3], bare, name, clientNonce);
    }

    public static ScramConversation Start(ScramCredential credential, string gs2Header, string clientFirstBare, string clientNonce)
    {
        var nonce = clientNonce + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        var serverFirst = $"r={nonce},s={Convert.ToBase64String(credential.Salt)},i={credential.IterationCount}";
        return new ScramConversation(credential, gs2Header, clientFirstBare, serverFirst, nonce);
    }

    /// <summary>Checks the client's proof; the server-final message ("v=…") when it holds, else null.</summary>
    public string? Finish(string clientFinal)
    {
        var proofAt = clientFinal.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0)
        {
            return null;
        }

        var withoutProof = clientFinal[..proofAt];
        var attributes = Attributes(withoutProof);
        if (attributes is null
            || !attributes.TryGetValue('c', out var binding) || binding != Convert.ToBase64String(Encoding.ASCII.GetBytes(gs2Header))
            || !attributes.TryGetValue('r', out var echoed) || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(echoed), Encoding.ASCII.GetBytes(nonce)))
        {
            return null;
        }

        byte[] proof;
        try
        {
            proof = Convert.FromBase64String(clientFinal[(proofAt + 3)..]);
        }
        catch (FormatException)
        {
            return null;
        }

        if (proof.Length != credential.StoredKey.Length)
        {
            return null;
        }

        var authMessage = Encoding.UTF8.GetBytes($"{clientFirstBare},{serverFirst},{withoutProof}");
        var clientSignature = HMACSHA256.HashData(credential.StoredKey, authMessage);
        var clientKey = new byte[proof.Length];
        for (var i = 0; i < proof.Length; i++)
        {
            clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
        }

        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(clientKey), credential.StoredKey))
        {
            return null;
        }

        return "v=" + Convert.ToBase64String(HMACSHA256.HashData(credential.ServerKey, authMessage));
    }

    private static Dictionary<char, string>? Attributes(string message)
    {
        var attributes = new Dictionary<char, string>();
        foreach (var part in message.Split(','))
        {
            if (part.Length < 2 || part[1] != '=' || !attributes.TryAdd(part[0], part[2..]))
            {
                return null;
            }
        }

        return attributes;
    }
}
