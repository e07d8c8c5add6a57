#ifndef CFILESHIMS_H
#define CFILESHIMS_H

/// syncfs(2) is declared only under _GNU_SOURCE, which Swift's Glibc module does not define.
int danectl_syncfs(int fd);

/// rename(2) that fails with EEXIST instead of replacing a file at `to` (renameat2's
/// RENAME_NOREPLACE; EINVAL or ENOSYS where the filesystem or kernel lacks it).
int danectl_rename_noreplace(const char *from, const char *to);

#endif
