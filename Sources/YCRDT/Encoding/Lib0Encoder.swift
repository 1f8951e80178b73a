/// A lib0 binary writer (the primitives of Yjs's v1 encoding).
struct Lib0Encoder {
    /// Written bytes, then zeroed room: every write fills the room in place through one
    /// pointer (one uniqueness check per write, not per byte) and doubles it when short.
    private var storage: [UInt8]
    /// How many bytes of `storage` are written.
    private(set) var count = 0

    init() { storage = [UInt8](repeating: 0, count: 64) }

    /// The bytes written so far. Drops the unused room (kept as capacity) first, so that
    /// the array handed out shares the encoder's buffer instead of being copied.
    var bytes: [UInt8] {
        mutating get {
            if storage.count != count { storage.removeLast(storage.count - count) }
            return storage
        }
    }

    /// Bytes the buffer can hold before it grows.
    var capacity: Int { storage.capacity }

    /// Starts over, writing into the same buffer (a copy of it if `bytes` handed it out and
    /// someone still holds it).
    mutating func reset() { count = 0 }

    /// Makes room for at least `n` more bytes.
    @inline(__always)
    mutating func reserveCapacity(_ n: Int) {
        if count + n > storage.count { grow(n) }
    }

    private mutating func grow(_ n: Int) {
        let room = Swift.max(storage.count, count + n - storage.count + 64)
        if storage.count + room <= storage.capacity || room <= Lib0Encoder.zeros.count {
            // In place: after `bytes` trimmed the buffer to hand it out, its room is still
            // allocated (every transaction's update comes here). Zeros are copied from a
            // ready block, a memcpy per block; appending a repeated element goes byte by byte.
            var left = room
            while left > 0 {
                let k = Swift.min(left, Lib0Encoder.zeros.count)
                storage.append(contentsOf: Lib0Encoder.zeros[..<k])
                left -= k
            }
            return
        }
        // A larger buffer, with the written bytes copied and the room zeroed by one fill each
        // (a whole state grows this way, when its estimate falls short).
        let size = storage.count + room
        storage = storage.withUnsafeBufferPointer { written in
            [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                let base = buffer.baseAddress!
                if count > 0 { base.initialize(from: written.baseAddress!, count: count) }
                (base + count).initialize(repeating: 0, count: size - count)
                initialized = size
            }
        }
    }

    private static let zeros = [UInt8](repeating: 0, count: 4096)

    /// Runs `body` on room for `n` bytes at the end; `body` returns how many it wrote.
    @inline(__always)
    private mutating func write(upTo n: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        reserveCapacity(n)
        let at = count
        count += storage.withUnsafeMutableBufferPointer { body($0.baseAddress! + at) }
    }

    @inline(__always)
    mutating func writeUInt8(_ v: UInt8) {
        write(upTo: 1) { p in
            p[0] = v
            return 1
        }
    }

    @inline(__always)
    mutating func writeVarUInt(_ value: UInt64) {
        write(upTo: 10) { p in Lib0Encoder.putVarUInt(value, p) }
    }

    @inline(__always)
    private static func putVarUInt(_ value: UInt64, _ p: UnsafeMutablePointer<UInt8>) -> Int {
        var v = value
        var i = 0
        while v > 0x7F {
            p[i] = UInt8(truncatingIfNeeded: v & 0x7F) | 0x80
            v >>= 7
            i += 1
        }
        p[i] = UInt8(truncatingIfNeeded: v)
        return i + 1
    }

    /// The bytes `value` takes as a varUint.
    @inline(__always)
    static func varUIntSize(_ value: UInt64) -> Int {
        (64 - value.leadingZeroBitCount + 6) / 7 + (value == 0 ? 1 : 0)
    }

    @inline(__always)
    mutating func writeVarUInt(_ value: Int) { writeVarUInt(UInt64(Swift.max(0, value))) }

    /// Two varUints in one write (an id: client and clock).
    @inline(__always)
    mutating func writeVarUInt(_ a: UInt64, _ b: Int) {
        write(upTo: 20) { p in
            let n = Lib0Encoder.putVarUInt(a, p)
            return n + Lib0Encoder.putVarUInt(UInt64(Swift.max(0, b)), p + n)
        }
    }

    /// A client's deleted ranges: their count, then each one's clock and length, in one
    /// write (a whole state's delete set has a range for every run of deleted structs).
    mutating func writeRanges(_ ranges: [DeleteSet.Range]) {
        // Room for every clock and length in the bytes the largest of them takes, not the ten
        // a varUint can take (a decoded delete set need not be sorted: the largest is sought).
        var largest = 0
        for r in ranges { largest = Swift.max(largest, r.clock, r.len) }
        write(upTo: 10 + 2 * ranges.count * Lib0Encoder.varUIntSize(UInt64(largest))) { p in
            var k = Lib0Encoder.putVarUInt(UInt64(ranges.count), p)
            for r in ranges {
                k += Lib0Encoder.putVarUInt(UInt64(Swift.max(0, r.clock)), p + k)
                k += Lib0Encoder.putVarUInt(UInt64(Swift.max(0, r.len)), p + k)
            }
            return k
        }
    }

    /// Sign-and-magnitude varInt; `negative` lets callers write -0.
    mutating func writeVarInt(magnitude: UInt64, negative: Bool) {
        write(upTo: 10) { p in
            var m = magnitude
            var first = UInt8(truncatingIfNeeded: m & 0x3F) | (negative ? 0x40 : 0)
            m >>= 6
            if m > 0 { first |= 0x80 }
            p[0] = first
            var i = 1
            while m > 0 {
                var b = UInt8(truncatingIfNeeded: m & 0x7F)
                m >>= 7
                if m > 0 { b |= 0x80 }
                p[i] = b
                i += 1
            }
            return i
        }
    }

    mutating func writeVarInt(_ value: Int64) {
        writeVarInt(magnitude: value.magnitude, negative: value < 0)
    }

    mutating func writeBytes<C: Collection>(_ data: C) where C.Element == UInt8 {
        write(upTo: data.count) { p in
            let buffer = UnsafeMutableBufferPointer(start: p, count: data.count)
            let (_, n) = buffer.initialize(from: data)
            return n
        }
    }

    mutating func writeVarUInt8Array(_ data: [UInt8]) {
        writeVarUInt(data.count)
        writeBytes(data)
    }

    /// Writes UTF-16 units as a varString; lone surrogates become U+FFFD as with `TextEncoder`.
    mutating func writeVarString(utf16 units: ArraySlice<UInt16>) {
        // Length first, then the bytes straight into the buffer (no intermediate array).
        units.withUnsafeBufferPointer { units in
            if units.count > Lib0Encoder.measuredStringUnits {
                let n = UTF.utf8Count(fromUTF16: units)
                write(upTo: 10 + n) { p in Lib0Encoder.putVarString(units, utf8Count: n, p) }
            } else {
                write(upTo: 10 + 3 * units.count) { p in Lib0Encoder.putVarString(units, p) }
            }
        }
    }

    /// Strings longer than this are measured before room is made for them: room for a
    /// short string is UTF-8's bound of three bytes a unit, a long one gets its exact size
    /// (a large paste would otherwise make room for three times what it writes, and the
    /// buffer keeps what it grows to).
    private static let measuredStringUnits = 1024

    /// Writes `units` as a varString at `p`, which has room for `10 + 3 * units.count`
    /// bytes; returns the bytes written.
    ///
    /// Most text is ASCII: its length in UTF-8 is its length in units, so that is written
    /// first and the units are narrowed after it in one pass. At the first other unit the
    /// length is counted and the string written again as UTF-8.
    @inline(__always)
    private static func putVarString(_ units: UnsafeBufferPointer<UInt16>, _ p: UnsafeMutablePointer<UInt8>) -> Int {
        let k = putVarUInt(UInt64(units.count), p)
        if UTF.narrowASCII(units, to: p + k) == units.count { return k + units.count }
        return putVarString(units, utf8Count: UTF.utf8Count(fromUTF16: units), p)
    }

    /// Writes `units`, whose UTF-8 takes `n` bytes, as a varString at `p` (room for `10 + n`).
    @inline(__always)
    private static func putVarString(
        _ units: UnsafeBufferPointer<UInt16>, utf8Count n: Int, _ p: UnsafeMutablePointer<UInt8>
    ) -> Int {
        let k = putVarUInt(UInt64(n), p)
        if n == units.count { return k + UTF.narrowASCII(units, to: p + k) }
        return k + UTF.writeUTF8(fromUTF16: units, to: p + k)
    }

    /// Writes an item's info byte and its origins (`ID.none` for none) at `p`, which has
    /// room for 41 bytes; returns the number of bytes written.
    @inline(__always)
    private static func putItemHeader(
        info: UInt8, origin: ID, rightOrigin: ID, _ p: UnsafeMutablePointer<UInt8>
    ) -> Int {
        p[0] = info
        let k = 1 + putOrigin(origin, p + 1)
        return k + putOrigin(rightOrigin, p + k)
    }

    /// An origin's client and clock at `p`, or nothing for `ID.none`; returns the bytes written.
    @inline(__always)
    private static func putOrigin(_ id: ID, _ p: UnsafeMutablePointer<UInt8>) -> Int {
        guard id.client != ID.none.client else { return 0 }
        let k = putVarUInt(id.client, p)
        return k + putVarUInt(UInt64(Swift.max(0, id.clock)), p + k)
    }

    /// An item's header, its origins (`ID.none` for none) and one number (the length of
    /// deleted content), in one write.
    mutating func writeItem(info: UInt8, origin: ID, rightOrigin: ID, number: Int) {
        write(upTo: 1 + 40 + 10) { p in
            let k = Lib0Encoder.putItemHeader(info: info, origin: origin, rightOrigin: rightOrigin, p)
            return k + Lib0Encoder.putVarUInt(UInt64(Swift.max(0, number)), p + k)
        }
    }

    /// An item's header, its origins (`ID.none` for none) and its string content from unit
    /// `offset`, in one write: the common struct of a text document's state.
    mutating func writeStringItem(
        info: UInt8, origin: ID, rightOrigin: ID, units: UnsafeBufferPointer<UInt16>
    ) {
        if units.count > Lib0Encoder.measuredStringUnits {
            let n = UTF.utf8Count(fromUTF16: units)
            write(upTo: 1 + 40 + 10 + n) { p in
                let k = Lib0Encoder.putItemHeader(info: info, origin: origin, rightOrigin: rightOrigin, p)
                return k + Lib0Encoder.putVarString(units, utf8Count: n, p + k)
            }
            return
        }
        write(upTo: 1 + 40 + 10 + 3 * units.count) { p in
            let k = Lib0Encoder.putItemHeader(info: info, origin: origin, rightOrigin: rightOrigin, p)
            return k + Lib0Encoder.putVarString(units, p + k)
        }
    }

    mutating func writeVarString(_ s: String) {
        writeVarUInt(s.utf8.count)
        writeBytes(s.utf8)
    }

    mutating func writeFloat32(_ v: Float) {
        let b = v.bitPattern
        write(upTo: 4) { p in
            var i = 0
            for shift in stride(from: 24, through: 0, by: -8) {
                p[i] = UInt8(truncatingIfNeeded: b >> UInt32(shift))
                i += 1
            }
            return i
        }
    }

    mutating func writeFloat64(_ v: Double) {
        let b = v.bitPattern
        write(upTo: 8) { p in
            var i = 0
            for shift in stride(from: 56, through: 0, by: -8) {
                p[i] = UInt8(truncatingIfNeeded: b >> UInt64(shift))
                i += 1
            }
            return i
        }
    }

    mutating func writeBigInt64(_ v: Int64) {
        let b = UInt64(bitPattern: v)
        write(upTo: 8) { p in
            var i = 0
            for shift in stride(from: 56, through: 0, by: -8) {
                p[i] = UInt8(truncatingIfNeeded: b >> UInt64(shift))
                i += 1
            }
            return i
        }
    }
}
