import DocumentStorage
import Foundation
import RealtimeProtocol
import SQLiteStore
import XCTest
import YCRDT

@testable import RelayServer

/// Who may do what with a document on a relay with a JWT secret, against a real
/// SQLite membership table: every kind of caller × join, receive, broadcast,
/// presence, GET and PUT, with nothing leaked and nothing changed where refused.
final class AccessMatrixTests: RelayTestCase {
    private let secret = "matrix-secret-matrix-secret-matrix!"
    private let secretText = "the-owner's-private-draft"

    enum Who: String, CaseIterable {
        case anon, nonMember, viewer, editor, owner, service, nullRole, missingRole

        var reads: Bool { [.viewer, .editor, .owner, .service].contains(self) }
        var writes: Bool { [.editor, .owner, .service].contains(self) }
        var hasValidToken: Bool { self != .nullRole && self != .missingRole }
    }

    private struct Fixture {
        let store: SQLiteStore
        let directory: URL
        let document: DocumentID
        let users: [Who: UUID]
        var topic: String { "realtime:room:\(document)" }
        var channel: String { "room:\(document)" }
    }

    private func makeFixture() async throws -> Fixture {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("matrix-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: directory.appendingPathComponent("docs.sqlite3").path)
        try await store.migrate()
        let document = DocumentID(uuid: UUID())
        let users: [Who: UUID] = [.nonMember: UUID(), .viewer: UUID(), .editor: UUID(), .owner: UUID()]
        let created = try await store.accessCreatingIfMissing(user: users[.owner]!, document: document)
        XCTAssertEqual(created, .member(.owner))
        try await store.share(document, with: users[.viewer]!, role: .viewer)
        try await store.share(document, with: users[.editor]!, role: .editor)
        let doc = Doc(clientID: 7)
        doc.getText().insert(secretText, at: 0)
        let state = try doc.encodeStateAsUpdate()
        try await store.save(document) { _ in state }
        return Fixture(store: store, directory: directory, document: document, users: users)
    }

    /// `object` with `key` set to `value`.
    private func setting(_ key: String, _ value: JSONValue, in object: JSONValue) -> JSONValue {
        var fields = object.objectValue ?? [:]
        fields[key] = value
        return .object(fields)
    }

    private func token(_ who: Who, _ fixture: Fixture) -> String {
        let exp = JSONValue.integer(Int64(Date().timeIntervalSince1970) + 600)
        let owner = JSONValue.string(fixture.users[.owner]!.uuidString)
        switch who {
        case .anon:
            return RelayToken.sign(claims: ["role": "anon", "exp": exp], secret: secret)
        case .service:
            return RelayToken.sign(claims: ["role": "service_role", "exp": exp], secret: secret)
        case .nullRole:
            // The owner's `sub` does not help a token without a role.
            return RelayToken.sign(claims: ["role": .null, "sub": owner, "exp": exp], secret: secret)
        case .missingRole:
            return RelayToken.sign(claims: ["sub": owner, "exp": exp], secret: secret)
        case .nonMember, .viewer, .editor, .owner:
            return RelayToken.sign(
                claims: ["role": "authenticated", "sub": .string(fixture.users[who]!.uuidString), "exp": exp],
                secret: secret)
        }
    }

    private func withMatrixRelay(
        recheck: Duration = .seconds(30), _ body: (Fixture, Int) async throws -> Void
    ) async throws {
        let fixture = try await makeFixture()
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        try await withRelay({
            $0.jwtSecret = secret
            $0.store = fixture.store
            $0.membership = fixture.store
            $0.membershipRecheckInterval = recheck
        }) { _, port in try await body(fixture, port) }
        await fixture.store.close()
    }

    // MARK: Channels

    func testJoinReceiveBroadcastAndPresenceForEveryCaller() async throws {
        try await withMatrixRelay { fixture, port in
            let topic = fixture.topic
            let presence = JoinConfig(broadcastAck: true, presenceKey: "users", presenceEnabled: true)
            let observer = try await TestSocket.connect(port: port, apiKey: token(.owner, fixture))
            let joined = try await observer.join(topic, ref: "1", config: presence)
            XCTAssertEqual(status(of: joined), "ok")
            XCTAssertEqual(joined.json?["response"]?["access"], ["role": "owner", "write": true])
            _ = try await observer.expect(event: "presence_state")

            for who in Who.allCases {
                let label = who.rawValue
                guard who.hasValidToken else {
                    // Refused at the handshake, and a join carrying it is refused too.
                    let handshake = try RawConnection.http(
                        port: port, method: "GET",
                        path: "/realtime/v1/websocket?vsn=2.0.0&apikey=\(token(who, fixture))",
                        headers: RawConnection.upgradeHeaders)
                    XCTAssertEqual(handshake.status, 401, label)
                    XCTAssertFalse(handshake.text.contains(secretText), label)
                    let socket = try await TestSocket.connect(port: port, apiKey: token(.anon, fixture))
                    let reply = try await socket.join(
                        topic, ref: "1", config: presence, accessToken: token(who, fixture))
                    XCTAssertEqual(
                        reason(of: reply), "InvalidJWTToken: Fields `role` and `exp` are required in JWT", label)
                    try await socket.expectSilence()
                    await socket.close()
                    try await observer.expectSilence(for: .milliseconds(100))
                    continue
                }
                let socket = try await TestSocket.connect(port: port, apiKey: token(who, fixture))
                let reply = try await socket.join(topic, ref: "1", config: presence)
                if who.reads {
                    XCTAssertEqual(status(of: reply), "ok", label)
                    let role = who == .service ? "service_role" : label
                    XCTAssertEqual(reply.json?["response"]?["access"]?["role"]?.stringValue, role, label)
                    _ = try await socket.expect(event: "presence_state")
                } else {
                    XCTAssertEqual(reason(of: reply), RealtimeReason.unauthorizedRead(fixture.channel), label)
                }

                // Receive: the owner's broadcast reaches readers only.
                try await observer.send(
                    .broadcast(
                        topic: topic, joinRef: "1", ref: "10", event: "yjs-update",
                        payload: ["update": .string(secretText)]))
                _ = try await observer.expect(event: "phx_reply")
                if who.reads {
                    let received = try await socket.expect(event: "broadcast")
                    XCTAssertEqual(received.json?["payload"], ["update": .string(secretText)], label)
                } else {
                    try await socket.expectSilence()
                }

                // Broadcast: writers reach the owner; a viewer's is refused and goes nowhere.
                try await socket.send(
                    .broadcast(topic: topic, joinRef: "1", ref: "2", event: "yjs-update", payload: ["update": [1, 2]]))
                let ack = try await socket.expect(event: "phx_reply")
                if who.writes {
                    XCTAssertEqual(status(of: ack), "ok", label)
                    let relayed = try await observer.expect(event: "broadcast")
                    XCTAssertEqual(relayed.json?["payload"], ["update": [1, 2]], label)
                } else {
                    XCTAssertEqual(status(of: ack), "error", label)
                    let expected =
                        who.reads ? RealtimeReason.unauthorizedWrite(fixture.channel) : RealtimeReason.unmatchedTopic
                    XCTAssertEqual(reason(of: ack), expected, label)
                    try await observer.expectSilence()
                }
                if who == .viewer {
                    // A viewer may still ask the others for what it lacks (no content)…
                    let request: JSONValue = [
                        "protocol": 1, "peer": "p-1", "request": "r-1", "stateVector": "AA=="
                    ]
                    try await socket.send(
                        .broadcast(topic: topic, joinRef: "1", ref: "3", event: "yjs-sync-step1", payload: request))
                    let asked = try await socket.expect(event: "phx_reply")
                    XCTAssertEqual(status(of: asked), "ok")
                    let relayed = try await observer.expect(event: "broadcast")
                    XCTAssertEqual(relayed.json?["payload"], request)
                    // …but only ask: content, or anything else, under that name goes nowhere.
                    let smuggled: [JSONValue] = [
                        setting("update", [1, 2, 3], in: request), ["sv": "AA=="],
                        setting("stateVector", "not a state vector", in: request),
                        setting("peer", .string(String(repeating: "x", count: 5000)), in: request),
                        setting(
                            "stateVector", .string(Data(repeating: 7, count: 70_000).base64EncodedString()),
                            in: request),
                        "just a string"
                    ]
                    for (index, payload) in smuggled.enumerated() {
                        try await socket.send(
                            .broadcast(
                                topic: topic, joinRef: "1", ref: "s\(index)", event: "yjs-sync-step1",
                                payload: payload))
                        let refused = try await socket.expect(event: "phx_reply")
                        XCTAssertEqual(
                            reason(of: refused), RealtimeReason.unauthorizedWrite(fixture.channel), "\(index)")
                    }
                    try await observer.expectSilence()
                }

                // Presence: every reader may track; the owner sees it.
                try await socket.send(
                    PhoenixMessage(
                        joinRef: "1", ref: "4", topic: topic, event: "presence",
                        json: ["type": "presence", "event": "track", "payload": ["name": .string(label)]]))
                let tracked = try await socket.expect(event: "phx_reply")
                if who.reads {
                    XCTAssertEqual(status(of: tracked), "ok", label)
                    let diff = try await observer.expect(event: "presence_diff")
                    XCTAssertEqual(diff.json?["joins"]?["users"]?["metas"]?[0]?["name"]?.stringValue, label)
                } else {
                    XCTAssertEqual(status(of: tracked), "error", label)
                    try await observer.expectSilence()
                }
                await socket.close()
                if who.reads {
                    _ = try await observer.expect(event: "presence_diff")  // the leave
                }
            }
            await observer.close()
        }
    }

    func testPrivateFlagDoesNotChangeDocumentAccess() async throws {
        try await withMatrixRelay { fixture, port in
            for who in [Who.anon, .nonMember, .viewer, .editor] {
                let socket = try await TestSocket.connect(port: port, apiKey: token(who, fixture))
                let reply = try await socket.join(fixture.topic, ref: "1", config: JoinConfig(isPrivate: true))
                XCTAssertEqual(status(of: reply), who.reads ? "ok" : "error", who.rawValue)
                await socket.close()
            }
            // A private channel that is not a document: no policy opens it but the service role's.
            for (who, expected) in [(Who.anon, "error"), (.owner, "error"), (.service, "ok")] {
                let socket = try await TestSocket.connect(port: port, apiKey: token(who, fixture))
                let reply = try await socket.join("realtime:lobby", ref: "1", config: JoinConfig(isPrivate: true))
                XCTAssertEqual(status(of: reply), expected, who.rawValue)
                let open = try await socket.join("realtime:lobby", ref: "2")
                XCTAssertEqual(status(of: open), "ok", "public non-document channels take any valid token")
                await socket.close()
            }
            // `room:` followed by something that is not a UUID names no document anyone can own.
            let socket = try await TestSocket.connect(port: port, apiKey: token(.owner, fixture))
            let reply = try await socket.join("realtime:room:notes", ref: "1")
            XCTAssertEqual(reason(of: reply), RealtimeReason.unauthorizedRead("room:notes"))
            await socket.close()
        }
    }

    /// A document's channel is `room:` and its id as PostgreSQL prints it, which is
    /// what Supabase's policy compares (`'room:' || id::text`). Other spellings of
    /// the id (upper case, a NUL and more after it, braces, a space) name no
    /// document: they would open a second channel of it beside the one its
    /// editors share, and create documents no policy recognises.
    func testOnlyTheCanonicalSpellingOfTheIdNamesADocument() async throws {
        try await withMatrixRelay { fixture, port in
            let id = fixture.document.description
            let spellings = ["room:\(id.uppercased())", "room:\(id)\u{0}x", "room:{\(id)}", "room:\(id) "]
            for who in [Who.viewer, .owner] {
                let socket = try await TestSocket.connect(port: port, apiKey: token(who, fixture))
                for (index, name) in spellings.enumerated() {
                    let reply = try await socket.join("realtime:" + name, ref: "\(index + 1)")
                    XCTAssertEqual(reason(of: reply), RealtimeReason.unauthorizedRead(name), "\(who): \(name)")
                }
                let canonical = try await socket.join(fixture.topic, ref: "9")
                XCTAssertEqual(status(of: canonical), "ok", "\(who)")
                await socket.close()
            }
            // Nobody creates a document under another spelling either.
            let fresh = UUID()
            let socket = try await TestSocket.connect(port: port, apiKey: token(.nonMember, fixture))
            let reply = try await socket.join("realtime:room:\(fresh.uuidString)", ref: "1")
            XCTAssertEqual(status(of: reply), "error")
            let members = try await fixture.store.members(of: DocumentID(uuid: fresh))
            XCTAssertNil(members)
            await socket.close()
        }
    }

    func testFirstJoinCreatesTheDocumentWithTheCallerAsOwner() async throws {
        try await withMatrixRelay { fixture, port in
            let fresh = DocumentID(uuid: UUID())
            let topic = "realtime:room:\(fresh)"
            let first = try await TestSocket.connect(port: port, apiKey: token(.nonMember, fixture))
            let reply = try await first.join(topic, ref: "1")
            XCTAssertEqual(reply.json?["response"]?["access"], ["role": "owner", "write": true])
            let owner = try await fixture.store.access(of: fixture.users[.nonMember]!, to: fresh)
            XCTAssertEqual(owner, .member(.owner))
            let second = try await TestSocket.connect(port: port, apiKey: token(.viewer, fixture))
            let refused = try await second.join(topic, ref: "1")
            XCTAssertEqual(reason(of: refused), RealtimeReason.unauthorizedRead("room:\(fresh)"))
            // An anonymous caller creates nothing.
            let later = DocumentID(uuid: UUID())
            let anon = try await TestSocket.connect(port: port, apiKey: token(.anon, fixture))
            let anonymous = try await anon.join("realtime:room:\(later)", ref: "1")
            XCTAssertEqual(status(of: anonymous), "error")
            let members = try await fixture.store.members(of: later)
            XCTAssertNil(members)
            for socket in [first, second, anon] { await socket.close() }
        }
    }

    func testARefreshedTokenIsCheckedAgainstTheMembershipNow() async throws {
        try await withMatrixRelay { fixture, port in
            let topic = fixture.topic
            let observer = try await TestSocket.connect(port: port, apiKey: token(.owner, fixture))
            try await observer.join(topic, ref: "1")
            let viewer = try await TestSocket.connect(port: port, apiKey: token(.viewer, fixture))
            try await viewer.join(topic, ref: "1")
            let editor = try await TestSocket.connect(port: port, apiKey: token(.editor, fixture))
            try await editor.join(topic, ref: "1", config: JoinConfig(broadcastAck: true))

            // The viewer loses the document, the editor becomes a viewer.
            try await fixture.store.unshare(fixture.document, from: fixture.users[.viewer]!)
            try await fixture.store.share(fixture.document, with: fixture.users[.editor]!, role: .viewer)
            func refreshed(_ who: Who) -> String {
                RelayToken.make(
                    secret: secret, lifetime: 900, extraClaims: ["sub": .string(fixture.users[who]!.uuidString)])
            }
            try await viewer.send(
                PhoenixMessage(
                    joinRef: "1", ref: "2", topic: topic, event: "access_token",
                    json: ["access_token": .string(refreshed(.viewer))]))
            let system = try await viewer.expect(event: "system")
            XCTAssertEqual(system.json?["message"]?.stringValue, RealtimeReason.lostReadPermission(fixture.channel))
            XCTAssertEqual(system.json?["status"], "error")
            _ = try await viewer.expect(event: "phx_close")
            try await observer.send(.broadcast(topic: topic, joinRef: "1", ref: "3", event: "e", payload: ["x": 1]))
            try await viewer.expectSilence()

            try await editor.send(
                PhoenixMessage(
                    joinRef: "1", ref: "2", topic: topic, event: "access_token",
                    json: ["access_token": .string(refreshed(.editor))]))
            _ = try await editor.expect(event: "broadcast")  // still reads
            try await editor.send(
                .broadcast(topic: topic, joinRef: "1", ref: "4", event: "yjs-update", payload: ["u": 1]))
            let ack = try await editor.expect(event: "phx_reply")
            XCTAssertEqual(reason(of: ack), RealtimeReason.unauthorizedWrite(fixture.channel))
            try await observer.expectSilence()
            for socket in [observer, viewer, editor] { await socket.close() }
        }
    }

    func testAnUnsharedUsersChannelClosesWithoutARefresh() async throws {
        try await withMatrixRelay(recheck: .seconds(1)) { fixture, port in
            let viewer = try await TestSocket.connect(port: port, apiKey: token(.viewer, fixture))
            try await viewer.join(fixture.topic, ref: "1")
            let editor = try await TestSocket.connect(port: port, apiKey: token(.editor, fixture))
            try await editor.join(fixture.topic, ref: "1", config: JoinConfig(broadcastAck: true))
            try await fixture.store.unshare(fixture.document, from: fixture.users[.viewer]!)
            try await fixture.store.share(fixture.document, with: fixture.users[.editor]!, role: .viewer)
            let system = try await viewer.expect(event: "system", timeout: .seconds(10))
            XCTAssertEqual(system.json?["message"]?.stringValue, RealtimeReason.lostReadPermission(fixture.channel))
            _ = try await viewer.expect(event: "phx_close")
            // The demoted editor stays, and may no longer write.
            try await Task.sleep(for: .seconds(2))
            try await editor.send(
                .broadcast(topic: fixture.topic, joinRef: "1", ref: "2", event: "yjs-update", payload: [:]))
            let ack = try await editor.expect(event: "phx_reply")
            XCTAssertEqual(reason(of: ack), RealtimeReason.unauthorizedWrite(fixture.channel))
            await viewer.close()
            await editor.close()
        }
    }

    func testWithoutAMembershipTableOnlyTheServiceRoleReachesDocuments() async throws {
        try await withRelay({ $0.jwtSecret = secret }) { _, port in
            let document = DocumentID(uuid: UUID())
            let user = RelayToken.make(secret: secret, extraClaims: ["sub": .string(UUID().uuidString)])
            let socket = try await TestSocket.connect(port: port, apiKey: user)
            let asUser = try await socket.join("realtime:room:\(document)", ref: "1")
            XCTAssertEqual(status(of: asUser), "error")
            let service = RelayToken.make(secret: secret, role: "service_role")
            let asService = try await socket.join("realtime:room:\(document)", ref: "2", accessToken: service)
            XCTAssertEqual(status(of: asService), "ok")
            await socket.close()
        }
    }

    // MARK: HTTP

    func testDocumentAPIForEveryCaller() async throws {
        try await withMatrixRelay { fixture, port in
            let path = "/api/documents/\(fixture.document)/yjs"
            for who in Who.allCases {
                let label = who.rawValue
                let auth = ["Authorization": "Bearer \(token(who, fixture))"]
                let before = try await fixture.store.load(fixture.document)
                let get = try RawConnection.http(port: port, method: "GET", path: path, headers: auth)
                if who.reads {
                    XCTAssertEqual(get.status, 200, label)
                    let doc = Doc()
                    try doc.applyUpdate(get.body)
                    XCTAssertTrue(doc.getText().toString().hasPrefix(secretText), label)
                } else {
                    XCTAssertEqual(get.status, who.hasValidToken ? 403 : 401, label)
                    XCTAssertFalse(get.text.contains(secretText), label)
                }

                let edit = Doc(clientID: ClientID(100 + Who.allCases.firstIndex(of: who)!))
                edit.getText().insert(" by \(label)", at: 0)
                let put = try RawConnection.http(
                    port: port, method: "PUT", path: path, headers: auth, body: try edit.encodeStateAsUpdate())
                let after = try await fixture.store.load(fixture.document)
                if who.writes {
                    XCTAssertEqual(put.status, 204, label)
                    XCTAssertNotEqual(after, before, label)
                } else {
                    XCTAssertEqual(put.status, who.hasValidToken ? 403 : 401, label)
                    XCTAssertFalse(put.text.contains(secretText), label)
                    XCTAssertEqual(after, before, "a refused PUT changes nothing (\(label))")
                }
            }
            // A non-member cannot tell a missing document from one it may not read.
            let missing = try RawConnection.http(
                port: port, method: "GET", path: "/api/documents/\(UUID())/yjs",
                headers: ["Authorization": "Bearer \(token(.nonMember, fixture))"])
            XCTAssertEqual(missing.status, 403)
        }
    }

    func testRESTBroadcastToADocumentNeedsWrite() async throws {
        try await withMatrixRelay { fixture, port in
            let observer = try await TestSocket.connect(port: port, apiKey: token(.owner, fixture))
            try await observer.join(fixture.topic, ref: "1")
            let privateObserver = try await TestSocket.connect(port: port, apiKey: token(.owner, fixture))
            try await privateObserver.join(fixture.topic, ref: "1", config: JoinConfig(isPrivate: true))
            for who in Who.allCases {
                for isPrivate in [false, true] {
                    let body: JSONValue = [
                        "messages": [
                            [
                                "topic": .string(fixture.channel), "event": "yjs-update",
                                "payload": ["by": .string(who.rawValue)], "private": .bool(isPrivate)
                            ]
                        ]
                    ]
                    let result = try RawConnection.http(
                        port: port, method: "POST", path: "/realtime/v1/api/broadcast",
                        headers: ["Authorization": "Bearer \(token(who, fixture))", "Content-Type": "application/json"],
                        body: body.jsonBytes)
                    let listener = isPrivate ? privateObserver : observer
                    if who.writes {
                        XCTAssertEqual(result.status, 202, who.rawValue)
                        _ = try await listener.expect(event: "broadcast")
                    } else {
                        XCTAssertEqual(result.status, who.hasValidToken ? 403 : 401, who.rawValue)
                        try await listener.expectSilence(for: .milliseconds(150))
                    }
                }
            }
            await observer.close()
            await privateObserver.close()
        }
    }
}
