internal import COpenSSL

/// The X.509 verification results a DANE probe tells apart.
public enum X509VerifyCodes {
    public static let hostnameMismatch = Int32(X509_V_ERR_HOSTNAME_MISMATCH)
    public static let certificateExpired = Int32(X509_V_ERR_CERT_HAS_EXPIRED)
}
