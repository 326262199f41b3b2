using System.Net.Sockets;

namespace ZonaProcessManager.EmbeddedMongo.Wire;

/// <summary>Bytes received but not yet parsed, so one socket read can bring a whole frame (or several) instead of one read per header and body.</summary>
internal sealed class FrameBuffer(int initialSize)
{
    private byte[] bytes = new byte[initialSize];
    private int start;
    private int end;

    public int Count => end - start;

    public ReadOnlySpan<byte> Data => bytes.AsSpan(start, end - start);

    /// <summary>Makes room for a frame of <paramref name="size"/> bytes starting at the current position.</summary>
    public void Reserve(int size)
    {
        if (bytes.Length - start >= size)
        {
            return;
        }

        var target = bytes.Length >= size ? bytes : new byte[size];
        Buffer.BlockCopy(bytes, start, target, 0, Count);
        end = Count;
        start = 0;
        bytes = target;
    }

    /// <summary>Reads whatever the socket has (at least one byte); false at end of stream.</summary>
    public async ValueTask<bool> FillAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        if (end == bytes.Length)
        {
            Reserve(Math.Max(Count + 1, bytes.Length));
        }

        var read = await stream.ReadAsync(bytes.AsMemory(end), cancellationToken);
        if (read == 0)
        {
            return false;
        }

        end += read;
        return true;
    }

    /// <summary>Drops a parsed frame; once empty, an oversized buffer goes back to the default size.</summary>
    public void Consume(int length, int defaultSize)
    {
        start += length;
        if (start == end)
        {
            start = end = 0;
            if (bytes.Length > defaultSize)
            {
                bytes = new byte[defaultSize];
            }
        }
    }
}
