import DaneModel
import DaneSpec
import FoundationEssentials
import Glibc

/// The MTA-STS policy files the described domains need, by the web host that serves them
/// (`mta-sts.<domain>`): the same text `generate --output DIR/` writes, for `reports serve`.
public enum MTASTSPolicies {
    public static func served(by descriptions: [String], now: Date) throws(DiagnosticError) -> [String: String] {
        var byHost: [String: String] = [:]
        for path in descriptions {
            let description = try DescriptionLoader.load(path: path)
            for policy in try Generator(now: now).generate(description).mtaSTSPolicies {
                byHost[policy.webHost.lowercased()] = policy.text
            }
        }
        return byHost
    }
}
