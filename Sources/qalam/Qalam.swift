import ArgumentParser
import Foundation

/// The `qalam` command line: the editor, the embedded relay, and the tools for
/// looking at and moving stored Yjs state.
@main
struct Qalam: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qalam",
        abstract: "A terminal collaborative editor for Arabic and English text, compatible with Yjs.",
        version: QalamVersion.current,
        subcommands: [
            EditCommand.self,
            KeysCommand.self,
            ServeCommand.self,
            DatabaseCommand.self,
            ExportCommand.self,
            ImportCommand.self,
            InspectCommand.self,
            MergeCommand.self,
            ShareCommand.self,
            UnshareCommand.self,
            MembersCommand.self,
            TokenCommand.self
        ]
    )

    /// ArgumentParser's own `main`, except that an error a command throws while
    /// running is one line, `qalam: …`: libpq and Foundation messages span lines.
    /// Mistakes in the command line itself still get the command's usage.
    static func main() async {
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var command = command
                try command.run()
            }
        } catch {
            // ArgumentParser's own (exit codes, help, validation, `HelpCommand`'s
            // internal error) are its to print; its error types are not all public.
            if String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") { exit(withError: error) }
            FileHandle.standardError.write(Data("qalam: \(SetupError.oneLine(error))\n".utf8))
            exit(withError: ExitCode.failure)
        }
    }
}

/// The version printed by `qalam --version`.
enum QalamVersion {
    static let current = "0.1.0"
}
