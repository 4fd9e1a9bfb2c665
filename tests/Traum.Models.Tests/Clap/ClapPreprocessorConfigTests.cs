using Traum.Models.Clap;
using Traum.TestKit.Fixtures;
using Xunit;

namespace Traum.Models.Tests.Clap;

public sealed class ClapPreprocessorConfigTests
{
    private static string Real => File.ReadAllText(Path.Combine(ClapFixture.SourceFolder, "preprocessor_config.json"));

    [Fact]
    public void Problems_CheckpointValues_None()
    {
        Assert.Empty(ClapPreprocessorConfig.Problems(Real));
    }

    [Theory]
    [InlineData("\"sampling_rate\": 48000", "\"sampling_rate\": 44100", "sampling_rate")]
    [InlineData("\"feature_size\": 64", "\"feature_size\": 128", "feature_size")]
    [InlineData("\"hop_length\": 480", "\"hop_length\": 512", "hop_length")]
    [InlineData("\"frequency_max\": 14000", "\"frequency_max\": 24000", "frequency_max")]
    [InlineData("\"truncation\": \"rand_trunc\"", "\"truncation\": \"fusion\"", "fusion")]
    [InlineData("\"padding\": \"repeatpad\"", "\"padding\": \"pad\"", "padding")]
    [InlineData("\"top_db\": null", "\"top_db\": 80", "top_db")]
    [InlineData("\"hop_length\": 480,", "", "hop_length is missing")]
    public void Problems_DifferentValue_IsNamed(string from, string to, string expected)
    {
        Assert.Contains(from, Real, StringComparison.Ordinal);

        var problems = ClapPreprocessorConfig.Problems(Real.Replace(from, to, StringComparison.Ordinal));

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Problems_NotJson_SaysSo()
    {
        Assert.Contains(ClapPreprocessorConfig.Problems("{ nope"), p => p.Contains("JSON", StringComparison.Ordinal));
    }
}
