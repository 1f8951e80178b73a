/// A y-protocols awareness update: per client, a clock and a JSON state (`"null"` = removed).
public struct AwarenessUpdate: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public var clientID: ClientID
        public var clock: UInt64
        /// JSON text of the state; `"null"` means the client left.
        public var state: String

        public init(clientID: ClientID, clock: UInt64, state: String) {
            self.clientID = clientID
            self.clock = clock
            self.state = state
        }

        /// True when this entry removes the client.
        public var isRemoval: Bool { state == "null" }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    public init(entries: [(clientID: ClientID, clock: UInt64, state: String)]) {
        self.entries = entries.map { Entry(clientID: $0.clientID, clock: $0.clock, state: $0.state) }
    }

    public func encode() -> [UInt8] {
        var e = Lib0Encoder()
        e.writeVarUInt(entries.count)
        for x in entries {
            e.writeVarUInt(x.clientID)
            e.writeVarUInt(x.clock)
            e.writeVarString(x.state)
        }
        return e.bytes
    }

    /// Decodes an update; every state must be valid JSON.
    public static func decode(_ bytes: [UInt8]) throws -> AwarenessUpdate {
        var d = Lib0Decoder(bytes)
        let n = try d.readCount("number of awareness entries", minBytes: 3)
        var entries: [Entry] = []
        entries.reserveCapacity(n)
        for _ in 0..<n {
            let client = try d.readVarUInt("a client id")
            let clock = try d.readVarUInt("an awareness clock")
            let state = try d.readVarString("an awareness state")
            _ = try JSONText.parse(state)
            entries.append(Entry(clientID: client, clock: clock, state: state))
        }
        guard !d.hasContent else { throw YCRDTError.trailingBytes(count: d.remaining) }
        return AwarenessUpdate(entries: entries)
    }
}
