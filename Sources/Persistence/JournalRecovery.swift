/// What recovering the crash journals of dead sessions found and did: how many
/// edits were applied, how many were lost to damage or refused as not valid,
/// and where a journal that could not be applied in full is kept.
public struct JournalRecovery: Sendable, Equatable, CustomStringConvertible {
    /// The left-over journals that were read.
    public var journals: [String] = []
    /// Intact records read from them.
    public var found = 0
    /// Damaged stretches (a damaged record, garbage between records, a torn end).
    public var damaged = 0
    /// Journals whose file header was damaged (their records were still looked for).
    public var damagedHeaders = 0
    /// Records applied to the document.
    public var recovered = 0
    /// Intact records that are not an update the document accepts.
    public var refused = 0
    /// Where the journals that were not applied in full are kept
    /// (`<name>.damaged-<timestamp>`).
    public var keptFiles: [String] = []

    public init() {}

    /// The edits the journals held, as far as can be told: every intact record
    /// and one per damaged stretch.
    public var total: Int { found + damaged }

    /// Whether everything the journals held was applied.
    public var isComplete: Bool { damaged == 0 && refused == 0 && damagedHeaders == 0 }

    /// Whether there was anything to recover at all.
    public var isEmpty: Bool { total == 0 && damagedHeaders == 0 }

    /// "recovered 49 of 50 edits (1 damaged); the damaged journal is kept as …".
    public var description: String {
        guard !isComplete else {
            return "recovered \(recovered) edit\(recovered == 1 ? "" : "s") from the crash journal"
        }
        var problems: [String] = []
        if damaged > 0 { problems.append("\(damaged) damaged") }
        if refused > 0 { problems.append("\(refused) not a valid update") }
        if damagedHeaders > 0 { problems.append("journal header damaged") }
        var text = "recovered \(recovered) of \(total) edits (\(problems.joined(separator: ", ")))"
        if !keptFiles.isEmpty {
            text += "; the journal is kept as \(keptFiles.joined(separator: ", "))"
        } else if !journals.isEmpty {
            text += "; the journal is \(journals.joined(separator: ", "))"
        }
        return text
    }
}
