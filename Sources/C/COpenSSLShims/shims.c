#include "COpenSSLShims.h"
#include <openssl/crypto.h>

long danectl_BIO_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
void danectl_OPENSSL_free(void *ptr) { OPENSSL_free(ptr); }
int danectl_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return (int)SSL_set_tlsext_host_name(ssl, name); }
int danectl_BIO_set_conn_hostname(BIO *bio, const char *name) { return (int)BIO_set_conn_hostname(bio, name); }
unsigned long danectl_XN_FLAG_RFC2253(void) { return XN_FLAG_RFC2253; }
unsigned long danectl_XN_FLAG_ONELINE(void) { return XN_FLAG_ONELINE; }
