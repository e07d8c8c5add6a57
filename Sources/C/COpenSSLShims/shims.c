#include "COpenSSLShims.h"
#include <openssl/crypto.h>
#include <openssl/x509v3.h>

long danectl_BIO_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
void danectl_OPENSSL_free(void *ptr) { OPENSSL_free(ptr); }
int danectl_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return (int)SSL_set_tlsext_host_name(ssl, name); }
int danectl_BIO_set_conn_hostname(BIO *bio, const char *name) { return (int)BIO_set_conn_hostname(bio, name); }
unsigned long danectl_XN_FLAG_RFC2253(void) { return XN_FLAG_RFC2253; }
unsigned long danectl_XN_FLAG_ONELINE(void) { return XN_FLAG_ONELINE; }

int danectl_X509_REQ_add_subject_alt_names(X509_REQ *req, const char *value) {
    STACK_OF(X509_EXTENSION) *extensions = sk_X509_EXTENSION_new_null();
    X509_EXTENSION *extension = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, value);
    int ok = extensions != NULL && extension != NULL && sk_X509_EXTENSION_push(extensions, extension) > 0;
    if (!ok) X509_EXTENSION_free(extension);
    ok = ok && X509_REQ_add_extensions(req, extensions) == 1;
    sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
    return ok;
}
