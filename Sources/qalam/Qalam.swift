import ArgumentParser

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
}

/// The version printed by `qalam --version`.
enum QalamVersion {
    static let current = "0.1.0"
}
