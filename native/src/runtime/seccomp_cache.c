/* The compiled seccomp programs, kept in <root>/+seccomp/ so that a profile is compiled
 * once, not at every create and exec: libseccomp takes 5 to 25 ms for Docker's default
 * profile on three architectures, a cache hit well under one. The '+' keeps the name
 * apart from every container's state directory (an id cannot have one: validate_id).
 *
 * A file is named by a 64-bit FNV-1a hash of its key and holds the key itself, so a hit
 * is an exact match of the whole key, never of the hash: the key is the profile as
 * config.json has it (re-serialised), libseccomp's version and the kernel's release (what
 * else decides the program). Layout: "strata-seccomp 1\n", key length (u32), key,
 * instruction count (u32), instructions. A file that is short, long, or of another key is
 * a miss, and is replaced. The directory is used only when it is ours and no one else
 * may write to it (0700, our uid); at 64 files it is emptied before the next is added
 * (profiles differ by capability set and by user, so a handful are in use at a time).
 * Every failure here is a miss: the caller compiles. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"

#define MAGIC "strata-seccomp 1\n"
#define MAX_FILES 64

static uint64_t fnv1a(const char *data, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)data[i]) * 0x100000001b3ULL;
  return h;
}

/* The cache directory when it may be trusted (made if absent), else NULL. */
static char *cache_dir(bool make) {
  char *dir = xasprintf("%s/+seccomp", g_root);
  if (make && (mkdir_p(g_root, 0711) < 0 || (mkdir(dir, 0700) < 0 && errno != EEXIST))) goto untrusted;
  struct stat st;
  if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) goto untrusted;
  return dir;
untrusted:
  free(dir);
  return NULL;
}

static char *cache_file(const char *dir, const char *key, size_t key_len) {
  return xasprintf("%s/%016llx.bpf", dir, (unsigned long long)fnv1a(key, key_len));
}

int seccomp_cache_get(const char *key, size_t key_len, struct sock_filter **prog, unsigned short *prog_len) {
  char *dir = cache_dir(false);
  if (!dir) return -1;
  char *file = cache_file(dir, key, key_len);
  free(dir);
  size_t n;
  char *data = read_file(file, &n);
  free(file);
  if (!data) return -1;
  size_t head = strlen(MAGIC), off = head;
  uint32_t klen, count;
  int rc = -1;
  if (n < head + 4 || memcmp(data, MAGIC, head) != 0) goto out;
  memcpy(&klen, data + off, 4);
  off += 4;
  if (klen != key_len || n - off < (size_t)klen + 4 || memcmp(data + off, key, key_len) != 0) goto out;
  off += klen;
  memcpy(&count, data + off, 4);
  off += 4;
  if (count == 0 || count > BPF_MAXINSNS || n - off != (size_t)count * sizeof(struct sock_filter)) goto out;
  *prog = xmalloc(n - off);
  memcpy(*prog, data + off, n - off);
  *prog_len = (unsigned short)count;
  rc = 0;
out:
  free(data);
  return rc;
}

/* At MAX_FILES, the directory is emptied (and the temporary files of writers that died). */
static void make_room(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  size_t files = 0;
  for (struct dirent *e; (e = readdir(d));) files += e->d_name[0] != '.';
  if (files >= MAX_FILES) {
    rewinddir(d);
    for (struct dirent *e; (e = readdir(d));)
      if (e->d_name[0] != '.') unlinkat(dirfd(d), e->d_name, 0);
  }
  closedir(d);
}

void seccomp_cache_put(const char *key, size_t key_len, const struct sock_filter *prog, unsigned short prog_len) {
  char *saved = xstrdup(g_err); /* a cache that cannot be written is no failure: keep g_err as it was */
  enum err_kind saved_kind = g_err_kind;
  char *dir = cache_dir(true);
  if (!dir) goto out;
  make_room(dir);
  char *file = cache_file(dir, key, key_len);
  /* a name of our own: writers of one key race, and each renames a whole file */
  char *tmp = xasprintf("%s.%d.tmp", file, (int)getpid());
  struct strbuf sb = {0};
  uint32_t klen = (uint32_t)key_len, count = prog_len;
  sb_puts(&sb, MAGIC);
  sb_append(&sb, (const char *)&klen, 4);
  sb_append(&sb, key, key_len);
  sb_append(&sb, (const char *)&count, 4);
  sb_append(&sb, (const char *)prog, prog_len * sizeof *prog);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    bool ok = write_all(fd, sb.buf, sb.len) == 0;
    close(fd);
    if (!ok || rename(tmp, file) < 0) unlink(tmp);
  }
  free(sb.buf);
  free(tmp);
  free(file);
  free(dir);
out:
  snprintf(g_err, sizeof g_err, "%s", saved);
  g_err_kind = saved_kind;
  free(saved);
}
