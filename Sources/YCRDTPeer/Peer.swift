import Foundation
import YCRDT

/// The replicas of one peer process and the commands that drive them.
///
/// Every request is one JSON object with a `cmd`; every reply is one JSON object
/// with `"ok": true` and the command's results, or `"ok": false` and `"error"`.
/// An `"id"` in the request is echoed back. Bytes are lowercase hex; indices and
/// lengths are UTF-16 code units, as in Yjs.
///
/// | cmd | fields | reply |
/// | --- | --- | --- |
/// | `new` | `doc`, `client`, `gc`? (default true) | |
/// | `drop` | `doc` | |
/// | `reset` | | (drops every doc) |
/// | `insert` | `doc`, `index`, `text`, `attrs`? | `updates` (hex list) |
/// | `delete` | `doc`, `index`, `len` | `updates` |
/// | `format` | `doc`, `index`, `len`, `attrs` | `updates` |
/// | `apply` | `doc`, `update` | `updates` (emitted by the doc itself while applying) |
/// | `state` | `doc`, `sv`? | `update` (encodeStateAsUpdate) |
/// | `sv` | `doc` | `sv` |
/// | `text` | `doc` | `text`, `length` |
/// | `delta` | `doc` | `delta` (`[{insert, attributes?}]`) |
/// | `snapshot` | `doc` | `text`, `length`, `delta`, `sv`, `pending` |
/// | `merge` | `updates` | `update` |
/// | `diff` | `update`, `sv` | `update` |
/// | `svOf` | `update` | `sv` |
final class Peer {
    private var replicas: [String: Replica] = [:]

    func handle(_ request: Request) throws -> [String: Any] {
        let cmd = try request.string("cmd")
        switch cmd {
        case "new":
            let name = try request.string("doc")
            guard replicas[name] == nil else { throw PeerError.docExists(name) }
            replicas[name] = Replica(clientID: try request.uint64("client"), gc: try request.bool("gc", default: true))
            return [:]
        case "drop":
            replicas[try request.string("doc")] = nil
            return [:]
        case "reset":
            replicas.removeAll()
            return [:]
        case "insert":
            let replica = try self.replica(request)
            let index = try request.int("index")
            let text = try request.string("text")
            let attributes = try request.object("attrs").map(AttributeJSON.attributes(from:))
            try replica.checkRange(index, 0)
            replica.text.insert(text, at: index, attributes: attributes)
            return ["updates": replica.takeLocalUpdates().map(Hex.encode)]
        case "delete":
            let replica = try self.replica(request)
            let index = try request.int("index")
            let length = try request.int("len")
            try replica.checkRange(index, length)
            replica.text.delete(at: index, length: length)
            return ["updates": replica.takeLocalUpdates().map(Hex.encode)]
        case "format":
            let replica = try self.replica(request)
            let index = try request.int("index")
            let length = try request.int("len")
            guard let attrs = try request.object("attrs") else { throw PeerError.missingField("attrs") }
            let attributes = try AttributeJSON.attributes(from: attrs)
            try replica.checkRange(index, length)
            replica.text.format(at: index, length: length, attributes: attributes)
            return ["updates": replica.takeLocalUpdates().map(Hex.encode)]
        case "apply":
            let replica = try self.replica(request)
            let update = try request.bytes("update")
            do {
                try replica.doc.applyUpdate(update, origin: Replica.remoteOrigin)
            } catch {
                _ = replica.takeLocalUpdates()
                throw PeerError.crdt(String(describing: error))
            }
            return ["updates": replica.takeLocalUpdates().map(Hex.encode)]
        case "state":
            let replica = try self.replica(request)
            let sv = try request.optionalBytes("sv") ?? []
            return ["update": Hex.encode(try crdt { try replica.doc.encodeStateAsUpdate(since: sv) })]
        case "sv":
            return ["sv": Hex.encode(try self.replica(request).doc.encodeStateVector())]
        case "text":
            let replica = try self.replica(request)
            return ["text": replica.text.toString(), "length": replica.text.length]
        case "delta":
            return ["delta": AttributeJSON.delta(try self.replica(request).text.toDelta())]
        case "snapshot":
            let replica = try self.replica(request)
            return [
                "text": replica.text.toString(),
                "length": replica.text.length,
                "delta": AttributeJSON.delta(replica.text.toDelta()),
                "sv": Hex.encode(replica.doc.encodeStateVector()),
                "pending": replica.doc.hasPending
            ]
        case "merge":
            let updates = try request.byteList("updates")
            return ["update": Hex.encode(try crdt { try YUpdate.merge(updates) })]
        case "diff":
            let update = try request.bytes("update")
            let sv = try request.bytes("sv")
            return ["update": Hex.encode(try crdt { try YUpdate.diff(update, against: sv) })]
        case "svOf":
            let update = try request.bytes("update")
            return ["sv": Hex.encode(try crdt { try YUpdate.stateVector(of: update) })]
        default:
            throw PeerError.unknownCommand(cmd)
        }
    }

    private func replica(_ request: Request) throws -> Replica {
        let name = try request.string("doc")
        guard let replica = replicas[name] else { throw PeerError.unknownDoc(name) }
        return replica
    }

    /// Runs a YCRDT call, turning its error into a `PeerError` the driver can print.
    private func crdt<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw PeerError.crdt(String(describing: error)) }
    }
}
