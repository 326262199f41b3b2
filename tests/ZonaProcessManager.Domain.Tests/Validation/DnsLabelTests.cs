using ZonaProcessManager.Domain.Validation;

namespace ZonaProcessManager.Domain.Tests.Validation;

public sealed class DnsLabelTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("web")]
    [InlineData("web-1")]
    [InlineData("1web")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123")]
    public void A_DNS_label_is_valid(string value) => Assert.True(DnsLabel.IsValid(value));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Web")]
    [InlineData("-web")]
    [InlineData("web-")]
    [InlineData("web_1")]
    [InlineData("web.1")]
    [InlineData("web\n")]
    [InlineData("web\r\n")]
    [InlineData("\nweb")]
    [InlineData("we\nb")]
    [InlineData("web ")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234")]
    public void Anything_else_is_not(string? value) => Assert.False(DnsLabel.IsValid(value));

    [Fact]
    public void Messages_show_a_trailing_newline_as_an_escape_rather_than_a_line_break()
    {
        Assert.Equal(
            "metadata.name must be a DNS label (1-63 lowercase letters, digits or '-', starting and ending with a letter or digit), got \"web\\n\"",
            DnsLabel.Problem("metadata.name", "web\n"));
        Assert.StartsWith("'web\\n' is not a valid name: use 1-63", DnsLabel.NotValid("web\n"));
    }
}
