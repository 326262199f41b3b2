using System.CommandLine;
using ZonaProcessManager.Cli.Commands;

var root = new RootCommand("zpm: ZonaProcessManager, an operator for microservices on Docker")
{
    MongoServeCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
