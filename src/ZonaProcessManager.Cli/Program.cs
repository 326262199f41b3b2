using ZonaProcessManager.Cli;

var application = new CliApplication(new CliContext(Console.Out, Console.Error));
return await application.RunAsync(args);
