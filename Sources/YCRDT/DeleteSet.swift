/// A set of deleted clock ranges per client (Yjs `DeleteSet`).
struct DeleteSet: Equatable {
    struct Range: Equatable {
        var clock: Int
        var len: Int
    }

    /// Insertion order of clients is kept only for fidelity while reading; writers sort.
    var clients: [ClientID: [Range]] = [:]

    var isEmpty: Bool { clients.isEmpty }

    mutating func add(client: ClientID, clock: Int, len: Int) {
        clients[client, default: []].append(Range(clock: clock, len: len))
    }

    /// Sorts every client's ranges and joins overlapping or touching ones.
    mutating func sortAndMerge() {
        // A transaction that deleted one range (most do) has nothing to sort.
        if clients.count == 1, clients.first!.value.count == 1 { return }
        for (client, var dels) in clients where dels.count > 1 {
            clients[client] = nil
            DeleteSet.sortAndMerge(&dels)
            clients[client] = dels
        }
    }

    /// Sorts one client's ranges and joins overlapping or touching ones.
    static func sortAndMerge(_ dels: inout [Range]) {
        guard dels.count > 1 else { return }
        dels.sort { $0.clock < $1.clock }
        var j = 1
        for i in 1..<dels.count {
            let left = dels[j - 1]
            let right = dels[i]
            if left.clock + left.len >= right.clock {
                dels[j - 1].len = max(left.len, right.clock + right.len - left.clock)
            } else {
                dels[j] = right
                j += 1
            }
        }
        dels.removeSubrange(j...)
    }

    /// Writes a delete set of one client's sorted, merged ranges.
    static func write(client: ClientID, _ dels: [Range], to e: inout Lib0Encoder) {
        e.writeVarUInt(1)
        e.writeVarUInt(client)
        e.writeRanges(dels)
    }

    /// Binary search in sorted, merged ranges.
    func contains(_ id: ID) -> Bool {
        guard let dels = clients[id.client] else { return false }
        var lo = 0
        var hi = dels.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let r = dels[mid]
            if id.clock < r.clock {
                hi = mid - 1
            } else if id.clock >= r.clock + r.len {
                lo = mid + 1
            } else {
                return true
            }
        }
        return false
    }

    static func merge(_ sets: [DeleteSet]) -> DeleteSet {
        var out = DeleteSet()
        for s in sets {
            for (client, dels) in s.clients { out.clients[client, default: []].append(contentsOf: dels) }
        }
        out.sortAndMerge()
        return out
    }

    func write(to e: inout Lib0Encoder) {
        e.writeVarUInt(clients.count)
        if clients.isEmpty { return }
        if clients.count == 1, let (client, dels) = clients.first {
            e.writeVarUInt(client)
            e.writeRanges(dels)
            return
        }
        for client in clients.keys.sorted(by: >) {
            e.writeVarUInt(client)
            e.writeRanges(clients[client] ?? [])
        }
    }

    static func read(_ d: inout Lib0Decoder) throws -> DeleteSet {
        var ds = DeleteSet()
        let n = try d.readCount("delete set size", minBytes: 2)
        for _ in 0..<n {
            let client = try d.readVarUInt("a client id")
            let count = try d.readCount("delete range count", minBytes: 2)
            var dels = ds.clients[client] ?? []
            for _ in 0..<count {
                let clock = Int(try d.readVarUInt("a delete clock"))
                let len = Int(try d.readVarUInt("a delete length"))
                guard clock + len <= (1 << 53) else {
                    throw YCRDTError.impossibleClock("delete range of client \(client) ends beyond 2^53")
                }
                if len > 0 { dels.append(Range(clock: clock, len: len)) }
            }
            ds.clients[client] = dels
        }
        return ds
    }
}
