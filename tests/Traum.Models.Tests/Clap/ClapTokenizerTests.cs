using System.Text.Json;
using Traum.Core;
using Traum.Models.Clap;
using Traum.TestKit;
using Traum.TestKit.Fixtures;
using Xunit;

namespace Traum.Models.Tests.Clap;

public sealed class ClapTokenizerTests
{
    private static string Vocab => Path.Combine(ClapFixture.SourceFolder, "vocab.json");

    private static string Merges => Path.Combine(ClapFixture.SourceFolder, "merges.txt");

    private static readonly ClapTokenizer Tokenizer = ClapTokenizer.FromFiles(Vocab, Merges);

    private static readonly ReferenceBpe Reference = new(Vocab, Merges);

    private static readonly Dictionary<string, int> VocabIds = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Vocab))!;

    [Theory]
    [InlineData("Hello world")]
    [InlineData(" Hello world")]
    [InlineData("hello   world  ")]
    [InlineData("Drums\tloop\n\nwith  tabs")]
    [InlineData("café au lait, naïve façade")]
    [InlineData("dusty vinyl drum loop 🥁🎶, laid back")]
    [InlineData("Ünïcödé: 日本語のテキスト / Ελληνικά")]
    [InlineData("it's we're they've I'm you'll he'd")]
    [InlineData("808 bass @ 140bpm -- 12% swing!!!")]
    [InlineData("")]
    public void Encode_Text_EqualsIndependentByteLevelBpeBetweenSpecials(string text)
    {
        var ids = Tokenizer.Encode(text);

        long[] expected = [0, .. Reference.Encode(text).Select(i => (long)i), 2];
        Assert.Equal(expected, ids);
    }

    [Fact]
    public void Encode_HelloWorld_UsesTheMergedTokensOfTheFixtureVocabulary()
    {
        // Merges "H e", "l l", "He ll", "Hell o" make "Hello"; "Ġ w", "o r", "Ġw or", "Ġwor l", "Ġworl d" make "Ġworld".
        Assert.Equal([0L, VocabIds["Hello"], VocabIds["Ġworld"], 2L], Tokenizer.Encode("Hello world"));
        // A leading space is kept with the first word (no prefix space is added, none is dropped). Merges apply by
        // rank: "Hell o" (rank 9) completes "Hello" before "Ġ H" (rank 12) could start "ĠHello", so the space stays alone.
        Assert.Equal([0L, VocabIds["Ġ"], VocabIds["Hello"], VocabIds["Ġworld"], 2L], Tokenizer.Encode(" Hello world"));
    }

    [Fact]
    public void Encode_Emoji_BecomesItsFourUtf8ByteSymbols()
    {
        // U+1F941 DRUM is F0 9F A5 81 in UTF-8. 0xF0 and 0xA5 are printable Latin-1 and stand for themselves ('ð', '¥');
        // 0x9F and 0x81 are not and map to U+0100 + n, n = their rank among non-printable bytes: 'Ł' (n = 65), 'ģ' (n = 35).
        var ids = Tokenizer.Encode("🥁");

        Assert.Equal([0L, VocabIds["ð"], VocabIds["Ł"], VocabIds["¥"], VocabIds["ģ"], 2L], ids);
    }

    [Fact]
    public void Encode_LongInput_TruncatesContentTo510AndKeepsEndToken()
    {
        var text = string.Concat(Enumerable.Repeat("a b ", 2000));

        var ids = Tokenizer.Encode(text);

        Assert.Equal(512, ids.Length);
        Assert.Equal(0, ids[0]);
        Assert.Equal(2, ids[^1]);
        long[] expectedContent = [.. Reference.Encode(text).Take(510).Select(i => (long)i)];
        Assert.Equal(expectedContent, ids[1..^1]);
    }

    [Fact]
    public void Encode_Exactly510ContentTokens_IsNotTruncated()
    {
        var text = new string('x', 510); // no merge for "x x": one token per character

        var ids = Tokenizer.Encode(text);

        Assert.Equal(512, ids.Length);
        Assert.All(ids[1..^1], id => Assert.Equal(VocabIds["x"], id));
    }

    [Fact]
    public void FromFiles_MissingMerges_ThrowsModelNotFoundNamingTheFile()
    {
        using var dir = new TempDir("tok");
        var missing = dir.File("merges.txt");

        var e = Assert.Throws<ModelNotFoundException>(() => ClapTokenizer.FromFiles(Vocab, missing));

        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
    }
}
