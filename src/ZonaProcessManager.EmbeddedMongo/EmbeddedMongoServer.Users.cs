using System.Security.Cryptography;
using ZonaProcessManager.EmbeddedMongo.Auth;

namespace ZonaProcessManager.EmbeddedMongo;

/// <summary>The first administrator: its name, its password (when known) and the file holding it.</summary>
/// <param name="Created">True when the password is new (shown once); false when it came from the file.</param>
public sealed record AdminCredential(string User, string Password, string PasswordFile, bool Created);

public sealed partial class EmbeddedMongoServer
{
    /// <summary>The administrator `zpm mongo serve` and `zpm run` create on a server without users (role root on admin).</summary>
    public const string AdminUser = "zpm-admin";

    /// <summary>File in the data directory holding <see cref="AdminUser"/>'s generated password, one line, mode 0600.</summary>
    public const string AdminPasswordFileName = "zpm-admin.password";

    /// <summary>Whether any user exists (a server requiring authentication is unusable without one).</summary>
    public bool HasUsers => context.Users.Any;

    /// <summary>Creates a user on <paramref name="database"/>, as createUser would; false when it already exists.</summary>
    public bool CreateUser(string database, string user, string password, params (string Role, string Db)[] roles)
    {
        foreach (var (role, db) in roles)
        {
            if (!BuiltInRoles.Exists(new RoleGrant(role, db)))
            {
                throw new ArgumentException($"no built-in role {role}@{db}", nameof(roles));
            }
        }

        return context.Users.Create(new UserRecord(user, database, Guid.NewGuid(), [.. roles.Select(r => new RoleGrant(r.Role, r.Db))],
            ScramCredential.Create(password), null));
    }

    /// <summary>
    /// Makes sure <see cref="AdminUser"/> (root on admin) exists with the password in <see cref="AdminPasswordFileName"/>
    /// in the data directory, readable by the owner only. On a server without users it is created with a random
    /// password, which is written to that file. Without the file (deleted by hand) the owner of the data directory gets
    /// a new password for it, and a password file without its user brings the user back. The password is never logged.
    /// </summary>
    public AdminCredential EnsureAdminUser()
    {
        var file = Path.GetFullPath(Path.Combine(Options.DataDirectory, AdminPasswordFileName));
        var existing = context.Users.Find("admin", AdminUser);
        var password = ReadPasswordFile(file);
        if (password is not null && existing is not null)
        {
            return new AdminCredential(AdminUser, password, file, Created: false);
        }

        var created = password is null;
        if (password is null)
        {
            // 24 random bytes as URL-safe base64: printable ASCII, so no SASLprep question and nothing to escape in a URI.
            password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
            WritePrivateFile(file, password + "\n");
        }

        if (existing is null)
        {
            CreateUser("admin", AdminUser, password, ("root", "admin"));
        }
        else
        {
            context.Users.Replace(existing with { Credential = ScramCredential.Create(password) });
        }

        return new AdminCredential(AdminUser, password, file, created);
    }

    /// <summary>
    /// <see cref="ConnectionString"/> with a user and password in it and authSource=admin (so it still logs in when a
    /// database name is put into the path), for clients in this process. Never print it.
    /// </summary>
    public string ConnectionStringFor(string user, string password)
    {
        var credentials = $"{Uri.EscapeDataString(user)}:{Uri.EscapeDataString(password)}@";
        return ConnectionString.Replace("mongodb://", "mongodb://" + credentials, StringComparison.Ordinal) + "&authSource=admin";
    }

    /// <summary>The first line of a password file, or null when there is none.</summary>
    public static string? ReadPasswordFile(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            return reader.ReadLine()?.Trim() is { Length: > 0 } password ? password : null;
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static void WritePrivateFile(string path, string content)
    {
        // Written to a new 0600 file and renamed over the old one, so the password is never readable by others, not even briefly.
        var temporary = path + ".tmp";
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
