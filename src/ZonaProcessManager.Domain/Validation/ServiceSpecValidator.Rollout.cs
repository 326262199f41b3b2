using ZonaProcessManager.Domain.Model;
using static ZonaProcessManager.Domain.Validation.SpecLimits;

namespace ZonaProcessManager.Domain.Validation;

/// <summary>spec.update, spec.rollback and spec.placement: how replicas roll and where they may run.</summary>
public static partial class ServiceSpecValidator
{
    private static void ValidateRollout(List<SpecProblem> problems, string path, UpdateStrategy? update, bool allowRollback)
    {
        if (update is null)
        {
            problems.Add(new SpecProblem(path, "must not be null"));
            return;
        }

        ValidateRollout(problems, path, update.Order, update.Parallelism, update.DelaySeconds, update.MonitorSeconds, update.FailureAction, allowRollback);
    }

    private static void ValidateRollout(List<SpecProblem> problems, string path, RollbackStrategy? rollback, bool allowRollback)
    {
        if (rollback is null)
        {
            problems.Add(new SpecProblem(path, "must not be null"));
            return;
        }

        ValidateRollout(problems, path, rollback.Order, rollback.Parallelism, rollback.DelaySeconds, rollback.MonitorSeconds, rollback.FailureAction, allowRollback);
    }

    private static void ValidateRollout(
        List<SpecProblem> problems, string path, UpdateOrder order, int parallelism, int delaySeconds, int monitorSeconds,
        UpdateFailureAction failureAction, bool allowRollback)
    {
        if (parallelism < 1)
        {
            problems.Add(new SpecProblem($"{path}.parallelism", $"must be 1 or more (got {parallelism})"));
        }

        if (!Enum.IsDefined(order))
        {
            problems.Add(new SpecProblem($"{path}.order", "must be start-first or stop-first"));
        }

        if (delaySeconds is < 0 or > MaxRolloutSeconds)
        {
            problems.Add(new SpecProblem($"{path}.delaySeconds", $"must be between 0 and {MaxRolloutSeconds} (got {delaySeconds})"));
        }

        // Swarm takes a monitor of 0 as "its default" (5 s), so 0 could not mean what it says.
        if (monitorSeconds is < 1 or > MaxRolloutSeconds)
        {
            problems.Add(new SpecProblem($"{path}.monitorSeconds", $"must be between 1 and {MaxRolloutSeconds} (got {monitorSeconds})"));
        }

        if (!Enum.IsDefined(failureAction))
        {
            problems.Add(new SpecProblem($"{path}.failureAction", allowRollback ? "must be rollback, pause or continue" : "must be pause or continue"));
        }
        else if (!allowRollback && failureAction == UpdateFailureAction.Rollback)
        {
            problems.Add(new SpecProblem($"{path}.failureAction", "must be pause or continue: a failed rollback has nothing to roll back to"));
        }
    }

    private static void ValidatePlacement(List<SpecProblem> problems, PlacementSpec placement)
    {
        const string path = "spec.placement";
        ForEach(problems, $"{path}.constraints", placement.Constraints, (itemPath, constraint) =>
        {
            if (Utf8Bytes(constraint) > MaxPlacementExpressionBytes)
            {
                problems.Add(new SpecProblem(itemPath, $"is {Utf8Bytes(constraint)} bytes; at most {MaxPlacementExpressionBytes}"));
            }
            else if (PlacementSyntax.ConstraintProblem(constraint) is { } problem)
            {
                problems.Add(new SpecProblem(itemPath, problem));
            }
        });
        CheckCount(problems, $"{path}.constraints", placement.Constraints?.Count ?? 0, MaxPlacementConstraints, "constraints");

        ForEach(problems, $"{path}.preferences", placement.Preferences, (itemPath, preference) =>
        {
            if (preference is null)
            {
                problems.Add(new SpecProblem(itemPath, "must not be null"));
            }
            else if (Utf8Bytes(preference.Spread) > MaxPlacementExpressionBytes)
            {
                problems.Add(new SpecProblem($"{itemPath}.spread", $"is {Utf8Bytes(preference.Spread)} bytes; at most {MaxPlacementExpressionBytes}"));
            }
            else if (PlacementSyntax.SpreadProblem(preference.Spread) is { } problem)
            {
                problems.Add(new SpecProblem($"{itemPath}.spread", problem));
            }
        });
        CheckCount(problems, $"{path}.preferences", placement.Preferences?.Count ?? 0, MaxPlacementPreferences, "preferences");

        if (placement.MaxReplicasPerNode is < 0)
        {
            problems.Add(new SpecProblem($"{path}.maxReplicasPerNode", $"must be 0 (no cap) or more (got {placement.MaxReplicasPerNode})"));
        }
    }
}
