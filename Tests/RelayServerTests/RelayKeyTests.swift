import Foundation
import XCTest

@testable import RelayServer

/// The per-user key file: created once, readable by its user only, refused when
/// anyone else could read or replace it.
final class RelayKeyTests: XCTestCase {
    private var directory: URL!

    override func setUp() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("relay-key-\(UUID().uuidString)")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: directory)
    }

    private var keyURL: URL { directory.appendingPathComponent("qalam/relay-key") }

    private func mode(_ url: URL) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) ?? -1
    }

    func testCreatedOnceWithPrivateModes() throws {
        let key = try RelayKey.loadOrCreate(at: keyURL)
        XCTAssertGreaterThanOrEqual(key.secret.utf8.count, 32)
        XCTAssertEqual(try mode(keyURL), 0o600)
        XCTAssertEqual(try mode(keyURL.deletingLastPathComponent()), 0o700)
        XCTAssertEqual(try RelayKey.loadOrCreate(at: keyURL), key)
        let environment = ["XDG_STATE_HOME": directory.path, "HOME": "/nonexistent"]
        XCTAssertEqual(try RelayKey.defaultURL(environment: environment), keyURL)
        XCTAssertEqual(try RelayKey.load(environment: environment), key)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: keyURL.deletingLastPathComponent().path)
        XCTAssertEqual(leftovers, ["relay-key"], "no temporary file is left behind")
    }

    func testRacingCreatorsAgreeOnOneKey() async throws {
        let url = keyURL
        let keys = try await withThrowingTaskGroup(of: RelayKey.self) { group in
            for _ in 0..<8 { group.addTask { try RelayKey.loadOrCreate(at: url) } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1.secret) }
        }
        XCTAssertEqual(keys.count, 1)
    }

    func testAKeyOthersCanReadOrReplaceIsRefused() throws {
        _ = try RelayKey.loadOrCreate(at: keyURL)
        chmod(keyURL.path, 0o644)
        XCTAssertThrowsError(try RelayKey.loadOrCreate(at: keyURL)) { error in
            guard case RelayKeyError.unsafe = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("chmod 600"), "\(error)")
        }
        chmod(keyURL.path, 0o600)
        chmod(keyURL.deletingLastPathComponent().path, 0o777)
        XCTAssertThrowsError(try RelayKey.loadOrCreate(at: keyURL)) { error in
            guard case RelayKeyError.unsafe = error else { return XCTFail("\(error)") }
        }
        chmod(keyURL.deletingLastPathComponent().path, 0o700)
        // A symbolic link in its place is not followed.
        let elsewhere = directory.appendingPathComponent("elsewhere")
        try Data("a-key-someone-else-planted-0123456789abcdef".utf8).write(to: elsewhere)
        chmod(elsewhere.path, 0o600)
        try FileManager.default.removeItem(at: keyURL)
        try FileManager.default.createSymbolicLink(at: keyURL, withDestinationURL: elsewhere)
        XCTAssertThrowsError(try RelayKey.loadOrCreate(at: keyURL))
    }

    func testProofsAndTokens() throws {
        let key = try RelayKey.loadOrCreate(at: keyURL)
        let other = RelayKey(secret: String(repeating: "x", count: 43))
        let challenge = RelayKey.makeChallenge()
        XCTAssertNotEqual(challenge, RelayKey.makeChallenge())
        let here = "127.0.0.1:4000"
        XCTAssertTrue(key.verify(proof: key.proof(for: challenge, at: here), for: challenge, at: here))
        XCTAssertFalse(key.verify(proof: other.proof(for: challenge, at: here), for: challenge, at: here))
        XCTAssertFalse(key.verify(proof: key.proof(for: challenge + "x", at: here), for: challenge, at: here))
        XCTAssertFalse(key.verify(proof: "not base64 !", for: challenge, at: here))
        // A proof names the address it was made on: it does not pass for another.
        for elsewhere in ["127.0.0.1:4001", "[::1]:4000", "localhost:4000", "127.0.0.2:4000"] {
            XCTAssertFalse(
                key.verify(proof: key.proof(for: challenge, at: elsewhere), for: challenge, at: here), elsewhere)
        }
        // The token is a service_role JWT of this key, and of no other.
        guard case let .success(claims) = JWTVerifier(secret: key.secret).verify(key.token()) else {
            return XCTFail("the key's own token does not verify")
        }
        XCTAssertEqual(claims["role"]?.stringValue, "service_role")
        guard case .failure = JWTVerifier(secret: other.secret).verify(key.token()) else {
            return XCTFail("a token verified under another key")
        }
    }
}
