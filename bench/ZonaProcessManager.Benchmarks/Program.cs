using BenchmarkDotNet.Running;
using ZonaProcessManager.Benchmarks;

// `mongo` runs the embedded server's side-by-side figures (inserts, finds and change events against raw SQLite); anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "mongo")
{
    return await MongoServerBenchmark.RunAsync(args[1..]);
}

// `mongo-serve <dir>` is the benchmark's own server process (started by `mongo`, stops when its input closes).
if (args.Length > 1 && args[0] == "mongo-serve")
{
    return await MongoServerBenchmark.ServeAsync(args[1]);
}

// `operator` runs the operator's macro figures (convergence vs direct Docker, reaction latency, idle cost, restart).
if (args.Length > 0 && args[0] == "operator")
{
    return await OperatorBenchmark.RunAsync(args[1..]);
}

// `integrations` runs the onboarding figure (T tenants x I integrations vs the same containers made directly).
if (args.Length > 0 && args[0] == "integrations")
{
    return await IntegrationBenchmark.RunAsync(args[1..]);
}

// `ports` runs the host-port allocation figure (8 concurrent allocators through the real store vs plain inserts).
if (args.Length > 0 && args[0] == "ports")
{
    return await PortAllocationBenchmark.RunAsync(args[1..]);
}

// `swarm` runs the Swarm backend's figures on the lab of scripts/swarm-lab.sh (creation and scaling vs the Docker API).
if (args.Length > 0 && args[0] == "swarm")
{
    return await SwarmBenchmark.RunAsync(args[1..]);
}

// `chaos` runs the failure scenarios of `make chaos` against real zpm processes and prints what survived.
if (args.Length > 0 && args[0] == "chaos")
{
    return await ZonaProcessManager.Benchmarks.Chaos.ChaosBenchmark.RunAsync(args[1..]);
}

// `ha` runs the leader-takeover figures against two real `zpm run` processes (kill -9 of the leader with N converged services).
if (args.Length > 0 && args[0] == "ha")
{
    return await HighAvailabilityBenchmark.RunAsync(args[1..]);
}

// `sim` runs the real operator on a simulated container engine at 1 000 / 10 000 / 100 000 services (resync, memory, reaction, change lag).
if (args.Length > 0 && args[0] == "sim")
{
    return await ZonaProcessManager.Benchmarks.Simulation.SimBenchmark.RunAsync(args[1..]);
}

// `probes` runs the health-check cost figures (operator probes from the host vs Docker's health checks, same services).
if (args.Length > 0 && args[0] == "probes")
{
    return await ProbeBenchmark.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(MongoServerBenchmark).Assembly).Run(args);
return 0;
