import ArgumentParser

struct EditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "edit", abstract: "(not built yet)")

    func run() async throws {
        throw ValidationError("qalam edit is not available in this build yet")
    }
}
