import NIOCore
import RealtimeProtocol

/// How a relay private to its user answers an editor's `qalam_challenge` on one
/// socket: with a proof under the user's key that names the address the socket
/// was accepted on (see `RelayKey.proof(for:at:)`).
struct ChallengeResponder: Sendable {
    let key: RelayKey
    /// The relay's end of the connection, `ChallengeAddress.text(host:port:)`.
    let address: String

    /// The responder for a socket accepted at `localAddress`; `nil` when the relay
    /// has no key to prove (it is not private to a user) or the address is unknown.
    init?(key: RelayKey?, localAddress: SocketAddress?) {
        guard let key, let localAddress, let host = localAddress.ipAddress, let port = localAddress.port else {
            return nil
        }
        self.key = key
        address = ChallengeAddress.text(host: host, port: port)
    }

    func proof(for challenge: String) -> String {
        key.proof(for: challenge, at: address)
    }
}
