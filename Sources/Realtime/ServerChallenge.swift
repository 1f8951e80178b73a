/// How a client tells the real server from a program that took its port: the
/// server must answer a random challenge with a proof only the key's holder can
/// compute (see `RealtimeOptions.serverChallenge`), for the address the client
/// dialled.
public struct ServerChallenge: Sendable {
    /// Whether `proof` answers `challenge` from a server at `address`: the host
    /// and port the client dialled, as `ChallengeAddress.text(host:port:)` writes
    /// them. A proof that names another address is a program passing the
    /// challenge on to the real server elsewhere.
    public let verify: @Sendable (_ challenge: String, _ proof: String, _ address: String) -> Bool

    public init(verify: @escaping @Sendable (_ challenge: String, _ proof: String, _ address: String) -> Bool) {
        self.verify = verify
    }

    /// 32 random bytes as hex: the challenge of one socket.
    static func makeChallenge() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte >> 4, radix: 16) + String(byte & 0x0F, radix: 16)
        }.joined()
    }
}
