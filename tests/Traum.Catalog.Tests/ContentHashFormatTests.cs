namespace Traum.Catalog.Tests;

public sealed class ContentHashFormatTests
{
    [Theory]
    [InlineData("abc", false)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true)]
    [InlineData("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", false)]
    public void IsValid_Strings_AcceptsOnly64LowerHex(string s, bool ok) => Assert.Equal(ok, ContentHashFormat.IsValid(s));
}
