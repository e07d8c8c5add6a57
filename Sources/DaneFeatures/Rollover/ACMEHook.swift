import DaneModel

/// What an ACME client's deploy hook hands `rollover deploy`: the new chain, its key and the
/// names it covers, read from the environment the client sets. certbot sets RENEWED_LINEAGE
/// and RENEWED_DOMAINS; lego 4's run/renew hooks LEGO_CERT_*; lego 5's deploy hook LEGO_HOOK_*.
public struct ACMEHook: Sendable, Equatable {
    public let chain: String
    public let key: String
    public let domains: [String]

    public init(chain: String, key: String, domains: [String]) {
        (self.chain, self.key, self.domains) = (chain, key, domains)
    }

    public static func certbot(_ environment: [String: String]) throws(DiagnosticError) -> ACMEHook {
        guard let lineage = environment["RENEWED_LINEAGE"], !lineage.isEmpty else {
            throw DiagnosticError(
                .error(
                    .usage("usage-certbot"),
                    "--certbot runs as certbot's deploy hook, which sets RENEWED_LINEAGE; it is not set"))
        }
        return ACMEHook(
            chain: lineage + "/fullchain.pem", key: lineage + "/privkey.pem",
            domains: (environment["RENEWED_DOMAINS"] ?? "").split(separator: " ").map(String.init))
    }

    public static func lego(_ environment: [String: String]) throws(DiagnosticError) -> ACMEHook {
        let v4 = (
            environment["LEGO_CERT_PATH"], environment["LEGO_CERT_KEY_PATH"],
            environment["LEGO_CERT_DOMAIN"].map { [$0] }
        )
        let v5 = (
            environment["LEGO_HOOK_CERT_PATH"], environment["LEGO_HOOK_CERT_KEY_PATH"],
            environment["LEGO_HOOK_CERT_DOMAINS"].map {
                $0.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            }
        )
        for case let (chain?, key?, domains?) in [v4, v5] where !domains.isEmpty {
            return ACMEHook(chain: chain, key: key, domains: domains)
        }
        throw DiagnosticError(
            .error(
                .usage("usage-lego"),
                "--lego runs as lego's hook, which sets LEGO_CERT_PATH, LEGO_CERT_KEY_PATH and LEGO_CERT_DOMAIN "
                    + "(lego 4's --run-hook/--renew-hook) or LEGO_HOOK_CERT_PATH, LEGO_HOOK_CERT_KEY_PATH and LEGO_HOOK_CERT_DOMAINS (lego 5's --deploy-hook); "
                    + "neither set is complete"))
    }
}
