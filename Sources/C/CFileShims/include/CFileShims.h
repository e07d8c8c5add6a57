#ifndef CFILESHIMS_H
#define CFILESHIMS_H

/// syncfs(2) is declared only under _GNU_SOURCE, which Swift's Glibc module does not define.
int danectl_syncfs(int fd);

#endif
