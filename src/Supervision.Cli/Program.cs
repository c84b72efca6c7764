using System.CommandLine;
using Supervision.Cli;

var root = new RootCommand("supervision: command-line tools for the Supervision platform (double random, one public).")
{
    GenerateCommand.Create(),
    ImportCommand.Create(),
    MigrateCommand.Create(),
    VerifyDrawCommand.Create(),
    VerifyAuditCommand.Create(),
    BackupCommand.CreateBackup(),
    BackupCommand.CreateRestore(),
};
return await root.Parse(args).InvokeAsync();
