using System.Diagnostics;
using System.Globalization;

namespace ZonaProcessManager.Benchmarks;

/// <summary>
/// CPU time from /proc, in seconds: the whole machine's busy time (/proc/stat's first line: everything but idle and
/// iowait) and the time of the processes that carry health checks: the engine (dockerd, containerd, every
/// containerd-shim with the children it reaped: runc and the check commands it executed) and this process (the
/// operator and its embedded store).
/// </summary>
internal readonly record struct MachineCpu(double MachineBusy, double Engine, double Operator)
{
    // USER_HZ: 100 on every Linux this runs on (the kernel's ABI value, whatever CONFIG_HZ is).
    private const double TicksPerSecond = 100;

    public double Attributed => Engine + Operator;

    public static MachineCpu Read()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal ...
        var busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + (fields.Length > 7 ? fields[7] : 0);
        double engine = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var nameEnd = stat.LastIndexOf(')');
                var name = stat[(stat.IndexOf('(') + 1)..nameEnd];
                if (name is not ("dockerd" or "containerd" or "runc") && !name.StartsWith("containerd-shim", StringComparison.Ordinal))
                {
                    continue;
                }

                // Fields after the name: state is field 3, utime..cstime are fields 14-17.
                var rest = stat[(nameEnd + 2)..].Split(' ');
                engine += rest[11..15].Sum(f => double.Parse(f, CultureInfo.InvariantCulture));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while being read.
            }
        }

        using var self = Process.GetCurrentProcess();
        return new MachineCpu(busy / TicksPerSecond, engine / TicksPerSecond, self.TotalProcessorTime.TotalSeconds);
    }

    public static MachineCpu operator -(MachineCpu after, MachineCpu before) =>
        new(after.MachineBusy - before.MachineBusy, after.Engine - before.Engine, after.Operator - before.Operator);
}
