namespace ZonaProcessManager.Testing.Mongo;

/// <summary>
/// Logs a test in as the administrator `zpm mongo serve` and `zpm run` create on first start, whose password they leave
/// in zpm-admin.password next to the data.
/// </summary>
public static class AdminLogin
{
    public const string User = "zpm-admin";
    public const string PasswordFile = "zpm-admin.password";

    /// <summary>The password in <paramref name="dataDirectory"/>'s password file, or null when there is none.</summary>
    public static string? ReadPassword(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, PasswordFile);
        return File.Exists(path) ? File.ReadLines(path).FirstOrDefault()?.Trim() : null;
    }

    /// <summary>
    /// <paramref name="connectionString"/> with the administrator's credentials and authSource=admin, which keeps the
    /// login working when a test puts a database name into the path.
    /// </summary>
    public static string ConnectionString(string connectionString, string password)
    {
        var withUser = connectionString.Replace("mongodb://", $"mongodb://{User}:{Uri.EscapeDataString(password)}@", StringComparison.Ordinal);
        return withUser + (withUser.Contains('?', StringComparison.Ordinal) ? "&" : "/?") + "authSource=admin";
    }
}
