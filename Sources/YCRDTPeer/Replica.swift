import YCRDT

/// One document held by the peer, with the updates it emitted that the driver
/// has not collected yet.
final class Replica {
    /// The origin given to updates applied on the driver's behalf, so that the
    /// updates a doc emits on its own while applying them (Yjs's formatting
    /// cleanup) can be told apart from the echo of the remote update itself.
    static let remoteOrigin: AnyHashable = "ycrdt-peer-remote"

    let doc: Doc
    let text: YText
    private let outbox: Outbox

    init(clientID: ClientID, gc: Bool) {
        doc = Doc(clientID: clientID, gc: gc)
        text = doc.getText("content")
        let outbox = Outbox()
        self.outbox = outbox
        _ = doc.onUpdate { update, origin in
            outbox.items.append((update, origin))
        }
    }

    /// Every update emitted since the last call whose origin is not the remote
    /// marker: the updates this replica must send to the others.
    func takeLocalUpdates() -> [[UInt8]] {
        defer { outbox.items.removeAll() }
        return outbox.items.filter { $0.1 != Replica.remoteOrigin }.map(\.0)
    }

    /// Throws unless `index..<index+length` lies inside the text (UTF-16 units).
    func checkRange(_ index: Int, _ length: Int) throws {
        let textLength = text.length
        guard index <= textLength, length <= textLength - index else {
            throw PeerError.indexOutOfRange(index: index, length: length, textLength: textLength)
        }
    }
}

/// Reference box so the update handler does not capture the replica (no cycle).
private final class Outbox {
    var items: [([UInt8], AnyHashable?)] = []
}
