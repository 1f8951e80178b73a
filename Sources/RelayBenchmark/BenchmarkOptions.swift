/// The command line of `RelayBenchmark`.
///
/// The same binary plays three roles: the driver (default), which starts the servers
/// as child processes and runs the load clients; `--role relay`, which serves the
/// embedded Realtime relay; and `--role bare`, which serves the bare fan-out baseline.
/// Each server runs in a process of its own so its CPU and memory are its own.
struct BenchmarkOptions {
    enum Role: String {
        case driver, relay, bare
    }

    /// How the driver's simulated users talk to the server.
    ///
    /// Raw sockets are the default: at 100 000 deliveries a second the relay alone needs
    /// more than one of this machine's two cores, and `RealtimeClient` load costs the
    /// driver 25-45 % more CPU per delivery than raw sockets (measured with this
    /// benchmark's "driver µs/deliv." column), which would leave the relay less than the
    /// machine has. The frames on the wire are the same either way.
    enum Generator: String {
        /// One `RealtimeClient` (the project's Realtime client) per user.
        case realtime
        /// One raw WSClient socket per user speaking Phoenix vsn 2.0.0 frames through
        /// `PhoenixSerializer`: the same bytes on the wire at a fraction of the CPU.
        case raw
    }

    var role: Role = .driver
    /// Port a server role listens on (0 picks a free one, reported on stdout).
    var port = 0
    /// Length of the sending phase of each scenario.
    var seconds = 30
    /// Broadcasts each client sends per second.
    var rate = 10
    /// Bytes of each broadcast's payload.
    var payloadBytes = 200
    var generator: Generator = .raw
    /// Which servers to measure (both by default: the relay and its bare baseline).
    var servers: [Role] = [.bare, .relay]
    /// The room layouts to run, in order.
    var topologies = Topology.standard
    /// Server roles: exit when stdin closes (the driver passes a pipe it holds open).
    var exitWithParent = false

    static let usage = """
        RelayBenchmark: load on the embedded relay beside a bare fan-out baseline.

        usage: RelayBenchmark [--seconds N] [--quick] [--rate N] [--payload BYTES]
                              [--clients raw|realtime] [--only relay|bare] [--topology RxU]…
               RelayBenchmark --role relay|bare [--port P]   (used by the driver itself)

          --seconds N       sending phase of each scenario (default 30)
          --quick           5 s per scenario: a smoke run
          --rate N          broadcasts per client per second (default 10)
          --payload BYTES   payload size of each broadcast (default 200, at least 32)
          --clients KIND    raw: WSClient sockets speaking Phoenix vsn 2.0.0 frames
                            through PhoenixSerializer (default);
                            realtime: one RealtimeClient per user, which costs the
                            driver 25-45 % more CPU per delivery
          --only SERVER     measure only the relay or only the bare fan-out baseline
          --topology RxU    R rooms of U users instead of 1x100 and 20x10 (repeatable)
        """

    static func parse(_ arguments: [String]) throws -> BenchmarkOptions {
        var options = BenchmarkOptions()
        var rest = arguments[...]
        var customTopology = false
        func value(_ flag: String) throws -> String {
            guard let next = rest.popFirst() else { throw BenchmarkError.usage("\(flag) needs a value") }
            return next
        }
        func positive(_ flag: String, minimum: Int = 1) throws -> Int {
            let text = try value(flag)
            guard let number = Int(text), number >= minimum else {
                throw BenchmarkError.usage("\(flag) takes a whole number of at least \(minimum), not '\(text)'")
            }
            return number
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--seconds": options.seconds = try positive(argument)
            case "--quick": options.seconds = 5
            case "--exit-with-parent": options.exitWithParent = true
            case "--topology":
                let text = try value(argument)
                let parts = text.lowercased().split(separator: "x").compactMap { Int($0) }
                guard parts.count == 2, parts[0] >= 1, parts[1] >= 2 else {
                    throw BenchmarkError.usage(
                        "--topology is ROOMSxUSERS with at least 2 users a room, e.g. 20x10, not '\(text)'")
                }
                if !customTopology { options.topologies = [] }
                customTopology = true
                options.topologies.append(Topology(rooms: parts[0], usersPerRoom: parts[1]))
            case "--rate": options.rate = try positive(argument)
            case "--payload": options.payloadBytes = try positive(argument, minimum: LoadPayload.headerBytes)
            case "--port": options.port = try positive(argument, minimum: 0)
            case "--role":
                let text = try value(argument)
                guard let role = Role(rawValue: text) else {
                    throw BenchmarkError.usage("--role is relay, bare or driver, not '\(text)'")
                }
                options.role = role
            case "--clients":
                let text = try value(argument)
                guard let generator = Generator(rawValue: text) else {
                    throw BenchmarkError.usage("--clients is raw or realtime, not '\(text)'")
                }
                options.generator = generator
            case "--only":
                let text = try value(argument)
                guard let server = Role(rawValue: text), server != .driver else {
                    throw BenchmarkError.usage("--only is relay or bare, not '\(text)'")
                }
                options.servers = [server]
            case "-h", "--help":
                throw BenchmarkError.helpRequested
            default:
                throw BenchmarkError.usage("unknown argument '\(argument)'")
            }
        }
        return options
    }
}
