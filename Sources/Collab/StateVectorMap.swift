/// A Yjs state vector read into a dictionary (client → number of clocks), for the
/// comparisons the sync protocol needs: "does this peer lack anything I have?"
///
/// Decoding is strict and bounded: the bytes come from the network.
public struct StateVectorMap: Equatable, Sendable {
    public private(set) var clocks: [UInt64: UInt64]

    public init(_ clocks: [UInt64: UInt64] = [:]) {
        self.clocks = clocks
    }

    /// Reads `varUint(n) • (varUint(client) • varUint(clock))*n`.
    public init(decoding bytes: [UInt8]) throws {
        var reader = VarUintReader(bytes)
        let count = try reader.read()
        // Every entry takes at least two bytes: a larger count is a lie, not an allocation.
        guard count <= UInt64(bytes.count) / 2 + 1 else { throw StateVectorError.truncated }
        var clocks = [UInt64: UInt64]()
        for _ in 0..<count {
            let client = try reader.read()
            let clock = try reader.read()
            clocks[client] = clock
        }
        guard reader.isAtEnd else { throw StateVectorError.trailingBytes }
        self.clocks = clocks
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

/// Why a state vector could not be read.
public enum StateVectorError: Error, CustomStringConvertible, Sendable, Equatable {
    case truncated
    case overlong
    case trailingBytes

    public var description: String {
        switch self {
        case .truncated: return "the state vector ends early"
        case .overlong: return "the state vector holds a number longer than 64 bits"
        case .trailingBytes: return "the state vector has bytes after its last entry"
        }
    }
}

/// lib0 varUint (unsigned LEB128) reading, bounded to 64 bits.
struct VarUintReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position == bytes.count }

    mutating func read() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.count else { throw StateVectorError.truncated }
            let byte = bytes[position]
            position += 1
            guard shift < 64, shift < 63 || byte & 0x7F <= 1 else { throw StateVectorError.overlong }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }
}
