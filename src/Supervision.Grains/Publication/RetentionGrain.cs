using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Supervision.Contracts.Publication;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Core.Publication;
using Supervision.Infrastructure.Publication;

namespace Supervision.Grains.Publication;

/// <summary>
/// How long each kind of public record stays public (configuration "Supervision:Retention", docs/retention.md). The defaults
/// are the domain notes' figures: five years, two where the subject is a natural person (an individual business).
/// </summary>
public sealed class RetentionOptions
{
    public const string Section = "Supervision:Retention";

    /// <summary>Years a published result stays public when the entity is a legal person (counted from its first publication).</summary>
    [Range(1, RetentionPolicy.MaxYears)]
    public int ResultYears { get; set; } = RetentionPolicy.Default.Results.LegalPersonYears;

    /// <summary>Years a published result stays public when the entity is a natural person (an individual business).</summary>
    [Range(1, RetentionPolicy.MaxYears)]
    public int ResultNaturalPersonYears { get; set; } = RetentionPolicy.Default.Results.NaturalPersonYears;

    /// <summary>Years a removed abnormal-operations listing stays on the public list (counted from its removal), legal person.</summary>
    [Range(1, RetentionPolicy.MaxYears)]
    public int AbnormalListingYears { get; set; } = RetentionPolicy.Default.AbnormalListings.LegalPersonYears;

    /// <summary>The same for a natural person.</summary>
    [Range(1, RetentionPolicy.MaxYears)]
    public int AbnormalListingNaturalPersonYears { get; set; } = RetentionPolicy.Default.AbnormalListings.NaturalPersonYears;

    public RetentionPolicy Policy => new(new RetentionPeriod(ResultYears, ResultNaturalPersonYears),
        new RetentionPeriod(AbnormalListingYears, AbnormalListingNaturalPersonYears));
}

/// <summary>
/// <see cref="IRetentionGrain"/>: the store reads the candidates, Core's <see cref="Retention.Expired"/> decides, the store
/// withdraws them with the run's audit line in one transaction (once per day: the run's row is the claim), then the touched
/// bulk files are generated again with their checksums and the run is marked done. Each step is idempotent; a run interrupted
/// after its withdrawal is finished by the next tick.
/// </summary>
public sealed class RetentionGrain(RetentionStore store, BulkExport export, WorkflowClock clock, IOptions<RetentionOptions> options) : Grain, IRetentionGrain
{
    public static readonly Actor Job = Actor.System("retention");

    /// <summary>
    /// The day whose run this activation saw through, files included: the keeper's later ticks that day answer without
    /// reading the database. Only this grain (one activation in the cluster) makes runs, so nothing else can unsettle the day.
    /// </summary>
    private DateOnly? _settled;

    public async Task<RetentionRun> Run()
    {
        var today = clock.Today;
        if (_settled == today) return new RetentionRun(today, false, 0, 0, 0, 0);
        var policy = options.Value.Policy;
        int results = 0, versions = 0, listings = 0;
        var ran = false;
        if (await store.RunAsync(today) is null)
        {
            var candidates = (await store.ResultCandidatesAsync(policy.CandidatesUpTo(PublicRecordKinds.Result, today)))
                .Concat(await store.ListingCandidatesAsync(policy.CandidatesUpTo(PublicRecordKinds.AbnormalListing, today)));
            var expired = Retention.Expired(policy, candidates, today);
            if (await store.WithdrawAsync(today, expired, policy, Job, clock.Now) is { } run)
            {
                ran = true;
                (results, versions, listings) = ((int)run.ResultsWithdrawn, (int)run.VersionsWithdrawn, (int)run.ListingsWithdrawn);
            }
        }

        var files = 0;
        foreach (var unfinished in await store.UnfinishedRunsAsync())
        {
            var generated = 0;
            foreach (var partition in unfinished.PartitionList)
            {
                foreach (var format in BulkExport.Formats)
                {
                    if (await export.RegenerateAsync(partition.Year, partition.Department, format, CancellationToken.None) is not null) generated++;
                }
            }
            await store.MarkFilesRegeneratedAsync(unfinished.RunOn, generated, clock.Now);
            files += generated;
        }

        _settled = today;
        return new RetentionRun(today, ran, results, versions, listings, files);
    }
}
