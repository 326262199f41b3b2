using MongoDB.Driver;
using ZonaProcessManager.EmbeddedMongo;

namespace ZonaProcessManager.Cli;

/// <summary>
/// Finds the login for a command without a password on any command line. In order: credentials already in the
/// connection string (--mongo or ZPM_MONGO_URI) win; else the password file named by ZPM_MONGO_PASSWORD_FILE (user
/// ZPM_MONGO_USER, default zpm-admin); else, when the command talks to the default local address, the file `zpm run`
/// leaves in its default data directory, .zpm/mongo/zpm-admin.password; else no login.
/// </summary>
public static class MongoCredentials
{
    public const string PasswordFileVariable = "ZPM_MONGO_PASSWORD_FILE";
    public const string UserVariable = "ZPM_MONGO_USER";

    /// <summary>Where `zpm run` with its default --data-dir keeps the administrator's password.</summary>
    public static readonly string DefaultPasswordFile = Path.Combine(".zpm", "mongo", EmbeddedMongoServer.AdminPasswordFileName);

    /// <summary>
    /// <paramref name="connectionString"/> with the discovered login added. Keep the result in this process: it may hold a password.
    /// </summary>
    /// <param name="defaultAddress">True when the user chose no address (neither --mongo nor ZPM_MONGO_URI).</param>
    /// <param name="workingDirectory">Where the default data directory is looked for; the current directory when null.</param>
    public static string Apply(string connectionString, bool defaultAddress, Func<string, string?> environment, string? workingDirectory = null)
    {
        var url = new MongoUrlBuilder(connectionString);
        if (!string.IsNullOrEmpty(url.Username))
        {
            return connectionString;
        }

        string? password;
        if (environment(PasswordFileVariable) is { Length: > 0 } file)
        {
            password = ReadPassword(file)
                ?? throw new InvalidOperationException($"{PasswordFileVariable} names {file}, which does not exist or holds no password");
        }
        else if (defaultAddress)
        {
            password = ReadPassword(Path.Combine(workingDirectory ?? Directory.GetCurrentDirectory(), DefaultPasswordFile));
        }
        else
        {
            return connectionString;
        }

        if (password is null)
        {
            return connectionString;
        }

        url.Username = environment(UserVariable) is { Length: > 0 } user ? user : EmbeddedMongoServer.AdminUser;
        url.Password = password;
        url.AuthenticationSource ??= "admin";
        return url.ToString();
    }

    private static string? ReadPassword(string path)
    {
        try
        {
            return EmbeddedMongoServer.ReadPasswordFile(path);
        }
        catch (UnauthorizedAccessException exception)
        {
            throw new InvalidOperationException($"cannot read the password file {path}: {exception.Message}", exception);
        }
    }
}
