using Supervision.Core.Draw;
using Supervision.Core.Reference;
using Supervision.Core.Tasks;

namespace Supervision.Core.Tests.Tasks;

public sealed class SamplePreviewTests
{
    private static readonly DateOnly Today = new(2026, 6, 1);

    private static TaskDefinition Define(SamplingRuleDraft sampling)
    {
        var (definition, errors) = TaskDefinitions.Normalize(
            new TaskDraft("t", "D1", [], ["I1"], null, sampling, 2, Today.AddDays(30), null, null), ReferenceData.Default, Today);
        Assert.True(definition is not null, string.Join("; ", errors));
        return definition!;
    }

    [Fact]
    public void Stratified_counts_and_ratios_are_planned_like_the_draw()
    {
        var definition = Define(new SamplingRuleDraft("stratified", [new ClassQuota("A", 5, null), new ClassQuota("B", null, "0.02")], null, null));
        var preview = SamplePreview.Of(definition, new Dictionary<string, long> { ["A"] = 3, ["B"] = 101, ["C"] = 0, ["D"] = 40 });

        var byClass = preview.Classes.ToDictionary(c => c.CreditClass);
        Assert.Equal(3, byClass["A"].ExpectedSample);   // a count above the class size takes the whole class
        Assert.Equal(3, byClass["B"].ExpectedSample);   // ceil(0.02 · 101)
        Assert.Equal(0, byClass["C"].ExpectedSample);   // an empty class draws nothing
        Assert.Equal(12, byClass["D"].ExpectedSample);  // default ratio for D: 30 %
        Assert.Equal(144, preview.Population);
        Assert.Equal(18, preview.ExpectedSample);
    }

    [Fact]
    public void Pareto_spreads_the_total_by_weight_and_caps_whole_classes()
    {
        var definition = Define(new SamplingRuleDraft("pareto", null, 20, new Dictionary<string, string> { ["A"] = "1", ["B"] = "2", ["C"] = "10", ["D"] = "300" }));
        var preview = SamplePreview.Of(definition, new Dictionary<string, long> { ["A"] = 1000, ["B"] = 500, ["C"] = 100, ["D"] = 2 });

        var byClass = preview.Classes.ToDictionary(c => c.CreditClass);
        Assert.Equal(2, byClass["D"].ExpectedSample);   // 20 · 300 / 3600 ≥ 1: certain
        Assert.Equal(20m, preview.ExpectedSample);
        Assert.Equal(18m * 1000 / 3000, byClass["A"].ExpectedSample, 2);
        Assert.Equal(DrawModes.Pareto, preview.Mode);
    }
}
