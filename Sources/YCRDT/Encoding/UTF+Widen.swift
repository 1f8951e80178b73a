/// UTF-8 → UTF-16 for ASCII text, the case of nearly every string a document loads.
extension UTF {
    /// Whether every byte of `bytes` is below 0x80: one pass the compiler vectorises (a
    /// hand-written eight-byte loop was slower on texts of a few dozen bytes and more).
    @inline(__always)
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var any: UInt8 = 0
        for b in bytes { any |= b }
        return any < 0x80
    }

    /// ASCII bytes seen as their UTF-16 units, so that `Array(_:)` allocates the units'
    /// array at its final size through code specialised in this module and widens straight
    /// into it (`_copyContents`). `Array(unsafeUninitializedCapacity:)` and
    /// `Array(repeating:count:)` allocate through the standard library's unspecialised code,
    /// which looks the storage class's metadata up at run time on every call; writing to a
    /// stack buffer and copying that (as before) cost a second pass and a `memcpy`.
    struct WidenedASCII: RandomAccessCollection {
        /// Every byte is below 0x80 (`isASCII`).
        let bytes: UnsafeBufferPointer<UInt8>

        var startIndex: Int { 0 }
        var endIndex: Int { bytes.count }
        subscript(i: Int) -> UInt16 { UInt16(bytes[i]) }

        func makeIterator() -> Iterator { Iterator(bytes: bytes, position: 0) }

        func _copyContents(initializing ptr: UnsafeMutableBufferPointer<UInt16>) -> (Iterator, Int) {
            let n = Swift.min(ptr.count, bytes.count)
            guard n > 0, let out = ptr.baseAddress else { return (makeIterator(), 0) }
            // A plain loop: the compiler vectorises it (the array is new, it cannot overlap
            // the input). Widening eight bytes a word with the ASCII test fused in was slower on
            // all but the shortest texts (sveltecomponent load +0.2% instructions).
            for i in 0..<n { out[i] = UInt16(bytes[i]) }
            return (Iterator(bytes: bytes, position: n), n)
        }

        struct Iterator: IteratorProtocol {
            let bytes: UnsafeBufferPointer<UInt8>
            var position: Int

            mutating func next() -> UInt16? {
                guard position < bytes.count else { return nil }
                defer { position += 1 }
                return UInt16(bytes[position])
            }
        }
    }
}
