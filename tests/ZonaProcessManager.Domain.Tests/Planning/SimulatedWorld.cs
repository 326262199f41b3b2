using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;

namespace ZonaProcessManager.Domain.Tests.Planning;

/// <summary>A fake Docker for planner tests: applies a plan the way the executor would, and checks Docker's own rules.</summary>
public sealed class SimulatedWorld
{
    private int _nextId;

    private readonly bool _healthChecked;

    /// <param name="healthChecked">Whether replicas have a health check, i.e. come up Starting rather than ready.</param>
    public SimulatedWorld(IEnumerable<ObservedContainer>? containers = null, bool healthChecked = true)
    {
        Containers = [.. containers ?? []];
        _healthChecked = healthChecked;
    }

    public List<ObservedContainer> Containers { get; }

    public HashSet<string> Networks { get; } = [];

    public HashSet<string> Volumes { get; } = [];

    /// <summary>Runs the plan in order. New or restarted replicas come up with health Starting when the spec has a health check.</summary>
    public void Apply(ReconcilePlan plan, DateTimeOffset now)
    {
        foreach (var action in plan.Actions)
        {
            switch (action)
            {
                case EnsureNetwork network:
                    Networks.Add(network.Name);
                    break;
                case EnsureVolume volume:
                    Volumes.Add(volume.Volume.Name!);
                    break;
                case RemoveContainer remove:
                    Assert.Equal(1, Containers.RemoveAll(c => c.Id == remove.ContainerId));
                    break;
                case RestartContainer restart:
                    var index = Containers.FindIndex(c => c.Id == restart.ContainerId);
                    Assert.True(index >= 0, $"restart of unknown container {restart.ContainerName}");
                    Containers[index] = Containers[index] with
                    {
                        State = ContainerState.Running,
                        Health = _healthChecked ? ContainerHealth.Starting : ContainerHealth.None,
                        StartedAt = now,
                        ExitCode = null,
                        RestartCount = Containers[index].RestartCount + 1,
                    };
                    break;
                case ReplaceContainer replace:
                    Assert.Equal(1, Containers.RemoveAll(c => c.Id == replace.ContainerId));
                    Create(replace.Replacement, now);
                    break;
                case CreateReplica create:
                    Create(create.Container, now);
                    break;
                default:
                    Assert.Fail($"unknown action {action}");
                    break;
            }
        }
    }

    /// <summary>Every starting replica passes its health check.</summary>
    public void BecomeHealthy()
    {
        for (var i = 0; i < Containers.Count; i++)
        {
            if (Containers[i] is { State: ContainerState.Running, Health: ContainerHealth.Starting })
            {
                Containers[i] = Containers[i] with { Health = ContainerHealth.Healthy };
            }
        }
    }

    public void SetHealth(string name, ContainerHealth health)
    {
        var index = Containers.FindIndex(c => c.Name == name);
        Containers[index] = Containers[index] with { Health = health };
    }

    private void Create(DesiredContainer desired, DateTimeOffset now)
    {
        // Docker refuses a second container with the same name: the planner must never hand out a taken slot.
        Assert.DoesNotContain(Containers, c => c.Name == desired.ContainerName);
        foreach (var network in desired.Spec.Networks)
        {
            Assert.Contains(network, Networks);
        }

        Containers.Add(new ObservedContainer
        {
            Id = $"sim{_nextId++}",
            Name = desired.ContainerName,
            Owner = desired.Owner,
            Replica = desired.Replica,
            SpecHash = desired.SpecHash,
            State = ContainerState.Running,
            Health = _healthChecked ? ContainerHealth.Starting : ContainerHealth.None,
            StartedAt = now,
            CreatedAt = now,
        });
    }
}
