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

/// The document a membership command names: its name or UUID, never empty.
func namedDocument(_ name: String) throws -> DocumentID {
    guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
        throw SetupError.setting("the document name must not be empty")
    }
    return DocumentID(name: name)
}

/// Opens the membership store of `--database-url`, checks that `document`
/// (named `name` on the command line) is there unless `mayCreate`, runs `body`,
/// closes it.
///
/// A document that is not there is an error that changes nothing: a typo in a
/// name must not create a document, nor a database where there was none.
func withMembership<T>(
    _ database: DatabaseOptions, of document: DocumentID, named name: String, mayCreate: Bool = false,
    _ body: (any MembershipStore) async throws -> T
) async throws -> T {
    let location = try database.location()
    let missing = SetupError.setting(
        "there is no document \(name) (\(document)) in \(location)"
            + (mayCreate ? "" : "; check its name, or create it with qalam share --create"))
    if !mayCreate, case let .sqlite(path) = location, !FileManager.default.fileExists(atPath: path) { throw missing }
    let store = try await location.open()
    guard let membership = store as? any MembershipStore else {
        await store.close()
        throw SetupError.setting("this database keeps no document members")
    }
    do {
        if !mayCreate, try await membership.members(of: document) == nil { throw missing }
        let result = try await body(membership)
        await store.close()
        return result
    } catch let error as MembershipError {
        await store.close()
        throw SetupError.setting("\(error)")
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
            their editor opens it read-only. Sharing again changes the role. The document must exist (whoever \
            opens it first creates it and owns it), so that a mistyped name is an error; --create shares a \
            document nobody has opened yet, creating it without an owner. The owner cannot be demoted.
            """)

    @Argument(help: "The document: its name or UUID.")
    var document: String

    @Argument(help: ArgumentHelp("The user's id (a UUID, the JWT's sub).", valueName: "user"))
    var user: UserID

    @Option(help: "editor or viewer.")
    var role: SharedRole

    @Flag(help: "Create the document, without an owner, if nobody has opened it yet.")
    var create = false

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let id = try namedDocument(document)
        try await withMembership(database, of: id, named: document, mayCreate: create) {
            try await $0.share(id, with: user.uuid, role: role.role)
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
            The user's open channels of the document close within 30 s (or at their next token refresh); their \
            next join and every API call is refused at once. The owner cannot be removed.
            """)

    @Argument(help: "The document: its name or UUID.")
    var document: String

    @Argument(help: ArgumentHelp("The user's id (a UUID, the JWT's sub).", valueName: "user"))
    var user: UserID

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let id = try namedDocument(document)
        let removed = try await withMembership(database, of: id, named: document) {
            try await $0.unshare(id, from: user.uuid)
        }
        guard removed else {
            throw SetupError.setting("\(user.uuid.uuidString.lowercased()) is not a member of \(document)")
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
        let id = try namedDocument(document)
        let members = try await withMembership(database, of: id, named: document) { try await $0.members(of: id) }
        for member in members ?? [] {
            print("\(member.userID.uuidString.lowercased())\t\(member.role)")
        }
    }
}
