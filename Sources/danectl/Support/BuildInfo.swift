/// What `danectl --version` prints. A build from a working tree does not know which commit it
/// is; `scripts/package` stamps the commit and the build date into its exported copy of the
/// tree (the two `stamped` lines below), so a packaged binary names exactly what it was built from.
enum BuildInfo {
    static let version = "0.1.0"
    static let commit: String? = nil  // stamped by scripts/package
    static let date: String? = nil  // stamped by scripts/package

    static var versionLine: String {
        guard let commit, let date else { return "\(version) (development build: commit unknown)" }
        return "\(version) (commit \(commit), built \(date))"
    }
}
