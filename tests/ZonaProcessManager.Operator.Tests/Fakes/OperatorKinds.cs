using Microsoft.Extensions.DependencyInjection;
using ZonaProcessManager.Operator.Kinds;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Tests.Fakes;

/// <summary>The kinds the operator core registers, for tests that build the queue or the resync by hand.</summary>
internal static class OperatorKinds
{
    /// <summary>Exactly the kinds AddZpmOperatorCore registers, as registered, without resolving any port.</summary>
    public static KindRegistry Registered()
    {
        using var provider = new ServiceCollection().AddZpmOperatorCore(new OperatorSettings()).BuildServiceProvider();
        return provider.GetRequiredService<KindRegistry>();
    }
}
