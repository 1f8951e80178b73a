/// How the simulated users are spread over rooms.
struct Topology: Sendable {
    let rooms: Int
    let usersPerRoom: Int

    var users: Int { rooms * usersPerRoom }
    var label: String { rooms == 1 ? "1 room × \(usersPerRoom)" : "\(rooms) rooms × \(usersPerRoom)" }

    /// The two shapes of the issue: everyone in one room, and many small rooms.
    static let standard = [Topology(rooms: 1, usersPerRoom: 100), Topology(rooms: 20, usersPerRoom: 10)]
}
