namespace ZonaProcessManager.Testing;

internal static class AssemblyMarker;
