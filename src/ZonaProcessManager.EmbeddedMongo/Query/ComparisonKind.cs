namespace ZonaProcessManager.EmbeddedMongo.Query;

internal enum ComparisonKind
{
    GreaterThan,
    GreaterOrEqual,
    LessThan,
    LessOrEqual,
}
