using CsCheck;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using static ZonaProcessManager.Domain.Tests.Planning.PlannerFixtures;

namespace ZonaProcessManager.Domain.Tests.Planning;

/// <summary>Random worlds: whatever Docker shows, planning is idempotent and, with cooperative containers, converges.</summary>
public class ReconcilePlannerPropertyTests
{
    private const string StaleHash = "5ta1e5ta1e5ta1e5";

    private enum Shape { Healthy, Starting, Unhealthy, NoHealth, Exited, Dead, Created, Restarting, Paused, Removing }

    private sealed record Slot(bool Present, bool Current, Shape Shape, int ExitCode, int AgeMinutes);

    private sealed record Scenario(int Replicas, int Parallelism, UpdateOrder Order, RestartPolicy Policy, bool Suspended,
        bool DependencyDown, bool FixedPort, Slot[] Slots)
    {
        // A start period of 5 minutes: replicas are at most 4 minutes old, so none of the current spec still starting
        // has run past its ready deadline.
        public ServiceSpec Service => WithSlowHealthCheck(PlannerFixtures.Service(
            replicas: Replicas, parallelism: Parallelism, order: Order, restartPolicy: Policy, suspended: Suspended,
            dependsOn: DependencyDown ? ["db"] : [], ports: FixedPort ? [new PortSpec(8080, 18080)] : [],
            networks: ["zpm-tenant-acme"]));

        private static ServiceSpec WithSlowHealthCheck(ServiceSpec service) =>
            service with { Spec = service.Spec with { HealthCheck = PlannerFixtures.HttpCheck with { StartPeriodSeconds = 300 } } };

        public IEnumerable<ObservedContainer> Containers(string currentHash) =>
            Slots.Select((slot, index) => (slot, index)).Where(s => s.slot.Present).Select(s => ToContainer(s.index, s.slot, currentHash));

        public override string ToString() =>
            $"replicas={Replicas} parallelism={Parallelism} {Order} {Policy} suspended={Suspended} depDown={DependencyDown} fixedPort={FixedPort} " +
            string.Join(" ", Slots.Select((s, i) => s.Present ? $"[{i}:{(s.Current ? "cur" : "old")} {s.Shape} exit={s.ExitCode} age={s.AgeMinutes}m]" : ""));
    }

    private static ObservedContainer ToContainer(int index, Slot slot, string currentHash)
    {
        var (state, health) = slot.Shape switch
        {
            Shape.Healthy => (ContainerState.Running, ContainerHealth.Healthy),
            Shape.Starting => (ContainerState.Running, ContainerHealth.Starting),
            Shape.Unhealthy => (ContainerState.Running, ContainerHealth.Unhealthy),
            Shape.NoHealth => (ContainerState.Running, ContainerHealth.None),
            Shape.Exited => (ContainerState.Exited, ContainerHealth.None),
            Shape.Dead => (ContainerState.Dead, ContainerHealth.None),
            Shape.Created => (ContainerState.Created, ContainerHealth.None),
            Shape.Restarting => (ContainerState.Restarting, ContainerHealth.None),
            Shape.Paused => (ContainerState.Paused, ContainerHealth.Healthy),
            _ => (ContainerState.Removing, ContainerHealth.None),
        };
        return Container(index, slot.Current ? currentHash : StaleHash, state, health,
            state == ContainerState.Exited ? slot.ExitCode : null, Now.AddMinutes(-slot.AgeMinutes));
    }

    private static Gen<Scenario> Scenarios(Gen<Shape> currentShapes, Gen<Shape> staleShapes, Gen<RestartPolicy> policies, Gen<bool> dependencyDown,
        int maxAgeMinutes = 10)
    {
        var slot = Gen.Select(Gen.Bool, Gen.Bool, currentShapes, staleShapes, Gen.Int[0, 2], Gen.Int[0, maxAgeMinutes],
            (present, current, currentShape, staleShape, exit, age) =>
                new Slot(present, current, current ? currentShape : staleShape, exit, age));
        return Gen.Select(Gen.Int[0, 4], Gen.Int[1, 3], Gen.Enum<UpdateOrder>(), policies,
            Gen.Frequency((1, Gen.Const(true)), (6, Gen.Const(false))), dependencyDown,
            Gen.Frequency((1, Gen.Const(true)), (4, Gen.Const(false))), slot.Array[6],
            (replicas, parallelism, order, policy, suspended, depDown, fixedPort, slots) =>
                new Scenario(replicas, parallelism, order, policy, suspended, depDown, fixedPort, slots));
    }

    [Fact]
    public void Planning_again_on_the_result_of_a_plan_adds_no_work()
    {
        Scenarios(Gen.Enum<Shape>(), Gen.Enum<Shape>(), Gen.Enum<RestartPolicy>(), Gen.Bool).Sample(scenario =>
        {
            var service = scenario.Service;
            var hash = HashOf(service);
            var world = new SimulatedWorld(scenario.Containers(hash));
            world.Networks.Add("zpm-tenant-acme");
            var unready = scenario.DependencyDown ? new[] { "db" } : [];

            var plan = Plan(service, world.Containers, unready);
            world.Apply(plan, Now);
            var again = Plan(service, world.Containers, unready);

            Assert.True(again.Actions.Count == 0,
                $"second plan not empty: {string.Join("; ", again.Actions.Select(a => a.Describe()))} after {string.Join("; ", plan.Actions.Select(a => a.Describe()))}");
        }, iter: 3000);
    }

    [Fact]
    public void Cooperative_containers_converge_to_exactly_the_desired_ready_replicas()
    {
        // Replicas of the current spec that are already broken (or older than their ready deadline) stop a rollout on
        // purpose, so they are left out here: replicas are at most 4 minutes old, under a 5-minute deadline.
        var settings = new PlannerSettings { RolloutDeadline = TimeSpan.FromMinutes(5) };
        var currentShapes = Gen.OneOfConst(Shape.Healthy, Shape.Starting, Shape.NoHealth, Shape.Created, Shape.Restarting);
        var staleShapes = Gen.OneOfConst(Shape.Healthy, Shape.Starting, Shape.Unhealthy, Shape.NoHealth, Shape.Exited,
            Shape.Dead, Shape.Created, Shape.Restarting, Shape.Removing);
        Scenarios(currentShapes, staleShapes, Gen.Const(RestartPolicy.Always), Gen.Const(false), maxAgeMinutes: 4).Sample(scenario =>
        {
            var service = scenario.Service;
            var hash = HashOf(service);
            var world = new SimulatedWorld(scenario.Containers(hash));
            var desired = scenario.Suspended ? 0 : scenario.Replicas;

            for (var step = 0; step < 30; step++)
            {
                var plan = Plan(service, world.Containers, now: Now.AddSeconds(step), settings: settings);
                if (!plan.HasActions && plan.Outcome.Kind == OutcomeKind.AllReady)
                {
                    var live = world.Containers.Where(c => c.State != ContainerState.Removing).ToList();
                    Assert.Equal(desired, live.Count);
                    Assert.All(live, c => Assert.Equal(hash, c.SpecHash));
                    Assert.All(live, c => Assert.Equal(ContainerState.Running, c.State));
                    Assert.Equal(desired, plan.Replicas.Ready);
                    return;
                }

                world.Apply(plan, Now.AddSeconds(step));
                Settle(world);
            }

            Assert.Fail("did not converge in 30 steps");
        }, iter: 2000);
    }

    /// <summary>Docker finishes what it was doing: removals complete, restarts end, health checks pass.</summary>
    private static void Settle(SimulatedWorld world)
    {
        world.Containers.RemoveAll(c => c.State == ContainerState.Removing);
        for (var i = 0; i < world.Containers.Count; i++)
        {
            if (world.Containers[i].State == ContainerState.Restarting)
            {
                world.Containers[i] = world.Containers[i] with { State = ContainerState.Running, Health = ContainerHealth.Starting };
            }
        }

        world.BecomeHealthy();
    }
}
