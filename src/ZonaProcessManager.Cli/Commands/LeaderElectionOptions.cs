using System.CommandLine;
using System.Globalization;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `--lease-duration`, `--renew-deadline`, `--retry-period`, `--role` and `--exit-on-lost-lease` of `zpm run`: how this
/// instance takes part in the election between instances sharing one database (<see cref="LeaderElectionSettings"/>).
/// </summary>
public sealed class LeaderElectionOptions
{
    public Option<string> LeaseDuration { get; } = new("--lease-duration")
    {
        Description = "How long the leader's lease lasts after each renewal, by the store's clock (e.g. 15s, 500ms, 1m)",
        DefaultValueFactory = _ => Format(LeaderElectionSettings.Default.LeaseDuration),
    };

    public Option<string> RenewDeadline { get; } = new("--renew-deadline")
    {
        Description = "How long the leader goes on without a successful renewal before it stops leading; shorter than --lease-duration",
        DefaultValueFactory = _ => Format(LeaderElectionSettings.Default.RenewDeadline),
    };

    public Option<string> RetryPeriod { get; } = new("--retry-period")
    {
        Description = "How often the leader renews and a standby looks at the lease; shorter than --renew-deadline",
        DefaultValueFactory = _ => Format(LeaderElectionSettings.Default.RetryPeriod),
    };

    public Option<string> Role { get; } = new("--role")
    {
        Description = "auto (plain election), active (takes a free lease first) or passive (never leads: a warm standby)",
        DefaultValueFactory = _ => "auto",
    };

    public Option<bool> ExitOnLostLease { get; } = new("--exit-on-lost-lease")
    {
        Description = "Exit when the lease is lost instead of standing by",
    };

    public LeaderElectionOptions()
    {
        Role.AcceptOnlyFromAmong("auto", "active", "passive");
    }

    public void AddTo(Command command)
    {
        command.Options.Add(LeaseDuration);
        command.Options.Add(RenewDeadline);
        command.Options.Add(RetryPeriod);
        command.Options.Add(Role);
        command.Options.Add(ExitOnLostLease);
    }

    /// <summary>The settings, or a <see cref="CliUsageException"/> naming the flag that is wrong.</summary>
    public LeaderElectionSettings Parse(ParseResult parseResult)
    {
        var settings = new LeaderElectionSettings
        {
            LeaseDuration = ParseDuration(LeaseDuration.Name, parseResult.GetValue(LeaseDuration)!),
            RenewDeadline = ParseDuration(RenewDeadline.Name, parseResult.GetValue(RenewDeadline)!),
            RetryPeriod = ParseDuration(RetryPeriod.Name, parseResult.GetValue(RetryPeriod)!),
            Role = Enum.Parse<LeaderRole>(parseResult.GetValue(Role)!, ignoreCase: true),
            ExitOnLostLease = parseResult.GetValue(ExitOnLostLease),
        };
        if (settings.RenewDeadline >= settings.LeaseDuration)
        {
            throw new CliUsageException($"--renew-deadline ({Format(settings.RenewDeadline)}) must be shorter than --lease-duration ({Format(settings.LeaseDuration)})");
        }

        if (settings.RetryPeriod >= settings.RenewDeadline)
        {
            throw new CliUsageException($"--retry-period ({Format(settings.RetryPeriod)}) must be shorter than --renew-deadline ({Format(settings.RenewDeadline)})");
        }

        return settings;
    }

    /// <summary>A positive duration written as a number and a unit: ms, s, m or h (e.g. 15s, 500ms, 1.5m).</summary>
    public static TimeSpan ParseDuration(string option, string text)
    {
        var trimmed = text.Trim();
        var unitStart = trimmed.Length;
        while (unitStart > 0 && char.IsAsciiLetter(trimmed[unitStart - 1]))
        {
            unitStart--;
        }

        var unit = trimmed[unitStart..];
        if (double.TryParse(trimmed[..unitStart], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
            && amount > 0
            && unit switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                _ => (TimeSpan?)null,
            } is { } duration
            && duration <= TimeSpan.FromDays(1))
        {
            return duration;
        }

        throw new CliUsageException($"{option} '{text}' is not a positive duration of at most a day with a unit ms, s, m or h (e.g. 15s, 500ms)");
    }

    private static string Format(TimeSpan duration) =>
        duration.TotalMilliseconds % 1000 == 0
            ? duration.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s"
            : duration.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + "ms";
}
