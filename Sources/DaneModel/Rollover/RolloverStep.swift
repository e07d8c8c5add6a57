import FoundationEssentials

/// One step of a certificate rollover, with the earliest time it is safe to take.
public struct RolloverStep: Sendable, Codable, Equatable {
    public enum Action: String, Sendable, Codable {
        case publishNext = "publish-next"
        case deploy
        case verify
        case retireOld = "retire-old"
    }

    public let host: String
    public let action: Action
    public let earliest: Date
    /// Seconds to wait after the previous step.
    public let waitSeconds: Int
    public let detail: String

    public init(host: String, action: Action, earliest: Date, waitSeconds: Int, detail: String) {
        self.host = host
        self.action = action
        self.earliest = earliest
        self.waitSeconds = waitSeconds
        self.detail = detail
    }
}
