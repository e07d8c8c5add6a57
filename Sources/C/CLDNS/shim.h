#ifndef DANECTL_CLDNS_SHIM_H
#define DANECTL_CLDNS_SHIM_H
#include <ldns/ldns.h>
#endif
