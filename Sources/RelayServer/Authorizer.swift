import Foundation
import RealtimeProtocol

/// The verdict on a join or a token refresh, reached (with a database lookup,
/// perhaps) before the hub applies it in one step.
enum ChannelVerdict: Sendable, Equatable {
    /// In, with what the caller may do; `caller`, `token` and `expiry` (unix
    /// seconds) when tokens are checked.
    case allowed(Grant, caller: Caller?, token: String?, expiry: Double?)
    /// Out. `joinReason` answers a join, `systemMessage` stops a joined channel.
    case refused(joinReason: String, systemMessage: String)
}

/// Checks the token of a join or refresh and the caller's membership.
struct Authorizer: Sendable {
    let verifier: JWTVerifier?
    let policy: AccessPolicy

    /// The verdict on a `phx_join` of `topic` with `payload`, for a socket that
    /// connected with `socketKey`. Creates a missing document with the caller as owner.
    func join(topic: String, payload: JSONValue?, socketKey: String?) async -> ChannelVerdict {
        let name = RealtimeTopic.channelName(ofTopic: topic) ?? topic
        let config = payload.map(JoinConfig.init(joinPayload:)) ?? JoinConfig()
        // The channel's token: the join's access_token unless it is an opaque `sb_` key.
        var token = socketKey
        if let payload, let joinToken = JoinConfig.accessToken(inJoinPayload: payload), !joinToken.hasPrefix("sb_") {
            token = joinToken
        }
        let caller: Caller?
        var expiry: Double?
        if let verifier {
            guard let token else {
                let failure = TokenFailure.missing
                return .refused(joinReason: RealtimeReason.joinReason(for: failure), systemMessage: failure.message)
            }
            switch verifier.verify(token) {
            case let .failure(failure):
                return .refused(joinReason: RealtimeReason.joinReason(for: failure), systemMessage: failure.message)
            case let .success(claims):
                caller = Caller(claims: claims)
                expiry = claims["exp"]?.doubleValue
            }
        } else {
            caller = nil
        }
        let decision = await policy.channel(name, isPrivate: config.isPrivate, caller: caller, create: true)
        return Self.verdict(decision, channel: name, caller: caller, token: token, expiry: expiry)
    }

    /// The verdict on an `access_token` push with `token` for a channel joined as
    /// `isPrivate`: the token is checked and the membership read again.
    func refresh(topic: String, token: String, isPrivate: Bool) async -> ChannelVerdict {
        let name = RealtimeTopic.channelName(ofTopic: topic) ?? topic
        guard let verifier else { return .allowed(.open, caller: nil, token: token, expiry: nil) }
        let claims: JSONValue
        switch verifier.verify(token) {
        case let .failure(failure):
            return .refused(joinReason: RealtimeReason.joinReason(for: failure), systemMessage: failure.message)
        case let .success(verified):
            claims = verified
        }
        let caller = Caller(claims: claims)
        let decision = await policy.channel(name, isPrivate: isPrivate, caller: caller, create: false)
        return Self.verdict(decision, channel: name, caller: caller, token: token, expiry: claims["exp"]?.doubleValue)
    }

    /// What the policy decided for `channel`, as the hub applies it: a join and a
    /// refresh are answered alike.
    private static func verdict(
        _ decision: Result<Grant, Denial>, channel name: String, caller: Caller?, token: String?, expiry: Double?
    ) -> ChannelVerdict {
        switch decision {
        case let .success(grant):
            return .allowed(grant, caller: caller, token: token, expiry: expiry)
        case .failure(.notMember):
            return .refused(
                joinReason: RealtimeReason.unauthorizedRead(name),
                systemMessage: RealtimeReason.lostReadPermission(name))
        case let .failure(.unavailable(reason)):
            return .refused(
                joinReason: RealtimeReason.authorizationUnavailable(reason),
                systemMessage: RealtimeReason.authorizationUnavailable(reason))
        }
    }
}
