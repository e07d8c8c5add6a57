#define _GNU_SOURCE
#include <unistd.h>
#include "CFileShims.h"

int danectl_syncfs(int fd) { return syncfs(fd); }
