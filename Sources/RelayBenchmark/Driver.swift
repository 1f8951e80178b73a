import Foundation

/// The default role: runs every topology against the bare baseline and the relay,
/// then prints the table.
struct Driver {
    let options: BenchmarkOptions

    func run() async throws {
        var table = ResultTable()
        let generator =
            options.generator == .raw
            ? "raw WSClient sockets speaking Phoenix vsn 2.0.0 frames through PhoenixSerializer"
            : "one RealtimeClient per user"
        FileHandle.standardError.write(
            Data(
                """
                RelayBenchmark: \(options.rate) broadcasts/s of \(options.payloadBytes) bytes per user for \(options.seconds) s; \
                relay clients: \(generator)\n
                """.utf8))
        for topology in options.topologies {
            var baseline: ScenarioResult?
            for server in options.servers {
                let result = try await Scenario(topology: topology, server: server, options: options).run()
                if server == .bare { baseline = result }
                table.add(result, baseline: server == .bare ? nil : baseline)
            }
        }
        print(table.render())
        print("")
        print(
            "Each user broadcasts \(options.rate)/s of \(options.payloadBytes) bytes for \(options.seconds) s on loopback; "
                + "relay clients are \(generator); bare clients send the same payload as text frames.")
        print(
            "÷expected: deliveries over the broadcasts × (room size − 1) that were sent; ÷bare: against the bare "
                + "fan-out server of the same topology in this run. Latency is send-to-receive, both stamped in the driver."
        )
        print(
            "CPU % is of one core (this machine has \(ProcessInfo.processInfo.activeProcessorCount)); "
                + "goal: everything delivered and p99 under \(Int(ResultTable.p99GoalMs)) ms.")
        for note in table.notes { print("note: \(note)") }
    }
}
