import ArgumentParser

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "(not built yet)")

    func run() async throws {
        throw ValidationError("qalam serve is not available in this build yet")
    }
}
