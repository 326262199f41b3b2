namespace ZonaProcessManager.Testing.HighAvailability;

/// <summary>Sees the bytes of one relayed connection in each direction, in order, as they pass.</summary>
public interface ITrafficObserver
{
    void FromClient(ReadOnlySpan<byte> bytes);

    void FromServer(ReadOnlySpan<byte> bytes);
}
