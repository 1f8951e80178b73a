import Foundation
import Logging
import RealtimeProtocol
import RelayServer
import XCTest

@testable import Realtime

/// An in-process relay on an ephemeral port of 127.0.0.1.
struct TestRelay {
    let relay: Relay
    let port: Int
    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Starts a relay; `port` 0 picks a free one, a fixed port restarts on it.
    static func start(
        port: Int = 0, jwtSecret: String? = nil, limits: RelayLimits = RelayLimits(),
        idleTimeout: Duration = .seconds(60), joinErrorDelay: Duration = .zero
    ) async throws -> TestRelay {
        let configuration = RelayConfiguration(
            host: "127.0.0.1", port: port, jwtSecret: jwtSecret, limits: limits,
            idleTimeout: idleTimeout, joinErrorDelay: joinErrorDelay,
            shutdownGracePeriod: .milliseconds(500))
        var logger = Logger(label: "test.relay")
        logger.logLevel = .critical
        let relay = try Relay(configuration: configuration, logger: logger)
        let bound = try await relay.start()
        return TestRelay(relay: relay, port: bound)
    }

    /// Starts a relay on `port`, retrying while the old socket still holds it.
    static func restart(port: Int, jwtSecret: String? = nil) async throws -> TestRelay {
        var lastError: Error?
        for _ in 0..<50 {
            do { return try await start(port: port, jwtSecret: jwtSecret) } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        throw lastError ?? RelayError.notStarted("port \(port) stayed busy")
    }

    func stop() async { await relay.shutdown() }
}

/// Options that make reconnects and rejoins quick, with generous timeouts for a
/// loaded CI machine.
func fastOptions(_ version: SerializerVersion = .v2, heartbeat: Duration = .seconds(25)) -> RealtimeOptions {
    RealtimeOptions(
        version: version, heartbeatInterval: heartbeat, heartbeatTimeout: .seconds(5),
        reconnectBackoff: .constant(.milliseconds(100)), rejoinBackoff: .constant(.milliseconds(100)),
        pushTimeout: .seconds(10))
}

/// Collects a stream's elements so tests can wait for the one they expect.
actor Recorder<Element: Sendable> {
    private(set) var items: [Element] = []

    init(_ stream: AsyncStream<Element>) {
        Task { await self.consume(stream) }
    }

    private func consume(_ stream: AsyncStream<Element>) async {
        for await item in stream { items.append(item) }
    }

    /// Waits until an element matching `predicate` arrived (counting from the first
    /// element) and returns it; fails the test after `timeout`.
    @discardableResult
    func waitFor(
        _ what: String, timeout: Duration = .seconds(15), file: StaticString = #filePath, line: UInt = #line,
        _ predicate: @Sendable (Element) -> Bool
    ) async throws -> Element {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let hit = items.first(where: predicate) { return hit }
            try await Task.sleep(for: .milliseconds(10))
        }
        XCTFail("timed out waiting for \(what); got \(items)", file: file, line: line)
        throw CancellationError()
    }

    func count(where predicate: @Sendable (Element) -> Bool) -> Int {
        items.filter(predicate).count
    }

    /// Waits until at least `count` elements match `predicate` and returns how many do;
    /// past `timeout` it returns the lower count for the caller to assert on.
    func waitForCount(
        atLeast count: Int, timeout: Duration = .seconds(15),
        where predicate: @Sendable (Element) -> Bool
    ) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while self.count(where: predicate) < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        return self.count(where: predicate)
    }

    func clear() { items = [] }
}

extension ChannelEvent {
    var broadcastEvent: String? {
        if case let .broadcast(event, _) = self { return event }
        return nil
    }

    var broadcastPayload: UserPayload? {
        if case let .broadcast(_, payload) = self { return payload }
        return nil
    }

    var isSync: Bool { self == .presence(.sync) }
}

/// The sorted `name`s of the metas under `key` in a presence state.
func presenceNames(_ state: [String: [JSONValue]], _ key: String = "users") -> [String] {
    (state[key] ?? []).compactMap { $0["name"]?.stringValue }.sorted()
}

/// Polls the channel's presence state until `condition` holds; fails the test after `timeout`.
@discardableResult
func waitForPresence(
    _ channel: RealtimeChannel, _ what: String, timeout: Duration = .seconds(15),
    file: StaticString = #filePath, line: UInt = #line,
    _ condition: ([String: [JSONValue]]) -> Bool
) async throws -> [String: [JSONValue]] {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        let state = await channel.presenceState()
        if condition(state) { return state }
        try await Task.sleep(for: .milliseconds(10))
    }
    let state = await channel.presenceState()
    XCTFail("timed out waiting for \(what); state is \(state)", file: file, line: line)
    return state
}

/// A client with fast retry options, and a subscribed channel with its event recorder.
func joinedChannel(
    _ relay: TestRelay, _ name: String, config: JoinConfig = JoinConfig(),
    options: RealtimeOptions = fastOptions(), apiKey: String = "anon"
) async throws
    -> (RealtimeClient, RealtimeChannel, Recorder<ChannelEvent>)
{
    let client = try RealtimeClient(url: relay.url, apiKey: apiKey, options: options)
    let channel = await client.channel(name, config: config)
    let recorder = Recorder(await channel.events())
    try await channel.subscribe(timeout: .seconds(15))
    return (client, channel, recorder)
}
