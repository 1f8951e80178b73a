import ArgumentParser
import Foundation
import RealtimeProtocol
import RelayServer

/// A token's lifetime on the command line: `90s`, `15m`, `1h`, `7d`, or seconds.
struct Lifetime: ExpressibleByArgument {
    let seconds: TimeInterval

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        let number: Substring
        let unit: Double
        if let last = text.last, let factor = units[last] {
            number = text.dropLast()
            unit = factor
        } else {
            number = Substring(text)
            unit = 1
        }
        guard let value = Double(number), value > 0, value.isFinite, value * unit <= 366 * 86400 else { return nil }
        seconds = value * unit
    }
}

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Mint a JWT for a user of a relay you run.",
        discussion: """
            Prints an HS256 token with sub, role and exp, signed with --jwt-secret (default $QALAM_JWT_SECRET): \
            what `qalam serve --jwt-secret` checks. Give it to the user as QALAM_ACCESS_TOKEN for `qalam edit`, or \
            as the access token of realtime-js/realtime-py. Without a secret it is signed with your own relay key \
            ($XDG_STATE_HOME/qalam/relay-key), which `qalam serve` uses when it has no secret.
            """)

    @Option(help: ArgumentHelp("The user's id (a UUID): the token's sub.", valueName: "user"))
    var sub: UserID

    @Option(help: "The token's role (service_role bypasses every membership check).")
    var role: String = "authenticated"

    @Option(help: "How long it is valid: 90s, 15m, 1h, 7d.")
    var expires: Lifetime = Lifetime(argument: "1h")!

    @Option(name: .customLong("jwt-secret"), help: "The relay's secret (default: $QALAM_JWT_SECRET).")
    var jwtSecret: String?

    func validate() throws {
        guard !role.trimmingCharacters(in: .whitespaces).isEmpty, role.trimmingCharacters(in: .whitespaces) == role
        else { throw ValidationError("--role must name a role, e.g. authenticated") }
        // A token signed with an empty or short secret is one anyone can forge.
        if let jwtSecret {
            do { try RelayToken.checkSecret(jwtSecret) } catch { throw ValidationError("--jwt-secret: \(error)") }
        }
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let secret: String
        if let given = jwtSecret {
            secret = given
        } else if let given = environment["QALAM_JWT_SECRET"].flatMap({ $0.isEmpty ? nil : $0 }) {
            do { try RelayToken.checkSecret(given) } catch { throw SetupError.setting("QALAM_JWT_SECRET: \(error)") }
            secret = given
        } else {
            try UserFolders.prepareStateFolders(environment: environment)
            secret = try RelayKey.load(environment: environment).secret
        }
        print(
            RelayToken.make(
                secret: secret, role: role, lifetime: expires.seconds,
                extraClaims: ["sub": .string(sub.uuid.uuidString.lowercased())]))
    }
}
