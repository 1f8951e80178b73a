import DocumentStorage
import Foundation
import XCTest

/// The behaviour every `MembershipStore` must have, run against a real database
/// by `SQLiteStoreTests` and `PostgresStoreTests`.
struct MembershipContract {
    /// Opens a new, independent store (its own connection) on the same database.
    let open: () async throws -> any MembershipStore & DocumentStore

    func firstCallerOwnsANewDocument() async throws {
        let store = try await open()
        let document = DocumentID(name: "members-\(UUID())")
        let (alice, bob) = (UUID(), UUID())
        let before = try await store.access(of: alice, to: document)
        XCTAssertEqual(before, .noSuchDocument)
        let created = try await store.accessCreatingIfMissing(user: alice, document: document)
        XCTAssertEqual(created, .member(.owner))
        let again = try await store.accessCreatingIfMissing(user: alice, document: document)
        XCTAssertEqual(again, .member(.owner))
        let stranger = try await store.accessCreatingIfMissing(user: bob, document: document)
        XCTAssertEqual(stranger, .notMember, "an existing document is not handed to the next caller")
        let members = try await store.members(of: document)
        XCTAssertEqual(members, [DocumentMember(userID: alice, role: .owner)])
        // The document row is the one saves use: a save after creation keeps the owner.
        try await store.save(document) { _ in [1, 2, 3] }
        let owner = try await store.access(of: alice, to: document)
        XCTAssertEqual(owner, .member(.owner))
        await store.close()
    }

    func concurrentCreatorsGetOneOwner() async throws {
        let document = DocumentID(uuid: UUID())
        let users = (0..<6).map { _ in UUID() }
        let results = try await withThrowingTaskGroup(of: DocumentAccess.self) { group in
            for user in users {
                group.addTask {
                    let store = try await open()
                    let access = try await store.accessCreatingIfMissing(user: user, document: document)
                    await store.close()
                    return access
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(results.filter { $0 == .member(.owner) }.count, 1, "\(results)")
        XCTAssertEqual(results.filter { $0 == .notMember }.count, users.count - 1, "\(results)")
    }

    func shareChangesAndUnshareRemoves() async throws {
        let store = try await open()
        let document = DocumentID(name: "shared-\(UUID())")
        let (owner, editor, viewer) = (UUID(), UUID(), UUID())
        _ = try await store.accessCreatingIfMissing(user: owner, document: document)
        try await store.share(document, with: editor, role: .viewer)
        try await store.share(document, with: editor, role: .editor)
        try await store.share(document, with: viewer, role: .viewer)
        let members = try await store.members(of: document)
        XCTAssertEqual(
            members,
            [
                DocumentMember(userID: owner, role: .owner), DocumentMember(userID: editor, role: .editor),
                DocumentMember(userID: viewer, role: .viewer)
            ])
        let removed = try await store.unshare(document, from: viewer)
        XCTAssertTrue(removed)
        let removedAgain = try await store.unshare(document, from: viewer)
        XCTAssertFalse(removedAgain)
        let access = try await store.access(of: viewer, to: document)
        XCTAssertEqual(access, .notMember)
        await store.close()
    }

    func theOwnerCannotBeDemotedOrRemoved() async throws {
        let store = try await open()
        let document = DocumentID(uuid: UUID())
        let owner = UUID()
        _ = try await store.accessCreatingIfMissing(user: owner, document: document)
        for change in [
            { try await store.share(document, with: owner, role: .viewer) },
            { _ = try await store.unshare(document, from: owner) }
        ] as [() async throws -> Void] {
            do {
                try await change()
                XCTFail("the owner's membership changed")
            } catch let error as MembershipError {
                XCTAssertEqual(error, .cannotChangeOwner(document: document.name, user: owner))
            }
        }
        let access = try await store.access(of: owner, to: document)
        XCTAssertEqual(access, .member(.owner))
        await store.close()
    }

    func sharingAMissingDocumentCreatesItWithoutOwner() async throws {
        let store = try await open()
        let document = DocumentID(name: "prepared-\(UUID())")
        let missing = try await store.members(of: document)
        XCTAssertNil(missing)
        let user = UUID()
        try await store.share(document, with: user, role: .editor)
        let members = try await store.members(of: document)
        XCTAssertEqual(members, [DocumentMember(userID: user, role: .editor)])
        let latecomer = try await store.accessCreatingIfMissing(user: UUID(), document: document)
        XCTAssertEqual(latecomer, .notMember)
        await store.close()
    }
}
