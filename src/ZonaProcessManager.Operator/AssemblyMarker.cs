namespace ZonaProcessManager.Operator;

internal static class AssemblyMarker;
