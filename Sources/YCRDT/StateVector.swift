/// Encoding and decoding of state vectors (client → next expected clock).
enum StateVector {
    static func encode(_ sv: [ClientID: Int]) -> [UInt8] {
        var e = Lib0Encoder()
        e.writeVarUInt(sv.count)
        for client in sv.keys.sorted(by: >) {
            e.writeVarUInt(client)
            e.writeVarUInt(sv[client] ?? 0)
        }
        return e.bytes
    }

    /// Decodes a state vector; an empty input means the empty vector, as in Yjs.
    static func decode(_ bytes: [UInt8]) throws -> [ClientID: Int] {
        if bytes.isEmpty { return [:] }
        var d = Lib0Decoder(bytes)
        let n = try d.readCount("state vector size", minBytes: 2)
        var sv: [ClientID: Int] = [:]
        for _ in 0..<n {
            let client = try d.readVarUInt("a client id")
            let clock = try d.readVarUInt("a clock")
            sv[client] = Int(clock)
        }
        guard !d.hasContent else { throw YCRDTError.trailingBytes(count: d.remaining) }
        return sv
    }
}
