import DaneModel
import FoundationEssentials
import PlainText

/// `verify --format prometheus`: node_exporter's textfile-collector format. Names follow
/// Prometheus conventions (a `danectl_verify_` prefix, base units: seconds, and times as Unix
/// timestamps, so "days until expiry" is `(metric - time()) / 86400` in a query or alert).
public enum VerifyPrometheus {
    public static func render(_ reports: [DomainReport], now: Date) -> String {
        var out = ""
        func family(
            _ name: String, _ type: String, _ help: String, _ samples: [(labels: [(String, String)], value: String)]
        ) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples {
                let labels = sample.labels.map { "\($0.0)=\"\(PrometheusText.label($0.1))\"" }.joined(separator: ",")
                out += "\(name){\(labels)} \(sample.value)\n"
            }
        }
        family(
            "danectl_verify_domain_pass", "gauge",
            "1 when the domain passes everything checked (DANE, MTA-STS, drift) with nothing to attend to, else 0.",
            reports.map { ([("domain", $0.domain)], $0.outcome == .pass ? "1" : "0") })
        family(
            "danectl_verify_domain_outcome", "gauge",
            "The domain's one outcome as a label (\(DomainReport.Outcome.allCases.map(\.rawValue).joined(separator: ", "))); always 1.",
            reports.map { ([("domain", $0.domain), ("outcome", $0.outcome.rawValue)], "1") })
        family(
            "danectl_verify_dane_pass", "gauge", "1 when every MX host of the domain authenticates by DANE, else 0.",
            reports.map {
                (
                    [("domain", $0.domain)],
                    $0.daneInForce && $0.outcome != .daneFailure && $0.outcome != .dnsProblem ? "1" : "0"
                )
            })
        family(
            "danectl_verify_mta_sts_pass", "gauge",
            "For domains that publish MTA-STS: 1 when the policy and every MX certificate pass, else 0.",
            reports.compactMap { r in
                r.mtaSTS.map {
                    (
                        [("domain", r.domain), ("mode", $0.mode?.rawValue ?? "none-readable")],
                        $0.problems.isEmpty ? "1" : "0"
                    )
                }
            })
        family(
            "danectl_verify_drift", "gauge",
            "For domains compared with a description: the number of records that differ from it.",
            reports.compactMap { r in r.drift.map { ([("domain", r.domain)], String($0.count)) } })
        family(
            "danectl_verify_domain_null_mx", "gauge",
            "1 when the domain publishes a null MX (RFC 7505: it accepts no mail), else 0.",
            reports.map { ([("domain", $0.domain)], $0.nullMX ? "1" : "0") })
        var addresses: [(DomainReport, HostReport, AddressReport)] = []
        for report in reports {
            for host in report.hosts { for address in host.addresses { addresses.append((report, host, address)) } }
        }
        func labels(_ d: DomainReport, _ h: HostReport, _ a: AddressReport) -> [(String, String)] {
            [("domain", d.domain), ("host", h.host), ("address", a.address)]
        }
        family(
            "danectl_verify_address_pass", "gauge", "1 when the address authenticates by DANE, else 0.",
            addresses.map { (labels($0.0, $0.1, $0.2), $0.2.verdict == .pass ? "1" : "0") })
        family(
            "danectl_verify_address_result", "gauge", "The address's verdict and sender code as labels; always 1.",
            addresses.map {
                (
                    labels($0.0, $0.1, $0.2) + [
                        ("verdict", $0.2.verdict.rawValue), ("code", $0.2.failure?.exchangeCode ?? ""),
                    ], "1"
                )
            })
        // Per published TLSA record: did any address of its host present what it names (the
        // record to retire when 0 long after a rollover, the one missing when none is 1).
        var records: [(labels: [(String, String)], value: String)] = []
        for report in reports {
            for host in report.hosts where host.addresses.contains(where: { $0.verdict != .notChecked }) {
                let matched = Set(host.addresses.compactMap { $0.matched?.lowercased() })
                for record in host.tlsa {
                    guard case .tlsa(let tlsa) = record.data else { continue }
                    let (usage, selector, matching) = (
                        String(tlsa.parameters.usage.rawValue), String(tlsa.parameters.selector.rawValue),
                        String(tlsa.parameters.matchingType.rawValue)
                    )
                    let data = Hex.encode(tlsa.associationData).lowercased()
                    records.append(
                        (
                            [
                                ("domain", report.domain), ("mx", host.host), ("usage", usage), ("selector", selector),
                                ("matching", matching), ("data", data),
                            ],
                            matched.contains(tlsa.description.lowercased()) ? "1" : "0"
                        ))
                }
            }
        }
        family(
            "danectl_tlsa_record_match", "gauge",
            "1 when an address of the MX host presented the key or certificate this TLSA record names, else 0.",
            records)
        family(
            "danectl_verify_probe_duration_seconds", "gauge",
            "How long the SMTP, STARTTLS and TLS probe of the address took.",
            addresses.compactMap { d, h, a in a.probeSeconds.map { (labels(d, h, a), Printf.fixed($0, places: 3)) } })
        family(
            "danectl_verify_certificate_expiry_timestamp_seconds", "gauge",
            "When the certificate the address presents expires (Unix time).",
            addresses.compactMap { d, h, a in
                a.certificates.first?.notAfter.map { (labels(d, h, a), String(Int($0.timeIntervalSince1970))) }
            })
        family(
            "danectl_verify_signature_expiry_timestamp_seconds", "gauge",
            "When the first DNSSEC signature the domain's answers depend on expires (Unix time).",
            reports.compactMap { r in
                r.earliestSignatureExpiry.map { ([("domain", r.domain)], String(Int($0.timeIntervalSince1970))) }
            })
        family(
            "danectl_verify_last_run_timestamp_seconds", "gauge", "When this verify run finished (Unix time).",
            [([], String(Int(now.timeIntervalSince1970)))])
        family(
            "danectl_verify_success", "gauge",
            "1 when this verify run could check every domain (it ran to the end), else 0.",
            [([], "1")])
        return out.replacing("{} ", with: " ")
    }

    /// What a run that could not check anything writes (the resolver did not answer...): the
    /// run failed, and when; no stale per-domain values.
    public static func failedRun(now: Date) -> String {
        """
        # HELP danectl_verify_success 1 when this verify run could check every domain (it ran to the end), else 0.
        # TYPE danectl_verify_success gauge
        danectl_verify_success 0
        # HELP danectl_verify_last_run_timestamp_seconds When this verify run finished (Unix time).
        # TYPE danectl_verify_last_run_timestamp_seconds gauge
        danectl_verify_last_run_timestamp_seconds \(Int(now.timeIntervalSince1970))

        """
    }
}
