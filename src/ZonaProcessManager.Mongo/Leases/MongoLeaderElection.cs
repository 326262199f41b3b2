using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Mongo.Leases;

/// <summary>
/// <see cref="ILeaderElection"/> over one document of the `leases` collection. Taking, creating and renewing the lease
/// are each one atomic conditional update whose condition and times use the store's clock ($$NOW), so instances whose
/// clocks disagree never both hold it; a taker bumps the generation, so a term's generation fences everything it wrote. The
/// leader renews every retry period and gives its term up (fires Lost) when the renew deadline passes without a
/// successful renewal or the store shows another holder, both before the lease can expire for anyone else. A standby
/// watches the lease document (a change stream, so a released lease is taken at once) and looks again every retry
/// period in case the stream is down. Each instance also keeps its own `operators` document up to date, which
/// `zpm get operators` lists.
/// </summary>
public sealed class MongoLeaderElection : ILeaderElection, IAsyncDisposable
{
    private const int DuplicateKey = 11000;

    // An instance record removal at shutdown must not hold the shutdown up on an unreachable store.
    private static readonly TimeSpan ShutdownWriteTimeout = TimeSpan.FromSeconds(2);

    // How much later than the active preference an automatic instance looks again at a free lease: past the store's
    // own moment, whatever the network delay of the first look.
    private static readonly TimeSpan PreferenceMargin = TimeSpan.FromMilliseconds(50);

    private readonly IMongoCollection<BsonDocument> _leases;
    private readonly IMongoCollection<BsonDocument> _operators;
    private readonly LeaseOptions _options;
    private readonly ILogger<MongoLeaderElection> _logger;
    private readonly TimeProvider _time;
    private readonly IEventRecorder? _events;
    private readonly Lock _gate = new();
    private TermState? _current;
    private string? _lastSeenHolder;

    public MongoLeaderElection(
        IMongoDatabase database,
        LeaseOptions options,
        ILogger<MongoLeaderElection> logger,
        TimeProvider? time = null,
        IEventRecorder? events = null,
        OperatorIdentity? identity = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _options = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        _leases = database.GetCollection<BsonDocument>(ZpmCollections.Leases);
        _operators = database.GetCollection<BsonDocument>(ZpmCollections.Operators);
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _events = events;
        Identity = identity ?? OperatorIdentity.OfThisProcess(_options.Version, _time.GetUtcNow());
    }

    /// <summary>This instance, as the lease and its `operators` document record it.</summary>
    public OperatorIdentity Identity { get; }

    public async Task<LeadershipTerm> AcquireAsync(CancellationToken cancellationToken)
    {
        await using var changes = LeaseChangeSignal.Start(_leases, _options.LeaseName, _options.RetryPeriod, _time, _logger);
        long? missingSince = null;
        // When this standby last saw the lease change (a renewal, usually): the lease lapses a lease duration after its
        // last renewal, so the look that can take it is due then, not at the next retry period.
        long? lastChangeSeen = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Taken before trying, so a change that arrives while trying wakes the next wait at once.
            var changed = changes.Next;
            var wait = _options.RetryPeriod;
            try
            {
                if (_options.Role != LeaderRole.Passive)
                {
                    // An automatic instance creates a missing lease only after leaving it to an active one for a moment.
                    var create = _options.Role == LeaderRole.Active
                        || (missingSince is { } since && _time.GetElapsedTime(since) >= _options.ActivePreference);
                    var started = _time.GetTimestamp();
                    var previous = await TryTakeAsync(create, cancellationToken).ConfigureAwait(false);
                    if (previous is not null)
                    {
                        return await BeginTermAsync(previous, started, cancellationToken).ConfigureAwait(false);
                    }
                }

                var lease = await _leases.Find(ById()).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
                missingSince = lease is null ? missingSince ?? _time.GetTimestamp() : null;
                var holder = lease?.GetValue(LeaseFields.Holder, BsonNull.Value) is { IsString: true } held ? held.AsString : null;
                ObserveHolder(holder, lease);
                if (holder is null && _options.Role == LeaderRole.Auto)
                {
                    // A free lease is left to an active instance for ActivePreference; look again right after.
                    wait = _options.ActivePreference + PreferenceMargin;
                }
                else if (holder is not null && lastChangeSeen is { } seen && _options.Role != LeaderRole.Passive)
                {
                    var grace = _options.Role == LeaderRole.Active ? TimeSpan.Zero : _options.ActivePreference;
                    var untilLapse = _options.LeaseDuration + grace + PreferenceMargin - _time.GetElapsedTime(seen);
                    if (untilLapse > TimeSpan.Zero && untilLapse < wait)
                    {
                        wait = untilLapse;
                    }
                }

                await WriteInstanceAsync(LeaseFields.StandbyState, null, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // Store errors while waiting are retried: only shutdown ends the wait (the port's contract).
            catch (Exception exception)
#pragma warning restore CA1031
            {
                _logger.LeaseStoreError(_options.LeaseName, MongoErrors.Describe(exception), _options.RetryPeriod);
            }

            if (await WaitAsync(changed, wait, cancellationToken).ConfigureAwait(false))
            {
                lastChangeSeen = _time.GetTimestamp();
            }
        }
    }

    public bool IsConfirmed(LeadershipTerm term)
    {
        ArgumentNullException.ThrowIfNull(term);
        var state = _current;
        return state is not null && ReferenceEquals(state.Term, term) && !state.Term.Lost.IsCancellationRequested
            && _time.GetElapsedTime(Interlocked.Read(ref state.LastRenewStarted)) < _options.RenewDeadline;
    }

    public async Task ReleaseAsync(LeadershipTerm term, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(term);
        TermState? state;
        lock (_gate)
        {
            state = _current is { } current && ReferenceEquals(current.Term, term) ? current : null;
            if (state is not null)
            {
                _current = null;
            }
        }

        if (state is null)
        {
            return;
        }

        await state.StopAsync().ConfigureAwait(false);
        if (state.Term.Lost.IsCancellationRequested)
        {
            // Lost: the lease is someone else's or about to lapse; writing to it now could only do harm.
            return;
        }

        state.Lose();
        // Only if still this term's: a free lease that expires now, so a standby woken by the change takes it at once.
        var release = new EmptyPipelineDefinition<BsonDocument>().AppendStage<BsonDocument, BsonDocument, BsonDocument>(new BsonDocument("$set", new BsonDocument
        {
            [LeaseFields.Holder] = BsonNull.Value,
            [LeaseFields.HolderIdentity] = BsonNull.Value,
            [LeaseFields.ExpiresAt] = "$$NOW",
        }));
        var result = await _leases.UpdateOneAsync(ThisTerm(term), Builders<BsonDocument>.Update.Pipeline(release), cancellationToken: cancellationToken).ConfigureAwait(false);
        _logger.LeaseReleased(_options.LeaseName, term.Generation, result.MatchedCount == 1);
        _lastSeenHolder = null;
        await WriteInstanceAsync(LeaseFields.StandbyState, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes this instance's `operators` document: a stopped instance is no standby.</summary>
    public async ValueTask DisposeAsync()
    {
        TermState? state;
        lock (_gate)
        {
            state = _current;
            _current = null;
        }

        if (state is not null)
        {
            await state.StopAsync().ConfigureAwait(false);
            state.Lose();
        }

        using var timeout = new CancellationTokenSource(ShutdownWriteTimeout);
        try
        {
            await _operators.DeleteOneAsync(new BsonDocument("_id", Identity.Holder), timeout.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort: a leftover record shows an old last-seen time and nothing else.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _logger.InstanceRecordNotRemoved(Identity.Holder, MongoErrors.Describe(exception));
        }
    }

    // The lease as it was before this instance took it (empty when this instance created it), or null when it is held
    // by another (or, for an automatic instance, lapsed too recently). MongoDB refuses $expr in an upsert's query, so
    // taking an existing lease and creating a missing one are two conditional writes: with create, when the take
    // matched nothing, an upsert whose query matches no existing lease (every lease has a holder field) inserts it; of
    // two creators the one whose insert loses sees a duplicate key, which means the other holds it.
    private async Task<BsonDocument?> TryTakeAsync(bool create, CancellationToken cancellationToken)
    {
        var grace = _options.Role == LeaderRole.Active ? TimeSpan.Zero : _options.ActivePreference;
        var lapsed = new BsonDocument("$expr", new BsonDocument("$lte", new BsonArray
        {
            new BsonDocument("$add", new BsonArray { "$" + LeaseFields.ExpiresAt, (long)grace.TotalMilliseconds }),
            "$$NOW",
        }));
        var filter = new BsonDocument
        {
            ["_id"] = _options.LeaseName,
            ["$or"] = new BsonArray { new BsonDocument(LeaseFields.Holder, Identity.Holder), lapsed },
        };
        var take = new EmptyPipelineDefinition<BsonDocument>().AppendStage<BsonDocument, BsonDocument, BsonDocument>(new BsonDocument("$set", new BsonDocument
        {
            [LeaseFields.Holder] = Identity.Holder,
            [LeaseFields.HolderIdentity] = new BsonDocument("$literal", new BsonDocument
            {
                [LeaseFields.Host] = Identity.Host,
                [LeaseFields.ProcessId] = Identity.ProcessId,
                [LeaseFields.Version] = Identity.Version,
                [LeaseFields.StartedAt] = Identity.StartedAt.UtcDateTime,
            }),
            [LeaseFields.AcquiredAt] = "$$NOW",
            [LeaseFields.RenewedAt] = "$$NOW",
            [LeaseFields.ExpiresAt] = ExpiresFromNow(),
            [LeaseFields.Generation] = new BsonDocument("$add", new BsonArray { new BsonDocument("$ifNull", new BsonArray { "$" + LeaseFields.Generation, 0L }), 1L }),
        }));
        var update = Builders<BsonDocument>.Update.Pipeline(take);
        var taken = await _leases.FindOneAndUpdateAsync<BsonDocument>(
            filter,
            update,
            new FindOneAndUpdateOptions<BsonDocument> { ReturnDocument = ReturnDocument.Before },
            cancellationToken).ConfigureAwait(false);
        if (taken is not null || !create)
        {
            return taken;
        }

        var missing = new BsonDocument { ["_id"] = _options.LeaseName, [LeaseFields.Holder] = new BsonDocument("$exists", false) };
        try
        {
            var before = await _leases.FindOneAndUpdateAsync<BsonDocument>(
                missing,
                update,
                new FindOneAndUpdateOptions<BsonDocument> { IsUpsert = true, ReturnDocument = ReturnDocument.Before },
                cancellationToken).ConfigureAwait(false);
            return before ?? [];
        }
        catch (MongoCommandException duplicate) when (duplicate.Code == DuplicateKey)
        {
            return null;
        }
    }

    private async Task<LeadershipTerm> BeginTermAsync(BsonDocument previous, long started, CancellationToken cancellationToken)
    {
        var generation = (previous.GetValue(LeaseFields.Generation, BsonNull.Value) is { IsNumeric: true } number ? number.ToInt64() : 0) + 1;
        var previousHolder = previous.GetValue(LeaseFields.Holder, BsonNull.Value) is { IsString: true } held ? held.AsString : null;
        var state = new TermState(new CancellationTokenSource(), Identity.Holder, generation, started);
        lock (_gate)
        {
            _current = state;
        }

        _lastSeenHolder = Identity.Holder;
        _logger.Leader(_options.LeaseName, Identity.Holder, generation, previousHolder ?? "none");
        state.StartRenewing(this);
        await RecordLeaderChangeAsync(generation, previousHolder, cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteInstanceAsync(LeaseFields.LeaderState, generation, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The term stands: the renewals write the record again.
            _logger.LeaseStoreError(_options.LeaseName, MongoErrors.Describe(exception), _options.RetryPeriod);
        }

        return state.Term;
    }

    private async Task RecordLeaderChangeAsync(long generation, string? previousHolder, CancellationToken cancellationToken)
    {
        if (_events is null || previousHolder == Identity.Holder)
        {
            return;
        }

        var message = previousHolder is null
            ? $"{Identity.Holder} (version {Identity.Version}) leads scope {_options.LeaseName}, generation {generation}"
            : $"{Identity.Holder} (version {Identity.Version}) leads scope {_options.LeaseName}, generation {generation}, after {previousHolder}";
        try
        {
            await _events.RecordAsync(
                new ResourceEvent(new ResourceKey(LeaseEventKind, ResourceKey.DefaultTenant, _options.LeaseName), "LeaderElected", message, EventType.Normal, _time.GetUtcNow()),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Events are history for humans: the leadership does not depend on one.
            _logger.LeaderEventNotRecorded(_options.LeaseName, exception.Message);
        }
    }

    /// <summary>The resource kind that leader-change events are recorded under; the name is the lease's.</summary>
    public const string LeaseEventKind = "OperatorLease";

    // One renewal: true while the lease is still this term's, false when another holder took it.
    private async Task<bool> RenewAsync(TermState state, CancellationToken cancellationToken)
    {
        var renew = new EmptyPipelineDefinition<BsonDocument>().AppendStage<BsonDocument, BsonDocument, BsonDocument>(new BsonDocument("$set", new BsonDocument
        {
            [LeaseFields.RenewedAt] = "$$NOW",
            [LeaseFields.ExpiresAt] = ExpiresFromNow(),
        }));
        var result = await _leases.UpdateOneAsync(ThisTerm(state.Term), Builders<BsonDocument>.Update.Pipeline(renew), cancellationToken: cancellationToken).ConfigureAwait(false);
        return result.MatchedCount == 1;
    }

    private async Task RenewLoopAsync(TermState state)
    {
        var stop = state.Stopping.Token;
        // Attempts start a retry period after the previous one started (the take, at first), not after it ended: after
        // a take or renewal that waited long on a busy store the next renewal goes at once, rather than a whole period
        // later, when the renew deadline counted from that slow attempt's start may already have passed.
        var lastAttempt = Interlocked.Read(ref state.LastRenewStarted);
        while (!stop.IsCancellationRequested && !state.Term.Lost.IsCancellationRequested)
        {
            try
            {
                var untilNext = _options.RetryPeriod - _time.GetElapsedTime(lastAttempt);
                if (untilNext > TimeSpan.Zero)
                {
                    await Task.Delay(untilNext, _time, stop).ConfigureAwait(false);
                }

                var remaining = _options.RenewDeadline - _time.GetElapsedTime(Interlocked.Read(ref state.LastRenewStarted));
                if (remaining <= TimeSpan.Zero)
                {
                    break;
                }

                using var attemptTimeout = new CancellationTokenSource(remaining, _time);
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stop, attemptTimeout.Token, state.Term.Lost);
                var started = _time.GetTimestamp();
                lastAttempt = started;
                if (!await RenewAsync(state, attempt.Token).ConfigureAwait(false))
                {
                    var lease = await _leases.Find(ById()).FirstOrDefaultAsync(attempt.Token).ConfigureAwait(false);
                    var holder = lease?.GetValue(LeaseFields.Holder, BsonNull.Value) is { IsString: true } held ? held.AsString : "none";
                    state.Lose();
                    _logger.LeadershipTakenOver(_options.LeaseName, state.Term.Generation, holder);
                    return;
                }

                state.Renewed(started, _options.RenewDeadline, _time);
                await WriteInstanceAsync(LeaseFields.LeaderState, state.Term.Generation, attempt.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested || state.Term.Lost.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed renewal is retried until the renew deadline; the deadline timer ends the term.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                _logger.RenewFailed(_options.LeaseName, state.Term.Generation, MongoErrors.Describe(exception));
            }
        }
    }

    private void OnRenewDeadlinePassed(TermState state)
    {
        if (state.Term.Lost.IsCancellationRequested || state.Stopping.IsCancellationRequested)
        {
            return;
        }

        state.Lose();
        _logger.RenewDeadlinePassed(_options.LeaseName, state.Term.Generation, _options.RenewDeadline);
    }

    private void ObserveHolder(string? holder, BsonDocument? lease)
    {
        if (holder == _lastSeenHolder)
        {
            return;
        }

        _lastSeenHolder = holder;
        if (holder is null)
        {
            _logger.LeaseFree(_options.LeaseName);
        }
        else
        {
            var generation = lease?.GetValue(LeaseFields.Generation, BsonNull.Value) is { IsNumeric: true } number ? number.ToInt64() : 0;
            _logger.LeaderObserved(_options.LeaseName, holder, generation);
        }
    }

    private async Task WriteInstanceAsync(string state, long? generation, CancellationToken cancellationToken)
    {
        var update = Builders<BsonDocument>.Update
            .Set(LeaseFields.Lease, _options.LeaseName)
            .Set(LeaseFields.Role, _options.Role.ToString().ToLowerInvariant())
            .Set(LeaseFields.State, state)
            .Set(LeaseFields.Generation, generation.HasValue ? (BsonValue)generation.Value : BsonNull.Value)
            .Set(LeaseFields.Host, Identity.Host)
            .Set(LeaseFields.ProcessId, Identity.ProcessId)
            .Set(LeaseFields.Version, Identity.Version)
            .Set(LeaseFields.StartedAt, Identity.StartedAt.UtcDateTime)
            .CurrentDate(LeaseFields.LastSeenAt);
        await _operators.UpdateOneAsync(new BsonDocument("_id", Identity.Holder), update, new UpdateOptions { IsUpsert = true }, cancellationToken).ConfigureAwait(false);
    }

    // True when a change of the lease ended the wait, false when the wait ran out.
    private async Task<bool> WaitAsync(Task changed, TimeSpan wait, CancellationToken cancellationToken)
    {
        using var waitEnd = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(wait, _time, waitEnd.Token);
        var first = await Task.WhenAny(changed, delay).ConfigureAwait(false);
        await waitEnd.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return first == changed;
    }

    private BsonDocument ExpiresFromNow() =>
        new("$add", new BsonArray { "$$NOW", (long)_options.LeaseDuration.TotalMilliseconds });

    private BsonDocument ById() => new("_id", _options.LeaseName);

    private BsonDocument ThisTerm(LeadershipTerm term) => new()
    {
        ["_id"] = _options.LeaseName,
        [LeaseFields.Holder] = Identity.Holder,
        [LeaseFields.Generation] = term.Generation,
    };

    private sealed class TermState
    {
        private readonly CancellationTokenSource _lost;
        private ITimer? _deadline;
        private Task _renewing = Task.CompletedTask;

        public TermState(CancellationTokenSource lost, string holder, long generation, long started)
        {
            _lost = lost;
            LastRenewStarted = started;
            Term = new LeadershipTerm(holder, generation, lost.Token);
        }

        public LeadershipTerm Term { get; }

        public CancellationTokenSource Stopping { get; } = new();

        // The monotonic timestamp taken before the last successful take or renewal was sent: the store's expiry was
        // set after it, so the renew deadline counted from here ends before the lease does.
        public long LastRenewStarted;

        public void StartRenewing(MongoLeaderElection election)
        {
            var remaining = election._options.RenewDeadline - election._time.GetElapsedTime(LastRenewStarted);
            _deadline = election._time.CreateTimer(_ => election.OnRenewDeadlinePassed(this), null, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            _renewing = Task.Run(() => election.RenewLoopAsync(this));
        }

        public void Renewed(long started, TimeSpan renewDeadline, TimeProvider time)
        {
            if (_lost.IsCancellationRequested)
            {
                return;
            }

            Interlocked.Exchange(ref LastRenewStarted, started);
            var remaining = renewDeadline - time.GetElapsedTime(started);
            _deadline?.Change(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }

        public void Lose()
        {
            try
            {
                _lost.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Already ended.
            }
        }

        public async Task StopAsync()
        {
            _deadline?.Dispose();
            await Stopping.CancelAsync().ConfigureAwait(false);
            try
            {
                await _renewing.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped as asked.
            }
        }
    }
}
