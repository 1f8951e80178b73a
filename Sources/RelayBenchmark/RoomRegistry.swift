import Foundation
import NIOCore

/// Which sockets are in which room. Read on every frame from every event loop; a lock
/// held only to copy an array reference is the cheapest correct choice here.
final class RoomRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var rooms: [String: [Channel]] = [:]

    func join(_ room: String, _ channel: Channel) {
        lock.withLock { rooms[room, default: []].append(channel) }
    }

    func leave(_ room: String, _ channel: Channel) {
        lock.withLock {
            rooms[room]?.removeAll { $0 === channel }
            if rooms[room]?.isEmpty == true { rooms[room] = nil }
        }
    }

    func members(of room: String) -> [Channel] {
        lock.withLock { rooms[room] ?? [] }
    }
}
