namespace ZonaProcessManager.Cli.Tests;

/// <summary>The repository's samples/ folder, found above the test assembly (tests check that what we ship works).</summary>
internal static class SamplePaths
{
    public static string Directory
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "ZonaProcessManager.sln")))
                {
                    return Path.Combine(directory.FullName, "samples");
                }
            }

            throw new DirectoryNotFoundException("samples/ not found above " + AppContext.BaseDirectory);
        }
    }
}
