/// The working state of one `integrateStructs` call, kept by the store between calls with
/// its capacity, so that integrating an update allocates no array of its own.
struct IntegrationScratch {
    /// One client of the update, by rank (client id ascending).
    struct Rank {
        var client: ClientID
        /// How many structs the update holds for the client.
        var count: Int
        /// Where those structs are, in the update's own array.
        var base: UnsafeMutablePointer<WireStruct>?
        /// The index of the next struct to take.
        var next = 0
        /// Whether the client's remaining structs went to the rest.
        var removed = false
        /// The store's clock for the client once looked up (Yjs's `state` map), -1 before.
        var state = -1
    }

    var ranks: [Rank] = []
    /// Structs waiting for a dependency from the update (Yjs's `stack`), by rank and index.
    var stack: [(rank: Int, index: Int)] = []

    /// Empties both arrays, keeping their storage unless a large update grew it (a
    /// document loaded from many writers need not keep room for all of them). The
    /// structs' addresses go with the update they pointed into.
    mutating func clear() {
        // One removeLast at a time, as `Transaction.reuse` does: removeAll(keepingCapacity:)
        // goes through the generic replaceSubrange, and these hold a rank or two.
        if ranks.capacity > Self.keptCapacity {
            ranks = []
        } else {
            while !ranks.isEmpty { ranks.removeLast() }
        }
        if stack.capacity > Self.keptCapacity {
            stack = []
        } else {
            while !stack.isEmpty { stack.removeLast() }
        }
    }

    private static let keptCapacity = 64
}
