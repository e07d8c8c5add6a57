import DaneModel
import FoundationEssentials

extension Verifier {
    /// Probes one address and turns what happened into the sender's verdict and code.
    func probe(_ address: String, _ plan: HostPlan) -> AddressReport {
        let started = world.clock.now()
        var report = verdict(address, plan)
        report.probeSeconds = world.clock.now().timeIntervalSince(started)
        return report
    }

    /// Probes one address and turns what happened into the sender's verdict and code.
    private func verdict(_ address: String, _ plan: HostPlan) -> AddressReport {
        let base = plan.tlsaBase ?? plan.host
        let result = world.mx.open(
            MXSessionRequest(
                address: address, port: options.port, baseDomain: base, mxHost: plan.host,
                // Unsigned TLSA records are tried too (senders ignore them): to say what signing would do.
                records: plan.daneInForce || plan.tlsaStatus == .insecure ? plan.usable : [],
                timeout: options.timeout, webPKI: .init(caFile: options.caFile, now: now)))
        let tlsaPresent = plan.tlsaStatus == .secure && !plan.tlsa.isEmpty
        func report(
            _ verdict: AddressReport.Verdict, _ failure: SenderFailure?, _ detail: String, remedy: String? = nil,
            outcome: TLSSessionOutcome? = nil, warnings: [VerifyFinding] = []
        ) -> AddressReport {
            let tls = outcome.flatMap { o in
                o.completed ? [o.protocolVersion, o.cipher].compactMap { $0 }.joined(separator: " ") : nil
            }
            var made = AddressReport(
                address: address, verdict: verdict, failure: failure, detail: detail, remedy: remedy, tls: tls,
                matched: outcome?.matched?.description, certificates: outcome?.chain ?? [], warnings: warnings,
                webPKI: outcome?.webPKI)
            made.sendingIP = result.localAddress
            made.reachedSMTP = !result.stage.isNetworkError
            if verdict == .fail, let outcome {
                made.reasonCode =
                    outcome.completed
                    ? (outcome.verifyFailure == nil ? nil : outcome.verifyMessage) : outcome.handshakeError
            }
            return made
        }

        switch result.stage {
        case .networkError(let reason):
            return report(
                .fail, .connectionFailed, "no SMTP session with \(address) port \(options.port): \(reason)",
                remedy: "make sure the MX host listens on port \(options.port) and that no firewall drops senders")
        case .smtpError(let reason):
            return report(
                .fail, .connectionFailed, "the SMTP dialogue broke: \(reason)",
                remedy: "check the MX software: senders need a 220 banner and a 250 EHLO reply")
        case .noSTARTTLS(let reason):
            if plan.daneInForce || tlsaPresent {
                return report(
                    .fail, .starttlsNotSupported, "\(reason), but TLSA records make TLS mandatory",
                    remedy:
                        "enable STARTTLS on this MX (Postfix: smtpd_tls_security_level = may, with smtpd_tls_chain_files)"
                )
            }
            return report(
                .unauthenticated, nil, "\(reason): mail to this host travels unencrypted",
                remedy: "enable STARTTLS, then publish TLSA records for its key")
        case .refusedAfterTLS(let outcome, let reason):
            let authentication = outcome.authenticated ? "DANE authenticated, but " : ""
            return report(
                .fail, .connectionFailed, "\(authentication)\(reason): senders cannot go on, so mail is deferred",
                remedy:
                    "let senders in without a client certificate on port \(options.port) (Postfix: smtpd_tls_req_ccert = no; smtpd_tls_ask_ccert may stay)",
                outcome: outcome)
        case .tls(let outcome):
            guard outcome.completed else {
                return report(
                    .fail, plan.daneInForce ? .validationFailure : nil,
                    outcome.handshakeError ?? "the TLS handshake failed",
                    remedy: "check the server's TLS configuration with: posttls-finger -c -l dane [\(address)]",
                    outcome: outcome)
            }
            var warnings = expiryWarnings(outcome)
            guard plan.daneInForce else {
                if plan.tlsaStatus == .bogus {
                    return report(
                        .unauthenticated, nil,
                        "TLS works, but the TLSA records at \(plan.endpoint.owner) do not validate (DNSSEC bogus)",
                        remedy:
                            "the records need valid signatures, not replacing: re-sign the zone holding \(plan.endpoint.owner) "
                            + "(expired or missing RRSIGs) or correct its DS at the parent", outcome: outcome)
                }
                if plan.tlsaStatus == .insecure && !plan.usable.isEmpty {
                    let verdict =
                        outcome.authenticated
                        ? "signing the zone as it stands would make DANE pass here (\(outcome.matched.map { $0.parameters.description } ?? "a record") matches)"
                        : "signing the zone as it stands would make DANE FAIL here: no published TLSA record matches the key this server presents"
                    return report(
                        .unauthenticated, nil,
                        "TLS works; TLSA records are published at \(plan.endpoint.owner) but not DNSSEC-signed, so senders ignore them; \(verdict)",
                        remedy: outcome.authenticated
                            ? "sign the zone and publish its DS at the parent"
                            : (remedyRecord(plan.endpoint, outcome).map { "before signing, " + $0 }
                                ?? "fix the TLSA records before signing"),
                        outcome: outcome)
                }
                let why =
                    tlsaPresent
                    ? "TLS works, but none of the TLSA records is usable (\(plan.tlsa.compactMap(\.reason).first ?? "")); senders require TLS without authenticating it"
                    : plan.tlsaStatus == .secure
                        ? "TLS works, but no TLSA record is published for \(base): DANE is not in force"
                        : "TLS works, but the DNS answers are not DNSSEC-secure: DANE is not in force"
                return report(
                    .unauthenticated, nil, why, remedy: remedyRecord(plan.endpoint, outcome), outcome: outcome)
            }
            if outcome.authenticated {
                if let leaf = outcome.chain.first, let notAfter = leaf.notAfter, notAfter < now,
                    outcome.matched?.parameters.usage == .daneEE
                {
                    if options.profile == .exchangeOnline {
                        return report(
                            .fail, .certificateExpired,
                            "the certificate matches its TLSA record but expired on \(RFC3339.string(notAfter)); Exchange Online refuses expired certificates",
                            remedy: "renew the certificate (keep the key, and the 3 1 1 record stays valid)",
                            outcome: outcome)
                    }
                    warnings.append(
                        .init(
                            .certificateExpiredDANEEE,
                            "the certificate expired on \(RFC3339.string(notAfter)): RFC 7672 senders ignore dates for DANE-EE, "
                                + "but Exchange Online bounces with 5.7.322 certificate-expired"))
                }
                return report(.pass, nil, "DANE authenticated", outcome: outcome, warnings: warnings)
            }
            let failure: SenderFailure =
                switch outcome.verifyFailure {
                case .hostMismatch: .certificateHostMismatch
                case .expired: .certificateExpired
                case .noMatch, nil: .tlsaInvalid
                }
            let detail =
                switch failure {
                case .certificateHostMismatch:
                    "the chain matches a DANE-TA record, but the server certificate does not name \(base == plan.host ? base : "\(base) or \(plan.host)") (\(outcome.verifyMessage))"
                case .certificateExpired: "a certificate in the chain has expired (\(outcome.verifyMessage))"
                default:
                    "no TLSA record at \(plan.endpoint.owner) matches the certificate this server presents (\(outcome.verifyMessage))"
                }
            return report(
                .fail, failure, detail, remedy: remedyRecord(plan.endpoint, outcome), outcome: outcome,
                warnings: warnings)
        }
    }

    /// The record that would make this server pass: its own key's 3 1 1.
    func remedyRecord(_ endpoint: TLSAEndpoint, _ outcome: TLSSessionOutcome) -> String? {
        guard let hash = outcome.chain.first?.spkiSHA256 else { return nil }
        return "publish a TLSA record for the key this server presents: \(endpoint.owner) IN TLSA 3 1 1 \(hash) "
            + "(keep the old record until caches expire), or deploy the certificate whose key the TLSA records name"
    }

    func expiryWarnings(_ outcome: TLSSessionOutcome) -> [VerifyFinding] {
        let limit = now.addingTimeInterval(TimeInterval(options.warnDays) * 86_400)
        return outcome.chain.enumerated().compactMap { index, certificate in
            guard let notAfter = certificate.notAfter, notAfter >= now, notAfter < limit else { return nil }
            return VerifyFinding(
                .certificateExpiring,
                "\(index == 0 ? "the server certificate" : "chain certificate \(index)") (\(certificate.subject)) expires on \(RFC3339.string(notAfter))"
            )
        }
    }
}
