/// The DNSSEC trust anchors of the root zone as IANA publishes them
/// (https://data.iana.org/root-anchors/root-anchors.xml): the DS records of the root's
/// key-signing keys. Built in, so a machine whose resolver does not validate still gets a
/// validated verdict with no set-up; `--trust-anchor FILE` replaces them.
public enum RootAnchors {
    /// KSK-2017 (key tag 20326) and KSK-2024 (key tag 38696), RSA/SHA-256, SHA-256 digests.
    public static let iana = """
        . IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
        . IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16
        """

    public static let description = "the built-in IANA root trust anchors (KSK-2017 20326, KSK-2024 38696)"
}
