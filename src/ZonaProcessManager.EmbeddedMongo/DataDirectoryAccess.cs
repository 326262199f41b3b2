namespace ZonaProcessManager.EmbeddedMongo;

/// <summary>
/// Keeps the data directory private to its owner: the directory 0700, the SQLite files, their -wal/-shm, the lock file
/// and the password file 0600. SQLite gives -wal and -shm the mode of the database file, so creating that file 0600
/// first is enough for them. An existing directory is tightened only when it holds nothing or this server's data: a
/// --dbpath pointing at a shared directory must not change who can reach everything else in it.
/// </summary>
internal static class DataDirectoryAccess
{
    private const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static readonly string[] OwnFiles =
    [
        Storage.MongoStore.FileName, Storage.MongoStore.FileName + "-wal", Storage.MongoStore.FileName + "-shm", "zpm-mongo.lock",
        EmbeddedMongoServer.AdminPasswordFileName,
    ];

    public static void Restrict(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }

        const UnixFileMode privateDirectory = Owner | UnixFileMode.UserExecute;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, privateDirectory);
        }
        else if (!Directory.EnumerateFileSystemEntries(directory).Any() || File.Exists(Path.Combine(directory, Storage.MongoStore.FileName)))
        {
            File.SetUnixFileMode(directory, privateDirectory);
        }

        foreach (var name in new[] { Storage.MongoStore.FileName, "zpm-mongo.lock" })
        {
            var path = Path.Combine(directory, name);
            if (!File.Exists(path))
            {
                using var _ = new FileStream(path, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.Write, UnixCreateMode = Owner });
            }
        }

        foreach (var name in OwnFiles)
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                File.SetUnixFileMode(path, Owner);
            }
        }
    }
}
