using System.Text;

namespace ZonaProcessManager.EmbeddedMongo.Auth;

public static class Scram
{
    /// <summary>
    /// SASLprep (RFC 4013) of a password. For printable ASCII it is the identity, and that is all this server accepts: the
    /// build runs with InvariantGlobalization, so the NFKC step that non-ASCII input needs is not available, and a
    /// password stored without it would not match what drivers derive from the same text. Refusing keeps such users from
    /// existing with keys nobody can log in with.
    /// </summary>
    public static string PreparePassword(string password)
    {
        if (password.Length == 0)
        {
            throw new MongoError(2, "BadValue", "Password cannot be empty");
        }

        foreach (var c in password)
        {
            if (c is < ' ' or > '~')
            {
                throw new MongoError(2, "BadValue", "Password must consist of printable ASCII characters on this server (SASLprep of other characters is not supported)");
            }
        }

        return password;
    }

    /// <summary>Undoes SCRAM's saslname escaping ("=2C" → ",", "=3D" → "="); null when another "=" escape appears.</summary>
    public static string? DecodeName(string saslName)
    {
        var builder = new StringBuilder(saslName.Length);
        for (var i = 0; i < saslName.Length; i++)
        {
            if (saslName[i] != '=')
            {
                builder.Append(saslName[i]);
                continue;
            }

            if (i + 2 >= saslName.Length)
            {
                return null;
            }

            var code = saslName.Substring(i + 1, 2);
            builder.Append(code switch { "2C" => ',', "3D" => '=', _ => '\0' });
            if (builder[^1] == '\0')
            {
                return null;
            }

            i += 2;
        }

        return builder.ToString();
    }
}
