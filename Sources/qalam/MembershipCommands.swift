import ArgumentParser
import DocumentStorage
import Foundation
import Persistence

/// A user on the command line: a UUID, the `sub` of the user's JWT.
struct UserID: ExpressibleByArgument {
    let uuid: UUID

    init?(argument: String) {
        guard let uuid = UUID(uuidString: argument.trimmingCharacters(in: .whitespaces)) else { return nil }
        self.uuid = uuid
    }
}

/// The two roles `qalam share` grants (owners come from creating a document).
enum SharedRole: String, ExpressibleByArgument, CaseIterable {
    case editor, viewer

    var role: DocumentRole { self == .editor ? .editor : .viewer }
}

/// Opens the membership store of `--database-url`, runs `body`, closes it.
func withMembership<T>(_ database: DatabaseOptions, _ body: (any MembershipStore) async throws -> T) async throws -> T {
    let store = try await database.location().open()
    guard let membership = store as? any MembershipStore else {
        await store.close()
        throw ValidationError("this database keeps no document members")
    }
    do {
        let result = try await body(membership)
        await store.close()
        return result
    } catch {
        await store.close()
        throw error
    }
}

struct ShareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share",
        abstract: "Let a user open a document, as an editor or a viewer.",
        discussion: """
            USER is the user's id: the `sub` of the JWT the user connects with (a UUID; `qalam token --sub USER` \
            mints one for a relay you run). Editors change the document; viewers read it and follow it live, and \
            their editor opens it read-only. Sharing again changes the role. A document that does not exist yet \
            is created, without an owner. The owner (whoever created it by opening it first) cannot be demoted.
            """)

    @Argument(help: "The document: its name or UUID.")
    var document: String

    @Argument(help: ArgumentHelp("The user's id (a UUID, the JWT's sub).", valueName: "user"))
    var user: UserID

    @Option(help: "editor or viewer.")
    var role: SharedRole

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let id = DocumentID(name: document)
        do {
            try await withMembership(database) { try await $0.share(id, with: user.uuid, role: role.role) }
        } catch let error as MembershipError {
            throw ValidationError("\(error)")
        }
        print(
            "\(user.uuid.uuidString.lowercased()) is now \(role == .editor ? "an editor" : "a viewer") of \(document).")
    }
}

struct UnshareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unshare",
        abstract: "Take a document away from a user.",
        discussion: """
            The user's open channels of the document close when their token is next refreshed; their next join \
            and every API call is refused at once. The owner cannot be removed.
            """)

    @Argument(help: "The document: its name or UUID.")
    var document: String

    @Argument(help: ArgumentHelp("The user's id (a UUID, the JWT's sub).", valueName: "user"))
    var user: UserID

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let id = DocumentID(name: document)
        let removed: Bool
        do {
            removed = try await withMembership(database) { try await $0.unshare(id, from: user.uuid) }
        } catch let error as MembershipError {
            throw ValidationError("\(error)")
        }
        guard removed else {
            throw ValidationError("\(user.uuid.uuidString.lowercased()) is not a member of \(document)")
        }
        print("\(user.uuid.uuidString.lowercased()) no longer has \(document).")
    }
}

struct MembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members",
        abstract: "List who may open a document, one member a line: user id, then role.",
        discussion: "The owner comes first, then editors, then viewers.")

    @Argument(help: "The document: its name or UUID.")
    var document: String

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let id = DocumentID(name: document)
        guard let members = try await withMembership(database, { try await $0.members(of: id) }) else {
            throw ValidationError("there is no document \(document) (\(id)) in this database")
        }
        for member in members {
            print("\(member.userID.uuidString.lowercased())\t\(member.role)")
        }
    }
}
