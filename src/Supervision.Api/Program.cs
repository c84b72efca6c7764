using Supervision.Api.Hosting;

var app = PlatformHost.Build(args);
await app.RunAsync();

/// <summary>Entry point, visible to the integration tests' host.</summary>
public partial class Program;
