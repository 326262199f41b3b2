namespace ZonaProcessManager.Mongo;

internal static class AssemblyMarker;
