/// A bounds-checked lib0 binary reader. Every read throws `YCRDTError` instead of trapping,
/// and declared lengths are checked against the remaining input before anything is allocated.
struct Lib0Decoder {
    let bytes: [UInt8]
    private(set) var pos: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.pos = 0
    }

    var remaining: Int { bytes.count - pos }
    var hasContent: Bool { pos < bytes.count }

    mutating func readUInt8(_ what: String = "a byte") throws -> UInt8 {
        guard pos < bytes.count else { throw YCRDTError.unexpectedEnd(what: what, offset: pos) }
        defer { pos += 1 }
        return bytes[pos]
    }

    /// Reads a varUint limited to 2^53-1, as JavaScript numbers are. A one-byte number
    /// (info bytes, lengths, most clocks) is read here, inline; longer ones (client ids)
    /// by `readLongVarUInt`.
    @inline(__always)
    mutating func readVarUInt(_ what: String = "a number") throws -> UInt64 {
        let p = pos
        if p < bytes.count {
            let b = bytes.withUnsafeBufferPointer { $0[p] }
            if b < 0x80 {
                pos = p + 1
                return UInt64(b)
            }
        }
        return try readLongVarUInt(what)
    }

    /// `readVarUInt`'s loop, through the input's buffer: an array subscript checked the
    /// bounds again for every byte (a load reads two numbers of four or five bytes per item).
    @inline(never)
    private mutating func readLongVarUInt(_ what: String) throws -> UInt64 {
        let start = pos
        enum Outcome {
            case value(UInt64, end: Int)
            case end(at: Int)
            case tooLarge
            case nonCanonical
        }
        let outcome = bytes.withUnsafeBufferPointer { buf -> Outcome in
            var p = start
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard p < buf.count else { return .end(at: p) }
                let b = buf[p]
                p += 1
                if shift >= 56 { return .tooLarge }
                result |= UInt64(b & 0x7F) << shift
                shift += 7
                if b < 0x80 {
                    if b == 0 && p - start > 1 { return .nonCanonical }
                    return .value(result, end: p)
                }
            }
        }
        switch outcome {
        case let .value(result, end):
            pos = end
            guard result <= (1 << 53) - 1 else { throw YCRDTError.integerTooLarge(offset: start) }
            return result
        case let .end(at):
            pos = at
            throw YCRDTError.unexpectedEnd(what: what, offset: at)
        case .tooLarge:
            throw YCRDTError.integerTooLarge(offset: start)
        case .nonCanonical:
            throw YCRDTError.nonCanonicalInteger(offset: start)
        }
    }

    mutating func readVarInt(_ what: String = "a signed number") throws -> (magnitude: UInt64, negative: Bool) {
        let start = pos
        let first = try readUInt8(what)
        var magnitude = UInt64(first & 0x3F)
        let negative = first & 0x40 != 0
        var shift: UInt64 = 6
        var b = first
        while b & 0x80 != 0 {
            b = try readUInt8(what)
            if shift >= 56 { throw YCRDTError.integerTooLarge(offset: start) }
            magnitude |= UInt64(b & 0x7F) << shift
            shift += 7
            if b == 0 { throw YCRDTError.nonCanonicalInteger(offset: start) }
        }
        guard magnitude <= (1 << 53) - 1 else { throw YCRDTError.integerTooLarge(offset: start) }
        return (magnitude, negative)
    }

    mutating func readLength(_ what: String) throws -> Int {
        let at = pos
        let n = try readVarUInt(what)
        guard n <= UInt64(remaining) else {
            throw YCRDTError.lengthExceedsInput(what: what, declared: Int(n), remaining: remaining, offset: at)
        }
        return Int(n)
    }

    /// A count of following elements, each of which takes at least `minBytes` bytes.
    mutating func readCount(_ what: String, minBytes: Int = 1) throws -> Int {
        let at = pos
        let n = try readVarUInt(what)
        guard n <= UInt64(remaining / max(1, minBytes)) else {
            throw YCRDTError.lengthExceedsInput(what: what, declared: Int(n), remaining: remaining, offset: at)
        }
        return Int(n)
    }

    mutating func readBytes(_ n: Int, _ what: String) throws -> ArraySlice<UInt8> {
        guard n <= remaining else {
            throw YCRDTError.lengthExceedsInput(what: what, declared: n, remaining: remaining, offset: pos)
        }
        defer { pos += n }
        return bytes[pos..<pos + n]
    }

    mutating func readVarUInt8Array(_ what: String = "a byte array") throws -> [UInt8] {
        let n = try readLength(what)
        return Array(try readBytes(n, what))
    }

    mutating func readVarString(_ what: String = "a string") throws -> String {
        let n = try readLength(what)
        let at = pos
        let slice = try readBytes(n, what)
        guard UTF.isValidUTF8(slice) else { throw YCRDTError.invalidUTF8(offset: at) }
        return String(decoding: slice, as: UTF8.self)
    }

    /// Reads a varString as UTF-16 code units (Yjs clocks count those).
    mutating func readVarStringUTF16(_ what: String = "a string") throws -> [UInt16] {
        let n = try readLength(what)
        let at = pos
        // Converted from the input's buffer: no slice, and a non-generic ASCII path.
        let units = bytes.withUnsafeBufferPointer { all in
            UTF.utf16(fromUTF8: UnsafeBufferPointer(rebasing: all[at..<at + n]))
        }
        guard let units else { throw YCRDTError.invalidUTF8(offset: at) }
        pos += n
        return units
    }

    mutating func readFloat32() throws -> Float {
        let s = try readBytes(4, "a float32")
        var v: UInt32 = 0
        for b in s { v = v << 8 | UInt32(b) }
        return Float(bitPattern: v)
    }

    mutating func readFloat64() throws -> Double {
        let s = try readBytes(8, "a float64")
        var v: UInt64 = 0
        for b in s { v = v << 8 | UInt64(b) }
        return Double(bitPattern: v)
    }

    mutating func readBigInt64() throws -> Int64 {
        let s = try readBytes(8, "a bigint64")
        var v: UInt64 = 0
        for b in s { v = v << 8 | UInt64(b) }
        return Int64(bitPattern: v)
    }
}
