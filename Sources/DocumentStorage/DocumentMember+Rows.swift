import Foundation

extension DocumentMember {
    /// A member from the text of a `document_members` row; `nil` for a row another
    /// tool wrote with a user id that is not a UUID or an unknown role.
    public init?(userText: [UInt8], roleText: [UInt8]) {
        guard let user = UUID(uuidString: String(decoding: userText, as: UTF8.self)),
            let role = DocumentRole(rawValue: String(decoding: roleText, as: UTF8.self))
        else { return nil }
        self.init(userID: user, role: role)
    }

    /// Owner first, then editors, then viewers; by user id within a role.
    public static func sorted(_ members: [DocumentMember]) -> [DocumentMember] {
        members.sorted { a, b in
            a.role != b.role ? a.role > b.role : a.userID.uuidString < b.userID.uuidString
        }
    }
}
