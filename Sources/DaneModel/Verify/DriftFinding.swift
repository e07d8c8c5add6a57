/// One record where the live DNS and the description disagree.
public struct DriftFinding: Sendable, Codable, Hashable, Comparable, CustomStringConvertible {
    public enum State: String, Sendable, Codable {
        /// In the description, not served.
        case missing
        /// Served, not in the description.
        case extra
    }

    public let owner: String
    public let type: String
    public let state: State
    public let value: String

    public init(owner: String, type: String, state: State, value: String) {
        self.owner = owner
        self.type = type
        self.state = state
        self.value = value
    }

    public var description: String {
        "\(owner) \(type) \(value) "
            + (state == .missing ? "is in the description but not live" : "is live but not in the description")
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.owner, a.type, a.state.rawValue, a.value) < (b.owner, b.type, b.state.rawValue, b.value)
    }
}
