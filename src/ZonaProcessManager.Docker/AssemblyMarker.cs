namespace ZonaProcessManager.Docker;

internal static class AssemblyMarker;
