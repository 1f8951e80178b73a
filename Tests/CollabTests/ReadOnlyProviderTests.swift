import Collab
import DocumentStorage
import Foundation
import Realtime
import RealtimeProtocol
import RelayServer
import SQLiteStore
import TestSupport
import XCTest
import YCRDT

/// A viewer's provider against a relay that checks membership: read-only from the
/// join reply, refuses local updates, sends nothing that changes the document, and
/// still catches up; an editor demoted while connected turns read-only too.
final class ReadOnlyProviderTests: XCTestCase {
    private let secret = "read-only-secret-read-only-secret-01"

    private struct Setup {
        let relay: Relay
        let url: URL
        let store: SQLiteStore
        let directory: URL
        let document: DocumentID
        let owner: UUID, editor: UUID, viewer: UUID
    }

    private func setUp(recheck: Duration) async throws -> Setup {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("read-only-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: directory.appendingPathComponent("docs.sqlite3").path)
        try await store.migrate()
        let document = DocumentID(uuid: UUID())
        let (owner, editor, viewer) = (UUID(), UUID(), UUID())
        _ = try await store.accessCreatingIfMissing(user: owner, document: document)
        try await store.share(document, with: editor, role: .editor)
        try await store.share(document, with: viewer, role: .viewer)
        var configuration = RelayConfiguration(port: 0, jwtSecret: secret, store: store, membership: store)
        configuration.membershipRecheckInterval = recheck
        configuration.shutdownGracePeriod = .milliseconds(300)
        let relay = try Relay(configuration: configuration)
        let port = try await relay.start()
        return Setup(
            relay: relay, url: URL(string: "http://127.0.0.1:\(port)")!, store: store, directory: directory,
            document: document, owner: owner, editor: editor, viewer: viewer)
    }

    private func tearDown(_ setup: Setup) async {
        await setup.relay.shutdown()
        await setup.store.close()
        try? FileManager.default.removeItem(at: setup.directory)
    }

    private func provider(_ setup: Setup, user: UUID, name: String) throws -> SupabaseProvider {
        let token = RelayToken.make(secret: secret, extraClaims: ["sub": .string(user.uuidString)])
        var options = fastRealtimeOptions()
        options.accessToken = { token }
        let client = try RealtimeClient(url: setup.url, apiKey: token, options: options)
        return try SupabaseProvider(
            client: client, document: setup.document, identity: CollabIdentity(userID: name, name: name),
            editorClientID: ClientID.random(in: 1...UInt64(UInt32.max)),
            configuration: fastProviderConfiguration { $0.privateChannel = true })
    }

    private func update(_ text: String, client: ClientID) throws -> [UInt8] {
        let doc = Doc(clientID: client)
        doc.getText("content").insert(text, at: 0)
        return try doc.encodeStateAsUpdate()
    }

    func testAViewerCatchesUpAndSendsNothing() async throws {
        let setup = try await setUp(recheck: .seconds(30))
        let owner = try provider(setup, user: setup.owner, name: "owner")
        await owner.start()
        try await owner.submitLocal(update("from the owner", client: 11))
        let ownerSynced = await owner.waitUntilSynced(timeout: .seconds(20))
        XCTAssertTrue(ownerSynced)

        let viewer = try provider(setup, user: setup.viewer, name: "viewer")
        await viewer.start()
        await eventually("the viewer is read-only") { await viewer.currentStatus.isReadOnly }
        await eventually("the viewer caught up") { await viewer.text() == "from the owner" }
        do {
            try await viewer.submitLocal(update("vandalism", client: 12))
            XCTFail("a viewer's update was accepted")
        } catch CollabError.readOnly {}
        try await Task.sleep(for: .seconds(1))
        let sent = await viewer.currentStatistics.sent
        XCTAssertEqual(sent["yjs-update"] ?? 0, 0)
        XCTAssertEqual(sent["yjs-sync-step2"] ?? 0, 0)
        let ownerText = await owner.text()
        XCTAssertEqual(ownerText, "from the owner")
        let ownerReadOnly = await owner.currentStatus.isReadOnly
        XCTAssertFalse(ownerReadOnly)
        await viewer.stop()
        await owner.stop()
        await tearDown(setup)
    }

    func testAnEditorDemotedWhileConnectedTurnsReadOnly() async throws {
        let setup = try await setUp(recheck: .seconds(1))
        let editor = try provider(setup, user: setup.editor, name: "editor")
        await editor.start()
        try await editor.submitLocal(update("first", client: 21))
        let synced = await editor.waitUntilSynced(timeout: .seconds(20))
        XCTAssertTrue(synced)
        try await setup.store.share(setup.document, with: setup.editor, role: .viewer)
        try await Task.sleep(for: .seconds(2.5))  // the relay's re-check
        try? await editor.submitLocal(update("second", client: 22))
        await eventually("the demoted editor is read-only") { await editor.currentStatus.isReadOnly }
        await editor.stop()
        await tearDown(setup)
    }
}
