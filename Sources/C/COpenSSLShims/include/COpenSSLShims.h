#ifndef DANECTL_COPENSSL_SHIMS_H
#define DANECTL_COPENSSL_SHIMS_H
/* Real functions for OpenSSL macros that Swift cannot import. */
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

long danectl_BIO_get_mem_data(BIO *bio, char **data);
void danectl_OPENSSL_free(void *ptr);
int danectl_SSL_set_tlsext_host_name(SSL *ssl, const char *name);
int danectl_BIO_set_conn_hostname(BIO *bio, const char *name);
unsigned long danectl_XN_FLAG_RFC2253(void);
unsigned long danectl_XN_FLAG_ONELINE(void);
/* Adds a subjectAltName extension ("DNS:a,DNS:b") to a CSR; the STACK_OF macros stay in C. */
int danectl_X509_REQ_add_subject_alt_names(X509_REQ *req, const char *value);
#endif
