import YCRDT

/// A Yjs state vector read into a dictionary (client → number of clocks), for the
/// comparisons the sync protocol needs: "does this peer lack anything I have?"
///
/// Decoding is YCRDT's (strict and bounded: the bytes come from the network).
public struct StateVectorMap: Equatable, Sendable {
    public private(set) var clocks: [UInt64: UInt64]

    public init(_ clocks: [UInt64: UInt64] = [:]) {
        self.clocks = clocks
    }

    /// Reads `varUint(n) • (varUint(client) • varUint(clock))*n`.
    ///
    /// Unlike Yjs, an empty input is refused: Qalam peers always send at least the
    /// count, so zero bytes mean a damaged message, not an empty document.
    /// - Throws: `YCRDTError` saying what is wrong with the bytes.
    public init(decoding bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { throw YCRDTError.unexpectedEnd(what: "state vector size", offset: 0) }
        let decoded = try YUpdate.decodeStateVector(bytes)
        // YCRDT bounds every number to 2^53 - 1, so none is negative.
        self.clocks = decoded.mapValues { UInt64(max(0, $0)) }
    }

    public subscript(client: UInt64) -> UInt64 { clocks[client] ?? 0 }

    /// Whether every clock of `self` is at most the larger of `a`'s and `b`'s:
    /// someone holding `a` and `b` together lacks nothing `self` has.
    public func isCovered(by a: StateVectorMap, _ b: StateVectorMap = StateVectorMap()) -> Bool {
        clocks.allSatisfy { client, clock in clock <= max(a[client], b[client]) }
    }

    /// Whether `self` has some clock beyond `other`.
    public func isAhead(of other: StateVectorMap) -> Bool {
        !isCovered(by: other)
    }
}
