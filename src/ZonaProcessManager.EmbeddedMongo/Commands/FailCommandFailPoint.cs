using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>
/// MongoDB's <c>failCommand</c> fail point for one server: set by <c>configureFailPoint</c> (only with test commands
/// enabled), consulted by the dispatcher before each command runs and, for <c>writeConcernError</c>, after a write
/// command ran. Driver test suites use it to make the server fail, hang up on or stall chosen commands.
/// </summary>
public sealed class FailCommandFailPoint
{
    public const string Name = "failCommand";
    public const string FailureMessage = "Failing command via 'failCommand' failpoint";

    private readonly object gate = new();
    private volatile FailPointMode mode = FailPointMode.Off;
    private long modeValue;
    private double activationProbability;
    private BsonDocument data = new();
    private long timesEntered;

    /// <summary>False while the fail point is off, so that commands skip it without taking its lock.</summary>
    public bool IsArmed => mode != FailPointMode.Off;

    /// <summary>Applies a <c>configureFailPoint</c> command; returns how often the fail point fired before, as MongoDB's reply field <c>count</c>.</summary>
    public long Configure(BsonDocument command)
    {
        var (newMode, value, probability) = ParseMode(command.GetValue("mode", BsonNull.Value), command.Contains("mode"));
        BsonDocument newData = new();
        if (command.TryGetValue("data", out var dataValue))
        {
            newData = dataValue as BsonDocument ?? throw MongoError.TypeMismatch("the 'data' option must be a JSON object");
        }

        if (newMode != FailPointMode.Off && newData.Contains("threadName"))
        {
            // No command here reports thread names ($currentOp is not implemented), so no client could name one.
            throw new MongoError(238, "NotImplemented", "the failCommand option 'threadName' is not implemented by this server");
        }

        lock (gate)
        {
            mode = newMode;
            modeValue = value;
            activationProbability = probability;
            data = newData.DeepClone().AsBsonDocument;
            return timesEntered;
        }
    }

    /// <summary>
    /// Before a command runs: the fail point's data when it fires for this command (it names the command and asks to
    /// close, block or fail), else null. Firing counts against <c>times</c> and <c>skip</c>.
    /// </summary>
    public BsonDocument? BeforeCommand(CommandContext command) =>
        Enter(command, settings => settings.GetValue("closeConnection", false).ToBoolean()
            || settings.GetValue("blockConnection", false).ToBoolean()
            || settings.GetValue("errorCode", BsonNull.Value).IsNumeric);

    /// <summary>After a write command ran: the <c>writeConcernError</c> to add to its reply when the fail point fires for it.</summary>
    public BsonDocument? WriteConcernErrorFor(CommandContext command) =>
        Enter(command, settings => settings.Contains("writeConcernError"))?.GetValue("writeConcernError") as BsonDocument;

    private BsonDocument? Enter(CommandContext command, Func<BsonDocument, bool> wants)
    {
        lock (gate)
        {
            if (mode == FailPointMode.Off || !Matches(data, command) || !wants(data))
            {
                return null;
            }

            switch (mode)
            {
                case FailPointMode.Times:
                    if (--modeValue <= 0)
                    {
                        mode = FailPointMode.Off;
                    }

                    break;
                case FailPointMode.Skip:
                    if (modeValue > 0 && --modeValue >= 0)
                    {
                        return null;
                    }

                    break;
                case FailPointMode.Random when Random.Shared.NextDouble() >= activationProbability:
                    return null;
            }

            timesEntered++;
            return data;
        }
    }

    private static bool Matches(BsonDocument settings, CommandContext command)
    {
        var name = command.CommandName.ToLowerInvariant();
        if (name == "configurefailpoint")
        {
            return false;
        }

        if (settings.TryGetValue("appName", out var appName) && !(appName is BsonString expected && expected.Value == command.Connection.ApplicationName))
        {
            return false;
        }

        if (settings.TryGetValue("namespace", out var ns) && !(ns is BsonString expectedNamespace && expectedNamespace.Value == NamespaceOf(command)))
        {
            return false;
        }

        if (settings.Contains("failAllCommands"))
        {
            return true;
        }

        return settings.GetValue("failCommands", BsonNull.Value) is BsonArray names
            && names.Any(listed => listed is BsonString text && Canonical(text.Value.ToLowerInvariant()) == Canonical(name));
    }

    /// <summary>Names MongoDB registers as aliases of one command answer to either name in failCommands.</summary>
    private static string Canonical(string lowerCaseName) => lowerCaseName switch
    {
        "ismaster" => "hello",
        "deleteindexes" => "dropindexes",
        _ => lowerCaseName,
    };

    private static string NamespaceOf(CommandContext command)
    {
        if (command.CommandName.Equals("getMore", StringComparison.OrdinalIgnoreCase) && command.Body.GetValue("collection", BsonNull.Value) is BsonString collection)
        {
            return $"{command.Database}.{collection.Value}";
        }

        return command.CommandValue is BsonString name ? $"{command.Database}.{name.Value}" : $"{command.Database}.$cmd";
    }

    private static (FailPointMode Mode, long Value, double Probability) ParseMode(BsonValue value, bool present)
    {
        if (!present)
        {
            throw new MongoError(20, "IllegalOperation", "When setting a failpoint, you must supply a 'mode'");
        }

        switch (value)
        {
            case BsonString { Value: "off" }:
                return (FailPointMode.Off, 0, 0);
            case BsonString { Value: "alwaysOn" }:
                return (FailPointMode.AlwaysOn, 0, 0);
            case BsonString text:
                throw MongoError.BadValue($"unknown mode: {text.Value}");
            case BsonDocument options when options.TryGetValue("times", out var times):
                return (FailPointMode.Times, Count(times, "times"), 0);
            case BsonDocument options when options.TryGetValue("skip", out var skip):
                return (FailPointMode.Skip, Count(skip, "skip"), 0);
            case BsonDocument options when options.TryGetValue("activationProbability", out var probability):
                if (!probability.IsNumeric)
                {
                    throw MongoError.TypeMismatch("the 'activationProbability' option to 'mode' must be a double between 0 and 1");
                }

                var p = probability.ToDouble();
                if (p is < 0 or > 1 || double.IsNaN(p))
                {
                    throw MongoError.BadValue($"activationProbability must be between 0.0 and 1.0; found {p}");
                }

                return (FailPointMode.Random, 0, p);
            case BsonDocument:
                throw MongoError.BadValue("'mode' must be one of 'off', 'alwaysOn', '{times:n}', '{skip:n}' or '{activationProbability:p}'");
            default:
                throw MongoError.TypeMismatch("'mode' must be a string or JSON object");
        }
    }

    private static long Count(BsonValue value, string option)
    {
        if (!value.IsNumeric || (value is BsonDouble d && d.Value != Math.Floor(d.Value)))
        {
            throw MongoError.TypeMismatch($"'{option}' option to 'mode' must be an integer");
        }

        var count = value.ToInt64();
        return count switch
        {
            < 0 => throw MongoError.BadValue($"'{option}' option to 'mode' must be positive"),
            > int.MaxValue => throw MongoError.BadValue($"'{option}' option to 'mode' is too large"),
            _ => count,
        };
    }

    private enum FailPointMode
    {
        Off,
        AlwaysOn,
        Times,
        Skip,
        Random,
    }
}
