// swift-tools-version:6.0
// danectl: deploy SMTP DANE (RFC 7672) for the domains that receive your mail.
//
// Layers (arrows point one way): danectl (CLI) -> DaneFeatures -> DaneModel,
// with the C libraries reached only through the wrapper modules OpenSSLKit and LDNSKit.
import PackageDescription

let package = Package(
    name: "danectl",
    products: [
        .executable(name: "danectl", targets: ["danectl"]),
        .library(name: "DaneFeatures", targets: ["DaneFeatures"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // MARK: C at the edge
        .systemLibrary(
            name: "COpenSSL", path: "Sources/C/COpenSSL", pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CLDNS", path: "Sources/C/CLDNS", pkgConfig: "ldns",
            providers: [.apt(["libldns-dev"])]),
        .systemLibrary(
            name: "CLibPQ", path: "Sources/C/CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        .systemLibrary(
            name: "CSQLite", path: "Sources/C/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CYAML", path: "Sources/C/CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/C/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        /// Real functions for the OpenSSL macros Swift cannot import.
        .target(name: "COpenSSLShims", dependencies: ["COpenSSL"], path: "Sources/C/COpenSSLShims"),
        .target(name: "CFileShims", path: "Sources/C/CFileShims"),

        // MARK: Wrappers (the only modules that touch C pointers)
        .target(name: "OpenSSLKit", dependencies: ["PlainText", "COpenSSL", "COpenSSLShims", "ByteStreams"]),
        .target(
            name: "LDNSKit",
            dependencies: [
                "PlainText",
                "ThreadKit", "DaneModel", "CLDNS", "OpenSSLKit", "FileKit", "WorkSharing", "SocketKit", "ByteStreams",
            ]),
        /// What the TCP and TLS connections share: the receive buffer and line reader, and
        /// deadlines on the monotonic clock.
        .target(name: "ByteStreams"),
        /// POSIX sockets with deadlines: where TCP to port 25 happens, and the UDP the resolver is asked over.
        .target(name: "SocketKit", dependencies: ["ThreadKit", "ByteStreams"]),
        /// gzip through the system zlib, with a ceiling (TLS-RPT reports).
        .target(name: "ZlibKit", dependencies: ["CZlib"]),
        /// PostgreSQL through libpq (the shared report store).
        .target(name: "PostgresKit", dependencies: ["PlainText", "ThreadKit", "CLibPQ"]),
        /// SQLite through the system libsqlite3 (the embedded report store).
        .target(name: "SQLiteKit", dependencies: ["CSQLite"]),
        /// Files replaced atomically (temporary file, fsync, rename): every file danectl writes.
        .target(name: "FileKit", dependencies: ["ThreadKit", "CFileShims"]),
        /// POSIX threads, locks and conditions (what Foundation's Thread, NSLock and NSCondition were).
        .target(name: "ThreadKit"),
        /// Child processes (posix_spawn), waited for with a limit: the operator's reload command.
        .target(name: "ProcessKit"),
        /// Mustache templates (the zone snippets): parsed once, rendered into a sink as they are walked.
        .target(name: "Templating", dependencies: ["PlainText"]),
        /// What Foundation's NSString API gave and the standard library does not: trimming by
        /// Unicode's whitespace classes.
        .target(name: "PlainText"),
        /// Work spread over the cores with the results kept in order (large outputs, the
        /// description's parse beside its checks).
        .target(name: "WorkSharing", dependencies: ["ThreadKit"]),

        // MARK: Pure model, YAML description, features, output
        .target(name: "DaneModel", dependencies: ["PlainText"]),
        /// The system libyaml's events into plain values: the description's reader and composer.
        .target(name: "YAMLKit", dependencies: ["CYAML"]),
        .target(name: "DaneSpec", dependencies: ["FileKit", "DaneModel", "YAMLKit", "WorkSharing"]),
        /// Where TLS-RPT reports are kept: SQLite or PostgreSQL.
        .target(name: "ReportStore", dependencies: ["DaneModel", "PostgresKit", "SQLiteKit"]),
        .target(
            name: "DaneFeatures",
            dependencies: [
                "ProcessKit",
                "PlainText",
                "ThreadKit",
                "DaneModel", "DaneSpec", "OpenSSLKit", "LDNSKit", "SocketKit", "ByteStreams", "FileKit", "ReportStore",
                "WorkSharing",
                "ZlibKit",
            ]),
        /// A small bounded HTTP/1.1 server on SocketKit (behind the operator's TLS proxy).
        .target(name: "HTTPService", dependencies: ["PlainText", "ThreadKit", "SocketKit", "ByteStreams"]),
        /// The status pages drawn from the store: HTML, SVG charts and their JSON (`serve`).
        .target(name: "StatusPages", dependencies: ["PlainText", "DaneModel", "DaneOutput", "ReportStore"]),
        /// The RFC 8460 https rua endpoint and the status pages' routes (`serve`).
        .target(
            name: "ReportReceiver",
            dependencies: ["PlainText", "DaneFeatures", "DaneModel", "ReportStore", "HTTPService", "StatusPages"]),
        .target(
            name: "DaneOutput",
            dependencies: [
                "Templating",
                "PlainText",
                "ThreadKit",
                "DaneModel", "FileKit", "WorkSharing", "YAMLKit",
            ],
            plugins: ["EmbedTemplates"]),

        // MARK: The command line
        .executableTarget(
            name: "danectl",
            dependencies: [
                "DaneFeatures", "DaneOutput", "DaneModel", "FileKit", "ReportStore", "ReportReceiver", "HTTPService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: Build tooling: Templates/*.mustache are compiled into the binary
        .executableTarget(name: "TemplateEmbedder", path: "Sources/Build/TemplateEmbedder"),
        .plugin(name: "EmbedTemplates", capability: .buildTool(), dependencies: ["TemplateEmbedder"]),

        // MARK: Fuzz targets (scripts/fuzz builds them with libFuzzer and AddressSanitizer;
        // a normal build makes corpus replayers of them)
        .target(name: "FuzzReplay", path: "Sources/Fuzz/FuzzReplay"),
        .executableTarget(
            name: "FuzzLiveDNS", dependencies: ["DaneModel", "FuzzReplay"], path: "Sources/Fuzz/FuzzLiveDNS"),
        .executableTarget(
            name: "FuzzDescription", dependencies: ["DaneModel", "DaneSpec", "FuzzReplay"],
            path: "Sources/Fuzz/FuzzDescription"),
        .executableTarget(
            name: "FuzzKeyMaterial", dependencies: ["OpenSSLKit", "FuzzReplay"], path: "Sources/Fuzz/FuzzKeyMaterial"),
        .executableTarget(
            name: "FuzzZoneFile", dependencies: ["LDNSKit", "FuzzReplay"], path: "Sources/Fuzz/FuzzZoneFile"),
        .executableTarget(
            name: "FuzzReport", dependencies: ["DaneModel", "FuzzReplay"], path: "Sources/Fuzz/FuzzReport"),

        // MARK: Tests
        /// The scripted World (DNS, MX sessions, HTTPS policy hosts, clock) every in-process test runs on.
        .target(name: "DaneTestSupport", dependencies: ["DaneFeatures", "DaneModel"], path: "Tests/DaneTestSupport"),
        .testTarget(name: "DaneModelTests", dependencies: ["DaneModel"]),
        .testTarget(name: "ByteStreamsTests", dependencies: ["ByteStreams"]),
        .testTarget(name: "WorkSharingTests", dependencies: ["WorkSharing"]),
        .testTarget(name: "SQLiteKitTests", dependencies: ["SQLiteKit"]),
        .testTarget(name: "PlainTextTests", dependencies: ["PlainText"]),
        /// The template engine against swift-mustache, the engine it replaced (a test dependency only).
        .testTarget(
            name: "TemplatingTests",
            dependencies: ["Templating", .product(name: "Mustache", package: "swift-mustache")]),
        .testTarget(name: "ThreadKitTests", dependencies: ["ThreadKit", "ProcessKit"]),
        /// The composer against Yams, the reference it replaced (Yams is a test dependency only).
        .testTarget(name: "YAMLKitTests", dependencies: ["YAMLKit", .product(name: "Yams", package: "Yams")]),
        .testTarget(
            name: "DaneOutputTests",
            dependencies: [
                "DaneOutput", "DaneModel", "FileKit", .product(name: "Mustache", package: "swift-mustache"),
            ]),
        /// Verdict logic against a scripted DNS and scripted MX addresses: no root, no network.
        .testTarget(
            name: "DaneFeaturesTests",
            dependencies: ["DaneFeatures", "DaneModel", "DaneSpec", "DaneTestSupport", "FileKit", "ReportStore"]),
        /// The signing engine's pure parts (name keys, zone splitting, presentation format), and
        /// the resolver pipeline against a hostile fake resolver.
        .testTarget(name: "LDNSKitTests", dependencies: ["LDNSKit", "DaneModel", "ByteStreams"]),
        .testTarget(
            name: "DanectlTests",
            dependencies: [
                "DaneFeatures", "DaneOutput", "DaneModel", "DaneSpec", "OpenSSLKit", "LDNSKit", "ReportStore",
                "StatusPages",
                "DaneTestSupport",
            ]),
    ]
)
