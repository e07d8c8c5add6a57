import DaneModel
import OpenSSLKit

/// RFC 7671 §5.2 / RFC 7672 §3.1.2: a DANE-TA record pins one intermediate CA. Public ACME CAs
/// issue from several intermediates and rotate them without notice, so a `2 x x` record for
/// one of them breaks mail at some renewal. This is the one place that knows which issuers do.
enum IssuerRotation {
    /// Organisations whose public intermediates rotate (substring of the issuer's O=).
    static let rotatingOrganisations = ["Let's Encrypt", "ZeroSSL", "Google Trust Services", "Buypass", "SSL.com"]

    static func warning(for host: MXHostSpec, source: KeySourceSpec, chain: [Certificate]) -> Diagnostic? {
        guard host.tlsa.contains(where: { $0.usage == .daneTA }), chain.count >= 2 else { return nil }
        let issuer = chain[1].subject
        guard let organisation = rotatingOrganisations.first(where: { issuer.contains("O=\($0)") }) else { return nil }
        return .warning(
            "tlsa-rotating-issuer",
            "\(host.host) pins its issuing CA (\(issuer)) with a DANE-TA record, but \(organisation) rotates its intermediates: "
                + "a renewal from another intermediate breaks DANE; prefer 3 1 1 with key reuse, or a pre-generated `next` key",
            at: source.location)
    }
}
