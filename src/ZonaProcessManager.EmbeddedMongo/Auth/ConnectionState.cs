namespace ZonaProcessManager.EmbeddedMongo.Auth;

/// <summary>
/// What one connection has proven: the authenticated user, a SCRAM exchange in progress, and whether it counts as
/// established for the connection limits (authenticated, or any command when authentication is off).
/// </summary>
public sealed class ConnectionState
{
    private readonly object gate = new();
    private UserRecord? user;
    private long userVersion;
    private int established;

    /// <summary>Called once, when the connection first becomes established.</summary>
    public Action? Established { get; set; }

    public bool IsEstablished => Volatile.Read(ref established) == 1;

    /// <summary>The SCRAM exchange waiting for its client-final message, with the user it is for.</summary>
    public (int Id, ScramConversation Conversation, string Db, string User)? Pending { get; set; }

    private int conversationCounter;

    public int NextConversationId() => Interlocked.Increment(ref conversationCounter);

    public void MarkEstablished()
    {
        if (Interlocked.Exchange(ref established, 1) == 0)
        {
            Established?.Invoke();
        }
    }

    public void SignIn(UserRecord signedIn, long version)
    {
        lock (gate)
        {
            user = signedIn;
            userVersion = version;
        }

        MarkEstablished();
    }

    public void SignOut()
    {
        lock (gate)
        {
            user = null;
        }
    }

    /// <summary>The signed-in user as the store knows it now: a changed user brings its new roles, a dropped one is signed out.</summary>
    public UserRecord? CurrentUser(UserStore users)
    {
        lock (gate)
        {
            if (user is not null && userVersion != users.Version)
            {
                userVersion = users.Version;
                user = users.Find(user.Db, user.User);
            }

            return user;
        }
    }
}
