import Foundation
import TestSupport
import XCTest

@testable import PostgresStore

/// The row-level-security policies of Resources/migrations/supabase/ on a real
/// PostgreSQL, in a database of their own with Supabase's pieces stood in: the
/// `anon`, `authenticated` and `service_role` roles, `auth.uid()` reading the
/// JWT claims from `request.jwt.claims` as Supabase's does, and `realtime.topic()`
/// and `realtime.messages` as Realtime uses them to authorize private channels.
/// Two users, an owner and another, go through non-member, viewer, editor and
/// removed, and every read and write is checked as it would run for them.
final class SupabasePolicyTests: XCTestCase {
    private var adminURL: String!
    private var databaseName: String!
    private var db: PostgresConnection!

    private let owner = UUID()
    private let other = UUID()
    private let document = UUID()
    private var topic: String { "room:\(document.uuidString.lowercased())" }

    /// The smallest Supabase: what the migration and the policies rely on.
    private static let standIns = """
        DO $$ BEGIN CREATE ROLE anon NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
        DO $$ BEGIN CREATE ROLE authenticated NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
        DO $$ BEGIN CREATE ROLE service_role NOLOGIN BYPASSRLS; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
        CREATE SCHEMA auth;
        -- Supabase's auth.uid(): the `sub` of the request's JWT claims.
        CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.sub', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
            )::uuid
        $$;
        CREATE SCHEMA realtime;
        CREATE TABLE realtime.messages (
            id bigserial PRIMARY KEY,
            topic text NOT NULL,
            extension text NOT NULL,
            payload jsonb,
            event text,
            private boolean DEFAULT false,
            inserted_at timestamp NOT NULL DEFAULT now()
        );
        -- Realtime sets realtime.topic to the channel it authorizes.
        CREATE FUNCTION realtime.topic() RETURNS text LANGUAGE sql STABLE AS $$
            SELECT nullif(current_setting('realtime.topic', true), '')::text
        $$;
        ALTER TABLE realtime.messages ENABLE ROW LEVEL SECURITY;
        GRANT USAGE ON SCHEMA public, auth, realtime TO anon, authenticated, service_role;
        GRANT SELECT, INSERT ON realtime.messages TO anon, authenticated, service_role;
        GRANT USAGE ON SEQUENCE realtime.messages_id_seq TO anon, authenticated, service_role;
        -- Supabase's default privileges: the API roles may touch every public table,
        -- and row-level security decides which rows.
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
        """

    override func setUp() async throws {
        adminURL = try PostgresTestDatabase.url()
        databaseName = "qalam_rls_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = PostgresConnection(conninfo: adminURL)
        try admin.ensureOpen()
        try admin.execute("CREATE DATABASE \(databaseName!)")
        admin.close()
        guard var components = URLComponents(string: adminURL) else { return XCTFail("not a URL: \(adminURL!)") }
        components.path = "/\(databaseName!)"
        db = PostgresConnection(conninfo: components.string!)
        try db.ensureOpen()
        try db.execute(Self.standIns)
        let migration = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Resources/migrations/supabase/0001_qalam.sql")
        let sql = try String(contentsOf: migration, encoding: .utf8)
        try db.execute(sql)
        try db.execute(sql)  // safe to run again
        // What Realtime's probe finds on the topic (it inserts its own; these stand in).
        for extensionName in ["broadcast", "presence"] {
            try db.query(
                "INSERT INTO realtime.messages (topic, extension) VALUES ($1, $2)", [.text(topic), .text(extensionName)]
            )
        }
    }

    override func tearDown() async throws {
        db?.close()
        guard let databaseName, let adminURL else { return }
        let admin = PostgresConnection(conninfo: adminURL)
        try admin.ensureOpen()
        try admin.execute("DROP DATABASE IF EXISTS \(databaseName) WITH (FORCE)")
        admin.close()
    }

    // MARK: Running as a user

    enum Outcome: Equatable {
        case rows(Int)
        /// Refused by a policy (SQLSTATE 42501).
        case refused
    }

    /// Runs `sql` as `role` with the JWT claims of `user` (and the channel `topic`),
    /// as PostgREST and Realtime do; committed only with `commit`.
    @discardableResult
    private func run(
        _ sql: String, _ parameters: [PostgresParameter] = [], as user: UUID?, role: String = "authenticated",
        topic: String? = nil, commit: Bool = true, file: StaticString = #filePath, line: UInt = #line
    ) throws -> Outcome {
        var claims: [String: String] = ["role": role]
        if let user { claims["sub"] = user.uuidString.lowercased() }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: claims), as: UTF8.self)
        try db.execute("BEGIN")
        do {
            try db.execute("SET LOCAL ROLE \(role)")
            try db.query("SELECT set_config('request.jwt.claims', $1, true)", [.text(json)])
            if let topic { try db.query("SELECT set_config('realtime.topic', $1, true)", [.text(topic)]) }
            let rows = try db.query(sql, parameters)
            try db.execute(commit ? "COMMIT" : "ROLLBACK")
            return .rows(rows.count)
        } catch let error as PostgresQueryError where error.sqlState == "42501" {
            try db.execute("ROLLBACK")
            return .refused
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }

    private var doc: PostgresParameter { .uuid(document.uuidString.lowercased()) }
    private func id(_ user: UUID) -> PostgresParameter { .uuid(user.uuidString.lowercased()) }

    /// What `user` can do with the document and its channel, in one line each.
    private struct Rights: Equatable {
        var seesDocument = false
        var readsState = false
        var writesState = false
        var seesMembers = false
        var receives = false
        var broadcasts = false
        var tracksPresence = false
    }

    private func rights(of user: UUID?, role: String = "authenticated") throws -> Rights {
        var rights = Rights()
        rights.seesDocument = try run("SELECT 1 FROM documents WHERE id = $1", [doc], as: user, role: role) == .rows(1)
        rights.readsState =
            try run("SELECT state FROM yjs_documents WHERE document_id = $1", [doc], as: user, role: role) == .rows(1)
        rights.writesState =
            try run(
                "INSERT INTO yjs_documents (document_id, state) VALUES ($1, '\\x01'::bytea) RETURNING 1", [doc],
                as: user, role: role, commit: false) == .rows(1)
        rights.seesMembers =
            try run("SELECT 1 FROM document_members WHERE document_id = $1", [doc], as: user, role: role) != .rows(0)
        // Realtime's authorization: read = the probe rows are visible, write = an insert succeeds.
        rights.receives =
            try run(
                "SELECT 1 FROM realtime.messages WHERE topic = realtime.topic() AND extension = 'broadcast'",
                as: user, role: role, topic: topic, commit: false) == .rows(1)
        rights.broadcasts =
            try run(
                "INSERT INTO realtime.messages (topic, extension) VALUES (realtime.topic(), 'broadcast') RETURNING 1",
                as: user, role: role, topic: topic, commit: false) != .refused
        rights.tracksPresence =
            try run(
                "INSERT INTO realtime.messages (topic, extension) VALUES (realtime.topic(), 'presence') RETURNING 1",
                as: user, role: role, topic: topic, commit: false) != .refused
        return rights
    }

    // MARK: Tests

    func testTwoUsersThroughEveryRole() throws {
        // The owner creates the document and its first state.
        XCTAssertEqual(
            try run("INSERT INTO documents (id, title) VALUES ($1, 'notes')", [doc], as: owner), .rows(0))
        XCTAssertEqual(
            try run("INSERT INTO yjs_documents (document_id, state) VALUES ($1, '\\x00'::bytea)", [doc], as: owner),
            .rows(0))
        let everything = Rights(
            seesDocument: true, readsState: true, writesState: true, seesMembers: true, receives: true,
            broadcasts: true, tracksPresence: true)
        XCTAssertEqual(try rights(of: owner), everything, "the creator owns the document")

        // A stranger: nothing, and nothing changes.
        XCTAssertEqual(try rights(of: other), Rights())
        XCTAssertEqual(try rights(of: nil, role: "anon"), Rights())
        XCTAssertEqual(
            try run("UPDATE documents SET title = 'mine' WHERE id = $1 RETURNING 1", [doc], as: other), .rows(0))
        XCTAssertEqual(
            try run(
                "INSERT INTO document_members (document_id, user_id, role) VALUES ($1, $2, 'editor')", [doc, id(other)],
                as: other),
            .refused, "no one adds themselves")
        XCTAssertEqual(
            try run("INSERT INTO documents (id, owner_id) VALUES (gen_random_uuid(), $1)", [id(owner)], as: other),
            .refused, "no one creates a document in someone else's name")
        let title = try db.query("SELECT title FROM documents").first?.first ?? nil
        XCTAssertEqual(title.map { String(decoding: $0, as: UTF8.self) }, "notes")

        // A viewer reads, follows the channel and shows up in presence; writes nothing.
        XCTAssertEqual(
            try run(
                "INSERT INTO document_members (document_id, user_id, role) VALUES ($1, $2, 'viewer')", [doc, id(other)],
                as: owner),
            .rows(0))
        XCTAssertEqual(
            try rights(of: other),
            Rights(seesDocument: true, readsState: true, seesMembers: true, receives: true, tracksPresence: true))
        XCTAssertEqual(
            try run(
                "UPDATE document_members SET role = 'editor' WHERE user_id = $1 RETURNING 1", [id(other)], as: other),
            .rows(0), "a viewer cannot promote itself")

        // An editor also writes the state and broadcasts; it still cannot manage members.
        XCTAssertEqual(
            try run(
                "UPDATE document_members SET role = 'editor' WHERE document_id = $1 AND user_id = $2 RETURNING 1",
                [doc, id(other)], as: owner),
            .rows(1))
        XCTAssertEqual(try rights(of: other), everything)
        XCTAssertEqual(
            try run("DELETE FROM document_members WHERE user_id = $1 RETURNING 1", [id(owner)], as: other), .rows(0))
        XCTAssertEqual(
            try run("DELETE FROM document_members WHERE user_id = $1 RETURNING 1", [id(owner)], as: owner), .rows(0),
            "not even the owner removes the owner")
        XCTAssertEqual(
            try run(
                "INSERT INTO document_members (document_id, user_id, role) VALUES ($1, gen_random_uuid(), 'viewer')",
                [doc], as: other),
            .refused)
        XCTAssertEqual(
            try run(
                "INSERT INTO document_members (document_id, user_id, role) VALUES ($1, gen_random_uuid(), 'owner')",
                [doc], as: owner),
            .refused, "owners share as editor or viewer only")

        // Removed: back to nothing.
        XCTAssertEqual(
            try run(
                "DELETE FROM document_members WHERE document_id = $1 AND user_id = $2 RETURNING 1", [doc, id(other)],
                as: owner),
            .rows(1))
        XCTAssertEqual(try rights(of: other), Rights())

        // The service role bypasses row-level security.
        XCTAssertEqual(try run("SELECT 1 FROM yjs_documents", as: nil, role: "service_role"), .rows(1))
    }

    func testTopicsThatAreNotThisDocumentOpenNothing() throws {
        XCTAssertEqual(try run("INSERT INTO documents (id) VALUES ($1)", [doc], as: owner), .rows(0))
        for topic in ["room:notes", "room:\(UUID().uuidString.lowercased())", "lobby", "room:", "ROOM:\(document)"] {
            try db.query("INSERT INTO realtime.messages (topic, extension) VALUES ($1, 'broadcast')", [.text(topic)])
            XCTAssertEqual(
                try run(
                    "SELECT 1 FROM realtime.messages WHERE topic = realtime.topic()", as: owner, topic: topic,
                    commit: false),
                .rows(0), topic)
            XCTAssertEqual(
                try run(
                    "INSERT INTO realtime.messages (topic, extension) VALUES (realtime.topic(), 'broadcast')",
                    as: owner, topic: topic, commit: false),
                .refused, topic)
        }
    }
}
