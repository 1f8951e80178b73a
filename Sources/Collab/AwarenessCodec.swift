/// The y-protocols awareness update encoding:
/// `varUint(n) • (varUint(clientID) • varUint(clock) • varString(JSON state))*n`.
///
/// Decoding is strict and bounded (the bytes come from the network); JSON states
/// are parsed by `AwarenessModel`, which rejects the whole update if one is invalid.
enum AwarenessCodec {
    static func encode(_ entries: [AwarenessEntry]) throws -> [UInt8] {
        var writer = LibZeroWriter()
        writer.varUint(UInt64(entries.count))
        for entry in entries {
            writer.varUint(entry.clientID)
            writer.varUint(entry.clock)
            writer.varString(entry.stateJSON)
        }
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8]) throws -> [AwarenessEntry] {
        var reader = LibZeroReader(bytes)
        func fail(_ reason: String) -> CollabError {
            CollabError.malformedMessage(event: CollabEventName.awareness, reason: reason)
        }
        guard let count = reader.varUint() else { throw fail("the entry count is missing") }
        // Every entry takes at least three bytes.
        guard count <= UInt64(bytes.count) / 3 else { throw fail("it claims \(count) entries in \(bytes.count) bytes") }
        var entries: [AwarenessEntry] = []
        for index in 0..<count {
            guard let client = reader.varUint(), let clock = reader.varUint() else {
                throw fail("entry \(index) ends early")
            }
            guard let state = reader.varString() else {
                throw fail("entry \(index) has no valid UTF-8 state")
            }
            entries.append(AwarenessEntry(clientID: client, clock: clock, stateJSON: state))
        }
        guard reader.isAtEnd else { throw fail("bytes follow the last entry") }
        return entries
    }
}
