namespace ZonaProcessManager.EmbeddedMongo.Wire;

public static class OpCodes
{
    public const int Reply = 1;
    public const int Query = 2004;
    public const int Compressed = 2012;
    public const int Msg = 2013;
}
