import Collab
import DocumentStorage
import Foundation
import Realtime
import RealtimeProtocol
import RelayServer
import XCTest
import YCRDT

/// A relay on an ephemeral loopback port, for one test.
struct TestRelay {
    let relay: Relay
    let port: Int
    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    static func start(limits: RelayLimits = RelayLimits(), port: Int = 0) async throws -> TestRelay {
        let relay = try Relay(
            configuration: RelayConfiguration(
                host: "127.0.0.1", port: port, limits: limits,
                shutdownGracePeriod: .milliseconds(300)))
        let bound = try await relay.start()
        return TestRelay(relay: relay, port: bound)
    }

    func stop() async { await relay.shutdown() }
}

/// Fast retries: tests must not wait realtime-js's 1-2-5-10 s.
func fastRealtimeOptions() -> RealtimeOptions {
    RealtimeOptions(
        reconnectBackoff: .constant(.milliseconds(200)), rejoinBackoff: .constant(.milliseconds(200)),
        pushTimeout: .seconds(5))
}

func fastProviderConfiguration(_ change: (inout ProviderConfiguration) -> Void = { _ in }) -> ProviderConfiguration {
    var configuration = ProviderConfiguration(
        syncTimeout: .milliseconds(800), rejoinBackoff: .constant(.milliseconds(200)))
    change(&configuration)
    return configuration
}

/// One editor as the TUI has it: its own `Doc` and a provider, remote updates
/// applied as they come. Everything touching the Doc runs on this actor.
actor TestEditor {
    let doc: Doc
    let text: YText
    /// The editor document's Yjs client id.
    nonisolated let clientID: ClientID
    let provider: SupabaseProvider
    let client: RealtimeClient
    private var listener: Task<Void, Never>?
    private(set) var events: [ProviderEvent] = []
    private(set) var onlineUsers: [OnlineUser] = []
    private(set) var cursors: [RemoteCursor] = []

    init(
        relay: URL, document: DocumentID, name: String, clientID: ClientID? = nil, initialState: [UInt8] = [],
        configuration: ProviderConfiguration = fastProviderConfiguration()
    ) throws {
        doc = Doc(clientID: clientID)
        text = doc.getText("content")
        self.clientID = doc.clientID
        client = try RealtimeClient(url: relay, apiKey: "test-key", options: fastRealtimeOptions())
        provider = try SupabaseProvider(
            client: client, document: document,
            identity: CollabIdentity(userID: "user-\(name)", name: name),
            editorClientID: doc.clientID, initialState: initialState,
            configuration: configuration)
        if !initialState.isEmpty { try doc.applyUpdate(initialState, origin: TransactionOrigin.remote) }
        let provider = self.provider
        // Edits run synchronously on this actor; one consumer hands their bytes on in order.
        let (updates, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        doc.onUpdate { update, origin in
            guard origin != AnyHashable(TransactionOrigin.remote) else { return }
            continuation.yield(update)
        }
        submitter = Task {
            for await update in updates { try? await provider.submitLocal(update) }
        }
    }

    private var submitter: Task<Void, Never>?

    /// Waits until every local edit reached the provider and it is synced.
    func waitUntilSynced(timeout: Duration = .seconds(20)) async -> Bool {
        // Let the submitter drain: it is fast, a few yields suffice, then ask the provider.
        try? await Task.sleep(for: .milliseconds(50))
        return await provider.waitUntilSynced(timeout: timeout)
    }

    func start() async {
        let stream = provider.events
        listener = Task { [weak self] in
            for await event in stream { await self?.handle(event) }
        }
        await provider.start()
    }

    private func handle(_ event: ProviderEvent) {
        events.append(event)
        switch event {
        case let .remoteUpdate(update): try? doc.applyUpdate(update, origin: TransactionOrigin.remote)
        case let .onlineUsers(users): onlineUsers = users
        case let .cursors(list): cursors = list
        case .status: break
        }
    }

    func insert(_ string: String, at index: Int? = nil) { text.insert(string, at: index ?? text.length) }
    func delete(at index: Int, length: Int) { text.delete(at: index, length: length) }
    func string() -> String { text.toString() }
    var length: Int { text.length }

    func cursorPosition(at index: Int) -> CursorPosition {
        CursorPosition(caret: RelativePosition(text: text, index: index).encode())
    }

    /// Where a remote cursor's anchor lands in this editor's document.
    func resolve(_ encoded: [UInt8]) -> Int? {
        guard let position = try? RelativePosition(decoding: encoded) else { return nil }
        return position.absoluteIndex(in: doc)
    }

    func stop() async {
        await provider.stop()
        await client.disconnect()
        listener?.cancel()
    }
}

/// A plain Realtime subscriber on the document channel that records every broadcast
/// (what a web client would see), for counting and size checks.
actor ChannelSpy {
    let client: RealtimeClient
    let channel: RealtimeChannel
    private(set) var received: [(event: String, payload: UserPayload)] = []
    private var listener: Task<Void, Never>?

    init(relay: URL, document: DocumentID) async throws {
        client = try RealtimeClient(url: relay, apiKey: "spy", options: fastRealtimeOptions())
        channel = await client.channel("room:\(document)", config: JoinConfig())
    }

    func start() async throws {
        let stream = await channel.events()
        listener = Task { [weak self] in
            for await event in stream {
                if case let .broadcast(name, payload) = event { await self?.record(name, payload) }
            }
        }
        try await channel.subscribe()
    }

    private func record(_ event: String, _ payload: UserPayload) { received.append((event, payload)) }

    func payloads(of event: String) -> [UserPayload] { received.filter { $0.event == event }.map(\.payload) }

    func send(_ event: String, _ payload: JSONValue) async throws {
        try await channel.broadcast(event: event, json: payload)
    }

    func stop() async {
        await channel.unsubscribe()
        await client.disconnect()
        listener?.cancel()
    }
}

/// A fresh document for each test, so tests sharing a relay never meet.
func freshDocument(_ label: String = #function) -> DocumentID {
    DocumentID(uuid: UUID(), name: label)
}
