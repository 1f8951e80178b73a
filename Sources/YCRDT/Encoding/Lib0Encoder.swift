/// A lib0 binary writer (the primitives of Yjs's v1 encoding).
struct Lib0Encoder {
    private(set) var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(64) }

    mutating func writeUInt8(_ v: UInt8) { bytes.append(v) }

    mutating func writeVarUInt(_ value: UInt64) {
        var v = value
        while v > 0x7F {
            bytes.append(UInt8(truncatingIfNeeded: v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    mutating func writeVarUInt(_ value: Int) { writeVarUInt(UInt64(max(0, value))) }

    /// Sign-and-magnitude varInt; `negative` lets callers write -0.
    mutating func writeVarInt(magnitude: UInt64, negative: Bool) {
        var m = magnitude
        var first = UInt8(truncatingIfNeeded: m & 0x3F) | (negative ? 0x40 : 0)
        m >>= 6
        if m > 0 { first |= 0x80 }
        bytes.append(first)
        while m > 0 {
            var b = UInt8(truncatingIfNeeded: m & 0x7F)
            m >>= 7
            if m > 0 { b |= 0x80 }
            bytes.append(b)
        }
    }

    mutating func writeVarInt(_ value: Int64) {
        writeVarInt(magnitude: value.magnitude, negative: value < 0)
    }

    mutating func writeBytes<C: Collection>(_ data: C) where C.Element == UInt8 { bytes.append(contentsOf: data) }

    mutating func writeVarUInt8Array(_ data: [UInt8]) {
        writeVarUInt(data.count)
        bytes.append(contentsOf: data)
    }

    /// Writes UTF-16 units as a varString; lone surrogates become U+FFFD as with `TextEncoder`.
    mutating func writeVarString(utf16 units: ArraySlice<UInt16>) {
        // Length first, then the bytes straight into the buffer (no intermediate array).
        writeVarUInt(UTF.utf8Count(fromUTF16: units))
        UTF.appendUTF8(fromUTF16: units, to: &bytes)
    }

    mutating func writeVarString(_ s: String) {
        writeVarUInt(s.utf8.count)
        bytes.append(contentsOf: s.utf8)
    }

    mutating func writeFloat32(_ v: Float) {
        let b = v.bitPattern
        for shift in stride(from: 24, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: b >> UInt32(shift)))
        }
    }

    mutating func writeFloat64(_ v: Double) {
        let b = v.bitPattern
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: b >> UInt64(shift)))
        }
    }

    mutating func writeBigInt64(_ v: Int64) {
        let b = UInt64(bitPattern: v)
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: b >> UInt64(shift)))
        }
    }
}
