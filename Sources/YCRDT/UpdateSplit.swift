// Owned by the Collab engineer (the provider's payload-size limit); built on the
// internal update codec of this module, which it does not change.

extension YUpdate {
    /// Splits an update into parts of at most `maxBytes` bytes each, for channels
    /// with a payload limit (Supabase Free: 256 KB per broadcast).
    ///
    /// Every part is a complete, valid v1 update on its own. Applied in order they
    /// give exactly the document the whole update gives, so a client that only knows
    /// `yjs-update` can apply them one by one (applied out of order, Yjs keeps the
    /// early-arriving parts pending until their predecessors come). Structs keep
    /// their client order; a struct too large for one part is cut into consecutive
    /// pieces (never between the halves of a surrogate pair, so no text is changed);
    /// the delete set goes last, itself split by ranges if needed.
    ///
    /// A part exceeds `maxBytes` only when one indivisible struct (a single binary,
    /// embed or format value) is larger than that by itself.
    ///
    /// - Throws: `YCRDTError` when `update` is malformed, or `maxBytes` is too small
    ///   to hold any struct (below 64).
    public static func split(_ update: [UInt8], maxBytes: Int) throws -> [[UInt8]] {
        guard maxBytes >= 64 else {
            throw YCRDTError.impossibleClock(
                "cannot split an update into parts of \(maxBytes) bytes: the limit must be at least 64")
        }
        let decoded = try UpdateCodec.decode(update)
        if update.count <= maxBytes { return [update] }

        var splitter = UpdateSplitter(maxBytes: maxBytes)
        for block in decoded.blocks {
            for s in block.structs {
                splitter.add(s)
            }
        }
        splitter.addDeleteSet(decoded.ds)
        return splitter.finish()
    }
}

/// Accumulates structs into parts that fit the limit.
private struct UpdateSplitter {
    let maxBytes: Int
    private(set) var parts: [[UInt8]] = []
    private var writer = LazyWriter()
    /// Encoded size of the structs in `writer`, plus the block headers.
    private var size = 0
    private var structCount = 0
    private var lastClient: ClientID?
    private var pendingDeleteSet: DeleteSet?

    /// Room for the update's header, one block header (count, client, clock: at
    /// most 3 × 9 bytes) and an empty delete set.
    static let blockOverhead = 30
    static let partOverhead = 12

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    private var budget: Int { maxBytes - Self.partOverhead }

    mutating func add(_ original: WireStruct) {
        var s = original
        while true {
            let cost = encodedSize(s) + (s.id.client == lastClient ? 0 : Self.blockOverhead)
            if size + cost <= budget {
                append(s, cost: cost)
                return
            }
            if structCount > 0 {
                flush()
                continue
            }
            // Alone in an empty part and still too big: cut off what fits.
            guard let (left, right) = cut(s, toFit: budget - Self.blockOverhead) else {
                append(s, cost: cost)  // indivisible: it goes alone, oversized
                return
            }
            append(left, cost: encodedSize(left) + Self.blockOverhead)
            flush()
            s = right
        }
    }

    mutating func addDeleteSet(_ ds: DeleteSet) {
        guard !ds.isEmpty else { return }
        if size + deleteSetSize(ds) <= budget {
            pendingDeleteSet = ds
            return
        }
        // Too big for the room left: its own parts, split by ranges.
        if structCount > 0 { flush() }
        var chunk = DeleteSet()
        var chunkSize = 1
        for client in ds.clients.keys.sorted(by: >) {
            for range in ds.clients[client] ?? [] {
                let cost = 2 * 9 + 2 * 9  // a client header and a range, at their largest
                if chunkSize + cost > budget, !chunk.isEmpty {
                    parts.append(UpdateCodec.encodeDeleteSetUpdate(chunk))
                    chunk = DeleteSet()
                    chunkSize = 1
                }
                chunk.add(client: client, clock: range.clock, len: range.len)
                chunkSize += cost
            }
        }
        if !chunk.isEmpty { pendingDeleteSet = chunk }
    }

    mutating func finish() -> [[UInt8]] {
        if structCount > 0 || pendingDeleteSet != nil { flush() }
        return parts
    }

    private mutating func append(_ s: WireStruct, cost: Int) {
        writer.write(s, offset: 0)
        size += cost
        structCount += 1
        lastClient = s.id.client
    }

    private mutating func flush() {
        var e = writer.finish()
        (pendingDeleteSet ?? DeleteSet()).write(to: &e)
        parts.append(e.bytes)
        writer = LazyWriter()
        size = 0
        structCount = 0
        lastClient = nil
        pendingDeleteSet = nil
    }

    private func encodedSize(_ s: WireStruct) -> Int {
        var e = Lib0Encoder()
        s.write(to: &e, offset: 0)
        return e.bytes.count
    }

    private func deleteSetSize(_ ds: DeleteSet) -> Int {
        var e = Lib0Encoder()
        ds.write(to: &e)
        return e.bytes.count
    }

    /// The longest prefix of `s` that encodes within `limit` bytes, and the rest;
    /// `nil` when `s` cannot be cut (length 1 or indivisible content).
    private func cut(_ s: WireStruct, toFit limit: Int) -> (WireStruct, WireStruct)? {
        guard case let .item(item) = s, item.length > 1 else { return nil }
        switch item.content {
        case .string, .json, .any, .deleted: break
        default: return nil
        }
        // Binary search for the largest k whose left part fits.
        var lo = 0
        var hi = item.length - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if encodedSize(.item(prefix(item, mid))) <= limit { lo = mid } else { hi = mid - 1 }
        }
        var k = lo
        // Never between the halves of a surrogate pair: splicing there would turn
        // both halves into U+FFFD.
        if case let .string(units) = item.content, k > 0, k < units.count, (0xD800...0xDBFF).contains(units[k - 1]) {
            k -= 1
        }
        guard k > 0 else { return nil }
        return (.item(prefix(item, k)), s.sliced(k))
    }

    /// The first `k` clocks of an item, as a struct of its own.
    private func prefix(_ item: WireItem, _ k: Int) -> WireItem {
        var left = item
        var content = item.content
        _ = content.splice(k, totalLength: item.length)
        left.content = content
        left.length = k
        return left
    }
}
