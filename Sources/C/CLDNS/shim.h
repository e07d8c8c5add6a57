#ifndef DANECTL_CLDNS_SHIM_H
#define DANECTL_CLDNS_SHIM_H
#include <ldns/ldns.h>
/* ldns reads zone files a character at a time: unlocked stdio for streams one thread owns. */
#include <stdio_ext.h>
/* malloc_trim, mallopt: give freed memory back to the system while a big zone is signed. */
#include <malloc.h>
#endif
