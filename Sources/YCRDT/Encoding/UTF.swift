/// Conversions between the UTF-16 code units Yjs counts in and the UTF-8 it sends.
enum UTF {
    static func isValidUTF8<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        var it = bytes.makeIterator()
        var decoder = Unicode.UTF8()
        while true {
            switch decoder.decode(&it) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// Strict UTF-8 → UTF-16; nil when the input is not valid UTF-8.
    static func utf16<C: Collection>(fromUTF8 bytes: C) -> [UInt16]? where C.Element == UInt8 {
        // Most text is ASCII: one vectorisable check, then a widening copy into an array
        // allocated once (no per-unit append).
        let ascii: [UInt16]? =
            bytes.withContiguousStorageIfAvailable { buf in
                var any: UInt8 = 0
                for b in buf { any |= b }
                guard any < 0x80 else { return nil }
                return [UInt16](unsafeUninitializedCapacity: buf.count) { out, initialized in
                    for i in 0..<buf.count { out[i] = UInt16(buf[i]) }
                    initialized = buf.count
                }
            } ?? nil
        if let ascii { return ascii }
        // Sized exactly: the array is the text's storage for the document's lifetime,
        // and a byte count would over-reserve by half for Arabic (two bytes a unit).
        var units = 0
        for b in bytes where b & 0xC0 != 0x80 { units += b >= 0xF0 ? 2 : 1 }
        var out: [UInt16] = []
        out.reserveCapacity(units)
        var it = bytes.makeIterator()
        var decoder = Unicode.UTF8()
        while true {
            switch decoder.decode(&it) {
            case let .scalarValue(s):
                if s.value < 0x10000 {
                    out.append(UInt16(s.value))
                } else {
                    let v = s.value - 0x10000
                    out.append(UInt16(0xD800 + (v >> 10)))
                    out.append(UInt16(0xDC00 + (v & 0x3FF)))
                }
            case .emptyInput: return out
            case .error: return nil
            }
        }
    }

    /// The same for bytes in a buffer; ASCII (most text) is widened straight into its
    /// array (`WidenedASCII`), and other text is transcoded by hand (`transcode`).
    static func utf16(fromUTF8 buf: UnsafeBufferPointer<UInt8>) -> [UInt16]? {
        guard isASCII(buf) else { return transcode(buf) }
        return Array(WidenedASCII(bytes: buf))
    }

    /// Texts of up to this many units are built in a stack buffer (see `unitsArray`).
    private static let stackUnits = 512

    /// A new array of `count` units that `fill` writes (nil when `fill` returns false).
    ///
    /// A short text is written to a stack buffer and copied into an array: an array made
    /// by `Array(unsafeUninitializedCapacity:)` is allocated by the standard library's
    /// unspecialised code, which looks up the `[UInt16]` storage class's metadata at run
    /// time on every call (about 300 instructions of a short string's 750), while copying
    /// a buffer allocates through code specialised here. A long one is written in place:
    /// its copy would cost more than the lookup saves.
    @inline(__always)
    private static func unitsArray(
        count: Int, _ fill: (UnsafeMutableBufferPointer<UInt16>) -> Bool
    ) -> [UInt16]? {
        guard count > stackUnits else {
            return withUnsafeTemporaryAllocation(of: UInt16.self, capacity: count) { tmp in
                fill(tmp) ? Array(UnsafeBufferPointer(rebasing: tmp[..<count])) : nil
            }
        }
        var valid = false
        let out = [UInt16](unsafeUninitializedCapacity: count) { out, initialized in
            valid = fill(out)
            initialized = valid ? count : 0
        }
        return valid ? out : nil
    }

    /// Strict UTF-8 → UTF-16 of a buffer, refusing what `Unicode.UTF8` refuses
    /// (stray continuation bytes, overlong forms, surrogates, values above
    /// U+10FFFF, cut sequences). The standard library's scalar-at-a-time decoder
    /// made this a third of opening a 10 MB Arabic document; this loop does the
    /// same checks a byte class at a time, into an array sized exactly.
    static func transcode(_ buf: UnsafeBufferPointer<UInt8>) -> [UInt16]? {
        var units = 0
        for b in buf where b & 0xC0 != 0x80 { units += b >= 0xF0 ? 2 : 1 }
        return unitsArray(count: units) { out in
            let n = buf.count
            var i = 0
            var o = 0
            // Every unit written was counted above (a lead byte counts what its
            // sequence writes, continuation bytes nothing), so `o` stays within
            // `units`; the checks below keep that true for any input.
            decoding: while i < n {
                let b0 = buf[i]
                if b0 < 0x80 {
                    guard o < units else { break decoding }
                    out[o] = UInt16(b0)
                    o += 1
                    i += 1
                    continue
                }
                switch b0 {
                case 0xC2...0xDF:
                    guard i + 1 < n, o < units else { break decoding }
                    let b1 = buf[i + 1]
                    guard b1 & 0xC0 == 0x80 else { break decoding }
                    out[o] = UInt16(b0 & 0x1F) << 6 | UInt16(b1 & 0x3F)
                    o += 1
                    i += 2
                case 0xE0...0xEF:
                    guard i + 2 < n, o < units else { break decoding }
                    let b1 = buf[i + 1]
                    let b2 = buf[i + 2]
                    guard b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80 else { break decoding }
                    // E0 below A0 is an overlong form; ED from A0 on encodes a surrogate.
                    if b0 == 0xE0 && b1 < 0xA0 || b0 == 0xED && b1 >= 0xA0 { break decoding }
                    out[o] = UInt16(b0 & 0x0F) << 12 | UInt16(b1 & 0x3F) << 6 | UInt16(b2 & 0x3F)
                    o += 1
                    i += 3
                case 0xF0...0xF4:
                    guard i + 3 < n, o + 1 < units else { break decoding }
                    let b1 = buf[i + 1]
                    let b2 = buf[i + 2]
                    let b3 = buf[i + 3]
                    guard b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80, b3 & 0xC0 == 0x80 else { break decoding }
                    // F0 below 90 is an overlong form; F4 from 90 on is above U+10FFFF.
                    if b0 == 0xF0 && b1 < 0x90 || b0 == 0xF4 && b1 >= 0x90 { break decoding }
                    let scalar =
                        UInt32(b0 & 0x07) << 18 | UInt32(b1 & 0x3F) << 12 | UInt32(b2 & 0x3F) << 6
                        | UInt32(b3 & 0x3F)
                    let v = scalar - 0x10000
                    out[o] = UInt16(truncatingIfNeeded: 0xD800 + (v >> 10))
                    out[o + 1] = UInt16(truncatingIfNeeded: 0xDC00 + (v & 0x3FF))
                    o += 2
                    i += 4
                default:
                    // A continuation byte where a sequence should start, C0/C1, or F5 and above.
                    break decoding
                }
            }
            return i == n && o == units
        }
    }

    /// UTF-16 → UTF-8 the way `TextEncoder` does it: a lone surrogate becomes U+FFFD.
    static func utf8<C: Collection>(fromUTF16 units: C) -> [UInt8] where C.Element == UInt16, C.Index == Int {
        var out: [UInt8] = []
        out.reserveCapacity(units.count)
        appendUTF8(fromUTF16: units, to: &out)
        return out
    }

    /// The number of bytes `utf8(fromUTF16:)` produces (a lone surrogate's U+FFFD takes 3).
    static func utf8Count(fromUTF16 units: ArraySlice<UInt16>) -> Int {
        units.withUnsafeBufferPointer { utf8Count(fromUTF16: $0) }
    }

    static func utf8Count(fromUTF16 buf: UnsafeBufferPointer<UInt16>) -> Int {
        // Most text is ASCII: one vectorisable pass finds that out.
        var any: UInt16 = 0
        for u in buf { any |= u }
        if any < 0x80 { return buf.count }
        var n = 0
        var i = 0
        let end = buf.count
        while i < end {
            let u = buf[i]
            i += 1
            if u < 0x80 {
                n += 1
            } else if u < 0x800 {
                n += 2
            } else if u >= 0xD800 && u <= 0xDBFF, i < end, buf[i] >= 0xDC00, buf[i] <= 0xDFFF {
                i += 1
                n += 4
            } else {
                n += 3
            }
        }
        return n
    }

    /// Copies the leading ASCII units of `units` to `out` as bytes, eight at a time, and
    /// returns how many it copied (all of them for ASCII text; it stops at the first unit
    /// of U+0080 or above). `out` has room for `units.count` bytes.
    ///
    /// A unit-at-a-time narrowing loop is not vectorised (the compiler cannot rule out that
    /// `out` overlaps `units`), and a separate pass to find out whether the text is ASCII
    /// reads it twice: this is the per-character cost of encoding a text document.
    @inline(__always)
    static func narrowASCII(_ units: UnsafeBufferPointer<UInt16>, to out: UnsafeMutablePointer<UInt8>) -> Int {
        guard let base = units.baseAddress else { return 0 }
        let n = units.count
        var i = 0
        let raw = UnsafeRawPointer(base)
        let rawOut = UnsafeMutableRawPointer(out)
        #if _endian(little)
            while i + 8 <= n {
                let a = raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt64.self)
                let b = raw.loadUnaligned(fromByteOffset: 2 * i + 8, as: UInt64.self)
                if (a | b) & 0xFF80_FF80_FF80_FF80 != 0 { break }
                rawOut.storeBytes(of: narrow(a) | narrow(b) << 32, toByteOffset: i, as: UInt64.self)
                i += 8
            }
        #endif
        while i < n {
            let u = base[i]
            if u > 0x7F { break }
            out[i] = UInt8(truncatingIfNeeded: u)
            i += 1
        }
        return i
    }

    /// Four UTF-16 units below U+0100, as read from memory into a little-endian word, as
    /// their four low bytes in the low half of the result.
    @inline(__always)
    private static func narrow(_ x: UInt64) -> UInt64 {
        let pairs = (x | x >> 8) & 0x0000_FFFF_0000_FFFF
        return (pairs | pairs >> 16) & 0xFFFF_FFFF
    }

    /// Writes the UTF-8 of `units` at `out`, which has room for `utf8Count(fromUTF16:)`
    /// bytes (lone surrogates as U+FFFD); returns the number of bytes written.
    @discardableResult
    static func writeUTF8(fromUTF16 units: UnsafeBufferPointer<UInt16>, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var i = 0
        var o = 0
        let end = units.count
        while i < end {
            let u = units[i]
            i += 1
            if u < 0x80 {
                out[o] = UInt8(truncatingIfNeeded: u)
                o += 1
            } else if u < 0x800 {
                out[o] = 0xC0 | UInt8(truncatingIfNeeded: u >> 6)
                out[o + 1] = 0x80 | UInt8(truncatingIfNeeded: u & 0x3F)
                o += 2
            } else if u >= 0xD800 && u <= 0xDBFF, i < end, units[i] >= 0xDC00, units[i] <= 0xDFFF {
                let scalar = 0x10000 + ((UInt32(u) - 0xD800) << 10) + (UInt32(units[i]) - 0xDC00)
                i += 1
                out[o] = 0xF0 | UInt8(truncatingIfNeeded: scalar >> 18)
                out[o + 1] = 0x80 | UInt8(truncatingIfNeeded: (scalar >> 12) & 0x3F)
                out[o + 2] = 0x80 | UInt8(truncatingIfNeeded: (scalar >> 6) & 0x3F)
                out[o + 3] = 0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F)
                o += 4
            } else if u >= 0xD800 && u <= 0xDFFF {
                out[o] = 0xEF
                out[o + 1] = 0xBF
                out[o + 2] = 0xBD
                o += 3
            } else {
                out[o] = 0xE0 | UInt8(truncatingIfNeeded: u >> 12)
                out[o + 1] = 0x80 | UInt8(truncatingIfNeeded: (u >> 6) & 0x3F)
                out[o + 2] = 0x80 | UInt8(truncatingIfNeeded: u & 0x3F)
                o += 3
            }
        }
        return o
    }

    /// Appends the UTF-8 of `units` to `out` (lone surrogates as U+FFFD).
    static func appendUTF8<C: Collection>(fromUTF16 units: C, to out: inout [UInt8])
    where C.Element == UInt16, C.Index == Int {
        var i = units.startIndex
        let end = units.endIndex
        while i < end {
            let u = units[i]
            i += 1
            if u < 0x80 {
                out.append(UInt8(u))
            } else if u < 0x800 {
                out.append(0xC0 | UInt8(u >> 6))
                out.append(0x80 | UInt8(u & 0x3F))
            } else if u >= 0xD800 && u <= 0xDBFF, i < end, units[i] >= 0xDC00, units[i] <= 0xDFFF {
                let scalar = 0x10000 + ((UInt32(u) - 0xD800) << 10) + (UInt32(units[i]) - 0xDC00)
                i += 1
                out.append(0xF0 | UInt8(scalar >> 18))
                out.append(0x80 | UInt8((scalar >> 12) & 0x3F))
                out.append(0x80 | UInt8((scalar >> 6) & 0x3F))
                out.append(0x80 | UInt8(scalar & 0x3F))
            } else if u >= 0xD800 && u <= 0xDFFF {
                out.append(contentsOf: [0xEF, 0xBF, 0xBD])
            } else {
                out.append(0xE0 | UInt8(u >> 12))
                out.append(0x80 | UInt8((u >> 6) & 0x3F))
                out.append(0x80 | UInt8(u & 0x3F))
            }
        }
    }

    /// UTF-16 units to a Swift String (lone surrogates become U+FFFD).
    ///
    /// Transcoded here to UTF-8 and handed over as bytes: `String(decoding:as:
    /// UTF16.self)` is not specialised outside the standard library and parses
    /// scalar by scalar, about ten times slower (60 ms for a 1 MB text, which is
    /// what opening a document waits for).
    static func string<C: Collection>(_ units: C) -> String where C.Element == UInt16, C.Index == Int {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(units.count * 2)
        appendUTF8(fromUTF16: units, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
