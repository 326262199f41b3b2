namespace ZonaProcessManager.Operator.Settings;

/// <summary>How the operator writes its log lines.</summary>
public enum LogFormat
{
    /// <summary>Human-readable, coloured console lines (the default).</summary>
    Pretty,

    /// <summary>Compact JSON (CLEF), one event per line, for log shippers (<c>--log-format json</c>).</summary>
    Json,
}
