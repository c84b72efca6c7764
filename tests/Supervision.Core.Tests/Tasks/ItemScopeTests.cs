using Supervision.Core.Reference;
using Supervision.Core.Tasks;

namespace Supervision.Core.Tests.Tasks;

public sealed class ItemScopeTests
{
    private static readonly ReferenceData Reference = ReferenceData.Default;

    [Fact]
    public void A_section_letter_becomes_the_divisions_of_that_section_because_entities_carry_numeric_codes()
    {
        var scope = ItemScopes.Of("FOOD", ["92", "91", "91"], ["H"], Reference);
        Assert.Equal(["91", "92"], scope.EntityTypes);
        // GB/T 4754-2017 section H (accommodation and catering) is divisions 61 and 62.
        Assert.Equal(["61", "62"], scope.IndustryPrefixes);
        Assert.True(scope.Applies("91", "6210"));
        Assert.False(scope.Applies("91", "0610"));
        Assert.False(scope.Applies("93", "6210"));
    }

    [Fact]
    public void Prefixes_covered_by_a_shorter_one_add_nothing_and_an_empty_scope_restricts_nothing()
    {
        Assert.Equal(["13", "14"], ItemScopes.Of("X", [], ["131", "13", "1410", "14"], Reference).IndustryPrefixes);
        var open = ItemScopes.Of("ANY", [], [], Reference);
        Assert.True(open.IsUnrestricted);
        Assert.True(open.Applies("11", "0111"));
        Assert.Empty(ItemScopes.Restricting([open]));
    }

    [Fact]
    public void An_entity_is_in_a_tasks_population_only_when_every_item_applies_to_it()
    {
        var food = ItemScopes.Of("FOOD", [], ["H"], Reference);
        var firms = ItemScopes.Of("FIRMS", ["91"], [], Reference);
        Assert.True(ItemScopes.AllApply([food, firms], "91", "6110"));
        Assert.False(ItemScopes.AllApply([food, firms], "92", "6110"));
        Assert.False(ItemScopes.AllApply([food, firms], "91", "0610"));
        Assert.True(ItemScopes.AllApply([], "92", "0610"));
    }
}
