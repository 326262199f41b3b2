using CsCheck;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.ChangeStreams;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Server;

public sealed class ResumeTokenTests
{
    [Fact]
    public void A_token_round_trips_through_its_document_form()
    {
        Gen.Long[0, long.MaxValue].Select(Gen.Long[0, long.MaxValue], Gen.Bool).Sample((timestamp, sequence, invalidate) =>
        {
            var token = new ResumeToken(timestamp, sequence, invalidate);
            Assert.Equal(token, ResumeToken.Parse(token.ToDocument()));
        });
    }

    [Theory]
    [InlineData("{ _data: 'zz' }")]
    [InlineData("{ _data: 1 }")]
    [InlineData("{ other: '82' }")]
    public void A_token_this_server_did_not_issue_is_refused_with_InvalidResumeToken(string json)
    {
        var error = Assert.Throws<MongoError>(() => ResumeToken.Parse(BsonDocument.Parse(json)));

        Assert.Equal(260, error.Code);
    }
}
