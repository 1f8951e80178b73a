import Realtime

/// The knobs of a `SupabaseProvider`. Defaults follow the channel contract and
/// Supabase's Free-tier limits; tests shorten the intervals.
public struct ProviderConfiguration: Sendable {
    /// Local updates are merged and sent once per interval (100 ms: at most 10 a second).
    public var batchInterval: Duration
    /// Broadcasts per second this editor may send, all events together.
    public var maxBroadcastsPerSecond: Int
    /// The largest broadcast payload the server accepts (Supabase Free: 256 KB).
    /// Larger updates are split into parts that each fit.
    public var maxPayloadBytes: Int
    /// Whether the server confirms each broadcast. Unconfirmed updates are sent again
    /// after a reconnect, so an update in flight when the connection dropped is not lost.
    public var acknowledgeBroadcasts: Bool
    /// Cursor moves are sent at most this often.
    public var awarenessThrottle: Duration
    /// Remote awareness states not renewed for this long are dropped (y-protocols: 30 s).
    public var awarenessTimeout: Duration
    /// How often the local awareness state is renewed (y-protocols: 15 s).
    public var awarenessRenewInterval: Duration
    /// How often timeouts are checked (y-protocols: 3 s).
    public var awarenessCheckInterval: Duration
    /// Answers to a sync request wait a random delay in this range, so that one peer
    /// answers and the others see the answer and stay quiet.
    public var answerJitter: ClosedRange<Double>
    /// A peer sends its own state vector back to a requester that has something it
    /// lacks, but not more often than this.
    public var step1Cooldown: Duration
    /// With no answer to a sync request within this time, the editor counts as synced
    /// (it is alone, or the others only speak `yjs-update`).
    public var syncTimeout: Duration
    /// Join the channel with `private: true`: on Supabase, row-level security on
    /// `realtime.messages` decides who joins and who may send; a Qalam relay
    /// checks document membership either way. Set with a user's access token.
    public var privateChannel: Bool
    /// Delays before re-joining a channel the server closed (rate limit, token expiry).
    public var rejoinBackoff: Backoff
    /// A join that lasted this long resets `rejoinBackoff` to its first step.
    public var stableJoin: Duration
    /// After the server's "Too many messages per second" the broadcast rate is halved
    /// (each time, down to one a second) and restored after this long without another.
    public var rateRecovery: Duration
    /// How long a warning (a refused message, a failed send) stays in the
    /// status; it is checked every `awarenessCheckInterval`.
    public var warningLifetime: Duration

    public init(
        batchInterval: Duration = .milliseconds(100),
        maxBroadcastsPerSecond: Int = 10,
        maxPayloadBytes: Int = 256 * 1024,
        acknowledgeBroadcasts: Bool = true,
        awarenessThrottle: Duration = .milliseconds(250),
        awarenessTimeout: Duration = .seconds(30),
        awarenessRenewInterval: Duration = .seconds(15),
        awarenessCheckInterval: Duration = .seconds(3),
        answerJitter: ClosedRange<Double> = 0.02...0.3,
        step1Cooldown: Duration = .seconds(2),
        syncTimeout: Duration = .seconds(2),
        privateChannel: Bool = false,
        rejoinBackoff: Backoff = .reconnectDefault,
        stableJoin: Duration = .seconds(10),
        rateRecovery: Duration = .seconds(30),
        warningLifetime: Duration = .seconds(10)
    ) {
        self.batchInterval = batchInterval
        self.maxBroadcastsPerSecond = maxBroadcastsPerSecond
        self.maxPayloadBytes = maxPayloadBytes
        self.acknowledgeBroadcasts = acknowledgeBroadcasts
        self.awarenessThrottle = awarenessThrottle
        self.awarenessTimeout = awarenessTimeout
        self.awarenessRenewInterval = awarenessRenewInterval
        self.awarenessCheckInterval = awarenessCheckInterval
        self.answerJitter = answerJitter
        self.step1Cooldown = step1Cooldown
        self.syncTimeout = syncTimeout
        self.privateChannel = privateChannel
        self.rejoinBackoff = rejoinBackoff
        self.stableJoin = stableJoin
        self.rateRecovery = rateRecovery
        self.warningLifetime = warningLifetime
    }

    /// The largest raw update carried in one `yjs-update` (a JSON number array costs
    /// up to 4 bytes per byte: three digits and a comma).
    var maxUpdateBytesPerNumberArray: Int { max((maxPayloadBytes - 1024) / 4, 64) }

    /// The largest raw update carried in one `yjs-sync-step2` (base64: 4 bytes per 3),
    /// leaving room for the state vector and the other fields.
    func maxUpdateBytesPerBase64(stateVectorBytes: Int) -> Int {
        max((maxPayloadBytes - 2048 - stateVectorBytes * 4 / 3) * 3 / 4, 64)
    }

    func validate() throws {
        guard maxPayloadBytes >= 4096 else {
            throw CollabError.invalidConfiguration("maxPayloadBytes must be at least 4096 (Supabase allows 256 KB)")
        }
        guard maxBroadcastsPerSecond >= 1 else {
            throw CollabError.invalidConfiguration("maxBroadcastsPerSecond must be at least 1")
        }
        guard batchInterval > .zero else {
            throw CollabError.invalidConfiguration("batchInterval must be positive")
        }
    }
}
