using Traum.Core;
using Traum.Server.Components;

namespace Traum.Server.Tests;

public sealed class UiMessagesTests
{
    [Theory]
    [InlineData("No stem with id 5. List stems with GET /api/stems.", "No stem with id 5.")]
    [InlineData("Nothing to change: give a name, kind, category, tags, favourite or rating, e.g. {\"kind\": \"drums\"}.", "Nothing to change: give a name, kind, category, tags, favourite or rating, e.g.")]
    [InlineData("'fast' is not a tempo; write BPM as 124 (123.5-124.5), a range 120-130, 120- or -130.", "'fast' is not a tempo; write BPM as 124 (123.5-124.5), a range 120-130, 120- or -130.")]
    [InlineData("The name is empty; write at least one character", "The name is empty; write at least one character.")]
    public void Of_ApiSentences_AreLeftOut(string message, string expected)
    {
        Assert.Equal(expected, UiMessages.Of(new InvalidInputException(message)));
    }

    [Fact]
    public void Of_OnlyAnApiSentence_SaysItIsNotInTheLibrary()
    {
        Assert.Equal("It is not in the library.", UiMessages.Of(new NotFoundException("GET /api/stems/9 found nothing.")));
    }
}
