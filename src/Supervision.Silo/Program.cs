using Microsoft.Extensions.Hosting;
using Supervision.Grains.Hosting;
using Supervision.Infrastructure.Configuration;
using Supervision.Infrastructure.Storage;

// A production silo: joins the cluster through PostgreSQL (ConnectionStrings:Supervision), applies pending schema
// scripts at start-up (unless Supervision:ApplySchemaOnStart=false), and hosts the grains. Run as many as needed.
var builder = Host.CreateApplicationBuilder(args);
builder.Configuration.AddLoggingDefaults();
var settings = PlatformSettings.From(builder.Configuration);
if (settings.IsEmbedded)
{
    Console.Error.WriteLine(
        "Supervision.Silo runs the production cluster and needs PostgreSQL: set ConnectionStrings__Supervision " +
        "(e.g. \"Host=db;Database=supervision;Username=supervision;Password=…\"). For a single-process installation " +
        "run src/Supervision.Api instead, which hosts its own silo on a local SQLite file.");
    return 2;
}

if (StartupOptions.Read<ClusterHostOptions>(builder.Configuration, s => s.AddPlatformOptions()).Kubernetes)
{
    // Inside Kubernetes: silo identity and cluster membership hints come from the pod (Orleans' Kubernetes hosting).
    builder.UseOrleans(silo => silo.UseKubernetesHosting().ConfigureSupervision(settings));
}
else
{
    builder.UseOrleans(silo => silo.ConfigureSupervision(settings));
}

await builder.Build().RunAsync();
return 0;
