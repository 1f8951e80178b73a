extension YUpdate {
    /// Decodes a Yjs v1 state vector (`varUint(n) • (varUint(client) • varUint(clock))*n`)
    /// into client → number of clocks seen, as Yjs `decodeStateVector` does.
    ///
    /// Strict and bounded, so it is safe on bytes from the network: a count larger than
    /// the input can hold, a number beyond 2^53 - 1, a truncated entry or trailing bytes
    /// throw `YCRDTError`. An empty input is the empty vector, as in Yjs.
    public static func decodeStateVector(_ bytes: [UInt8]) throws -> [ClientID: Int] {
        try StateVector.decode(bytes)
    }
}
