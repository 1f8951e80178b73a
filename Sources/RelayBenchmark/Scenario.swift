import Foundation

/// Runs one server under one topology: start the server process, connect and join
/// every user, send for `options.seconds`, wait for the last deliveries, stop.
struct Scenario {
    let topology: Topology
    let server: BenchmarkOptions.Role
    let options: BenchmarkOptions

    /// Progress lines go to stderr; the table alone goes to stdout.
    private func progress(_ text: String) {
        FileHandle.standardError.write(Data("[\(server.rawValue), \(topology.label)] \(text)\n".utf8))
    }

    func run() async throws -> ScenarioResult {
        let process = try ServerProcess.launch(role: server)
        defer { process.stop() }
        progress("server pid \(process.pid) on port \(process.port)")

        let client: any LoadClient
        switch (server, options.generator) {
        case (.bare, _): client = RawSocketClient(dialect: .bare)
        case (_, .raw): client = RawSocketClient(dialect: .phoenix)
        case (_, .realtime): client = RealtimeLoadClient()
        }
        let start = Gate<ContinuousClock.Instant>()
        let stop = Gate<Bool>()
        let period = Duration.nanoseconds(1_000_000_000 / options.rate)
        let messages = options.rate * options.seconds
        var tallies: [ClientTally] = []
        var rooms: [Int] = []
        var tasks: [Task<Void, Never>] = []
        for user in 0..<topology.users {
            let room = user % topology.rooms
            // Spread the users' send times evenly over one period.
            let phase = period * user / topology.users
            let plan = ClientPlan(
                sender: UInt32(user), room: room, port: process.port, messages: messages,
                period: period, phase: phase, payloadBytes: options.payloadBytes, start: start, stop: stop)
            let tally = ClientTally()
            tallies.append(tally)
            rooms.append(room)
            tasks.append(
                Task {
                    await client.run(plan, tally: tally)
                    tally.markFinished()
                })
        }
        // However this ends, let every client finish.
        defer {
            Task {
                await start.open(ContinuousClock.now)
                await stop.open(true)
            }
        }

        try await Self.waitUntilReady(tallies)
        progress("\(tallies.count) clients joined; sending \(options.rate)/s each for \(options.seconds) s")
        let sampler = RSSSampler(pid: process.pid)
        try await Task.sleep(for: .seconds(1))

        let serverBefore = try ProcessStats.read(pid: process.pid)
        let driverBefore = try ProcessStats.read(pid: nil)
        let hostBefore = HostCPU.read()
        let lead = Duration.milliseconds(100)
        let firstSendNs = MonotonicClock.nanoseconds() + 100_000_000
        await start.open(ContinuousClock.now + lead)

        // Sending phase.
        let sendDeadline = Date().addingTimeInterval(Double(options.seconds) + 120)
        while tallies.contains(where: { !$0.snapshot.sendingDone }), Date() < sendDeadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let expected = try await Self.drain(tallies, rooms: rooms)
        let serverAfter = try ProcessStats.read(pid: process.pid)
        let driverAfter = try ProcessStats.read(pid: nil)
        let hostAfter = HostCPU.read()
        let samples = await sampler.finish()

        let snapshots = tallies.map(\.snapshot)
        var latency = LatencyHistogram()
        for snapshot in snapshots { latency.merge(snapshot.latency) }
        let lastDelivery = snapshots.map(\.lastReceiveNs).max() ?? firstSendNs
        let seconds = Double(lastDelivery > firstSendNs ? lastDelivery - firstSendNs : 0) / 1e9
        let wall = Double(MonotonicClock.nanoseconds() - firstSendNs) / 1e9
        // CPU is compared over the whole measured span, including the drain.
        let span = max(wall, 0.001)

        await stop.open(true)
        let closeDeadline = Date().addingTimeInterval(10)
        while tallies.contains(where: { !$0.snapshot.finished }), Date() < closeDeadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        // A client still open now is stuck; the server's exit will close its socket.
        for task in tasks { task.cancel() }
        let result = ScenarioResult(
            topology: topology, server: server,
            sent: snapshots.reduce(0) { $0 + $1.sent }, expected: expected,
            delivered: snapshots.reduce(0) { $0 + $1.received },
            outOfOrder: snapshots.reduce(0) { $0 + $1.outOfOrder },
            seconds: seconds, latency: latency,
            cpuSpanSeconds: span,
            serverCPUSeconds: serverAfter.cpuSeconds - serverBefore.cpuSeconds,
            driverCPUSeconds: driverAfter.cpuSeconds - driverBefore.cpuSeconds,
            hostCPUPercent: HostCPU.busyPercent(from: hostBefore, to: hostAfter),
            rssStartBytes: serverBefore.rssBytes, rssEndBytes: serverAfter.rssBytes,
            rssPeakBytes: max(serverAfter.peakRSSBytes, samples.max() ?? 0),
            rssSamples: samples,
            rejoins: snapshots.reduce(0) { $0 + $1.rejoins },
            foreignFrames: snapshots.reduce(0) { $0 + $1.foreign },
            failures: Array(snapshots.compactMap(\.failure).prefix(3)))
        progress(String(format: "%d of %d delivered in %.1f s", result.delivered, result.expected, result.seconds))
        return result
    }

    /// Waits (at most 60 s) until every client has connected and joined.
    private static func waitUntilReady(_ tallies: [ClientTally]) async throws {
        let deadline = Date().addingTimeInterval(60)
        while true {
            let snapshots = tallies.map(\.snapshot)
            let ready = snapshots.filter(\.ready).count
            if ready == tallies.count { return }
            if let failure = snapshots.compactMap(\.failure).first {
                throw BenchmarkError.clientFailed(failure)
            }
            if Date() > deadline {
                throw BenchmarkError.clientsNotReady(ready: ready, expected: tallies.count, seconds: 60)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Waits for the last deliveries once sending is over, giving up after 5 s without
    /// progress (lost messages never come). Returns the expected delivery count.
    private static func drain(_ tallies: [ClientTally], rooms: [Int]) async throws -> Int {
        var lastCount = -1
        var lastProgress = Date()
        while true {
            let snapshots = tallies.map(\.snapshot)
            let expected = expectedDeliveries(snapshots: snapshots, rooms: rooms)
            let delivered = snapshots.reduce(0) { $0 + $1.received }
            if delivered >= expected { return expected }
            if delivered != lastCount {
                lastCount = delivered
                lastProgress = Date()
            } else if Date().timeIntervalSince(lastProgress) > 5 {
                return expected
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Each receiver should get every broadcast the others in its room sent.
    static func expectedDeliveries(snapshots: [ClientTally.Snapshot], rooms: [Int]) -> Int {
        var sentPerRoom: [Int: Int] = [:]
        var usersPerRoom: [Int: Int] = [:]
        for (snapshot, room) in zip(snapshots, rooms) {
            sentPerRoom[room, default: 0] += snapshot.sent
            usersPerRoom[room, default: 0] += 1
        }
        // Σ over receivers of (room total − own) = Σ over rooms of total × (users − 1).
        return sentPerRoom.reduce(0) { $0 + $1.value * ((usersPerRoom[$1.key] ?? 1) - 1) }
    }
}
