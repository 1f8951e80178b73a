/// A Yjs client id (a random uint32 in Yjs; decoders accept up to 2^53-1).
public typealias ClientID = UInt64

/// The identity of one clock unit: (client, clock).
public struct ID: Hashable, Sendable, CustomStringConvertible {
    public var client: ClientID
    public var clock: Int

    public init(client: ClientID, clock: Int) {
        self.client = client
        self.clock = clock
    }

    public var description: String { "(\(client),\(clock))" }

    /// Stands for "no id" where an optional would cost a tag byte (decoders refuse client
    /// ids beyond 2^53-1, so no real id has this client).
    static let none = ID(client: .max, clock: 0)

    @inline(__always)
    func write(to e: inout Lib0Encoder) {
        e.writeVarUInt(client, clock)
    }

    static func read(_ d: inout Lib0Decoder) throws -> ID {
        let client = try d.readVarUInt("a client id")
        let clock = try d.readVarUInt("a clock")
        return ID(client: client, clock: Int(clock))
    }
}

/// A handle for removing an observer.
public struct ObserverID: Hashable, Sendable {
    let raw: Int
}
