using Traum.Cli;

return await CliApp.RunAsync(args).ConfigureAwait(false);
