/* strata-runtime: shared declarations. See README.md in this folder for the map. */
#ifndef STRATA_RUNTIME_H
#define STRATA_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- errors (util.c) ------------------------------------------------------------
 * Every failure is recorded as "step: message" in one buffer and returns -1; the verb
 * prints it once. The container child sends the same text over its sync socket. */
extern char g_err[1024];
/* What kind of failure g_err holds, so callers act on a class instead of parsing prose.
 * fail_errno/fail_msg record ERR_INTERNAL; fail_kind names another. */
enum err_kind { ERR_INTERNAL, ERR_INVALID, ERR_NOT_FOUND, ERR_CONFLICT, ERR_UNSUPPORTED, ERR_KINDS };
extern enum err_kind g_err_kind;
extern bool g_log_json; /* --log-format json: errors go to stderr as one JSON object a line */
int fail_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fail_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fail_kind(enum err_kind kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *err_kind_name(enum err_kind kind);
char err_kind_char(enum err_kind kind);       /* one byte for the sync pipes: '0' + kind */
enum err_kind err_kind_from_char(char c);
void report_error(const char *prefix);        /* prints g_err (with prefix) as text or JSON */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The shim's and an exec session helper's start: stdio on /dev/null, cwd /, signals as a signalfd. */
int holder_setup(void);
int write_file(const char *path, const char *data, size_t len);
int write_file_str(const char *path, const char *data);
int write_file_atomic(const char *path, const char *data, size_t len);
char *read_file(const char *path, size_t *len_out); /* NUL-terminated; NULL + g_err on error */
int mkdir_p(const char *path, mode_t mode);
int write_all(int fd, const void *buf, size_t len);
ssize_t read_full(int fd, void *buf, size_t len);
int64_t now_ns(void);
int pathf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void format_rfc3339(char *buf, size_t len, int64_t ns);

/* growable string buffer */
struct strbuf {
  char *buf;
  size_t len, cap;
};
void sb_append(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_json_string(struct strbuf *sb, const char *s, size_t n);

/* ---- JSON (json.c) -------------------------------------------------------------- */
enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };
struct json {
  enum json_type type;
  bool boolean;
  char *str;         /* string value, or the number's source text */
  size_t len;        /* string length (strings may hold NUL) / child count */
  char **keys;       /* object keys */
  struct json **items;
};
struct json *json_parse(const char *text, size_t len); /* NULL + g_err on error */
struct json *json_get(const struct json *obj, const char *key);
const char *json_type_name(enum json_type t);
void json_write(struct strbuf *sb, const struct json *v);
/* Number helpers: return -1 + g_err when the value is not an integer in range. */
int json_int64(const struct json *v, int64_t *out);
int json_uint64(const struct json *v, uint64_t *out);

/* ---- config.json (spec.c, spec_linux.c) ----------------------------------------- */
struct seccomp_spec; /* seccomp.c's own */
#define MAX_NS 8
struct ns_entry {
  int flag;   /* CLONE_NEW* */
  char *path; /* join this namespace when set */
};
struct id_map {
  uint32_t container_id, host_id, size;
};
struct mount_entry {
  char *destination, *type, *source;
  unsigned long flags;      /* MS_* set by options */
  unsigned long clear;      /* MS_* cleared by options (rw, suid, …) */
  unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (|MS_REC) */
  bool bind, rec;
  char *data;               /* options the kernel takes as data (size=, mode=, …) */
};
struct device_entry {
  char *path;
  char type; /* c, b, u, p */
  int64_t major, minor;
  mode_t mode;
  uid_t uid;
  gid_t gid;
};
struct rlimit_entry {
  int resource;
  uint64_t soft, hard;
};
struct hook {
  char *path;
  char **args; /* NULL-terminated */
  char **env;  /* NULL-terminated */
  int timeout; /* seconds, 0 = none */
};
struct hook_list {
  struct hook *items;
  size_t n;
};
/* One rule of linux.resources.devices, after parsing: type 'a' only for "everything"
 * (a reset of the policy); 'a' with numbers or partial access is split into c and b. */
#define DEV_ACC_MKNOD 1 /* the bits of the kernel's BPF_DEVCG_ACC_* */
#define DEV_ACC_READ 2
#define DEV_ACC_WRITE 4
#define DEV_ACC_ALL 7
struct device_rule {
  bool allow;
  char type;            /* 'a', 'c' or 'b' */
  int64_t major, minor; /* -1 = any (*) */
  unsigned access;      /* DEV_ACC_* bits */
};
struct net_priority { /* linux.resources.network.priorities[] */
  char *name;          /* an interface of the runtime's network namespace */
  uint32_t priority;
};
enum { CAP_SET_BOUNDING, CAP_SET_EFFECTIVE, CAP_SET_PERMITTED, CAP_SET_INHERITABLE, CAP_SET_AMBIENT, CAP_SETS };
struct resources {
  bool has_memory_limit, has_memory_reservation, has_memory_swap, has_swappiness;
  int64_t memory_limit, memory_reservation, memory_swap;
  uint64_t swappiness;
  bool has_oom_kill_disable, oom_kill_disable; /* memory.disableOOMKiller */
  bool has_cpu_shares, has_cpu_quota, has_cpu_period;
  uint64_t cpu_shares, cpu_period;
  int64_t cpu_quota;
  char *cpuset_cpus, *cpuset_mems;
  bool has_pids_limit;
  int64_t pids_limit;
  bool has_net_class_id;             /* network.classID (v1 net_cls) */
  uint32_t net_class_id;
  struct net_priority *net_priorities; /* network.priorities (v1 net_prio) */
  size_t n_net_priorities;
  bool given;                        /* linux.resources has a field other than devices: a limit */
  bool has_device_rules;             /* linux.resources.devices was given */
  struct device_rule *device_rules; /* in order; the last matching rule decides */
  size_t n_device_rules;
};
struct spec {
  char *oci_version;
  /* process */
  char **args, **env; /* NULL-terminated */
  char *cwd;
  uid_t uid;
  gid_t gid;
  gid_t *additional_gids;
  size_t n_additional_gids;
  bool has_caps;
  uint64_t caps[CAP_SETS];
  struct rlimit_entry *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  bool has_oom_score_adj;
  int oom_score_adj;
  bool terminal; /* process.terminal: stdio is a pty slave, the controlling terminal */
  bool has_console_size;
  unsigned short console_rows, console_cols; /* process.consoleSize height, width */
  /* root, hostname */
  char *root_path; /* absolute (resolved against the bundle) */
  bool root_readonly;
  char *hostname, *domainname;
  struct mount_entry *mounts;
  size_t n_mounts;
  /* linux */
  struct ns_entry ns[MAX_NS];
  size_t n_ns;
  bool shares_mount_ns; /* no mount namespace of its own (spec_namespaces.c): a chroot, nothing mounted */
  struct id_map uid_maps[16], gid_maps[16];
  size_t n_uid_maps, n_gid_maps;
  struct device_entry *devices;
  size_t n_devices;
  char **masked_paths, **readonly_paths; /* NULL-terminated */
  unsigned long rootfs_propagation;       /* 0 = default (rprivate) */
  char **sysctl_keys, **sysctl_values;    /* NULL-terminated, parallel */
  struct resources res;
  char *cgroups_path;
  struct hook_list prestart, create_runtime, create_container, start_container, poststart, poststop;
  struct json *annotations; /* object or NULL */
  struct seccomp_spec *seccomp; /* linux.seccomp, NULL when none (seccomp.c) */
};
int spec_load(const char *bundle, struct spec *s);            /* bundle/config.json */
int spec_load_file(const char *file, const char *bundle, struct spec *s);
int spec_load_process(const char *file, struct spec *s); /* a `process` object alone, into a zeroed s */
int spec_parse_linux(const struct json *lx, struct spec *s); /* spec_linux.c */
int spec_check_namespaces(struct spec *s); /* spec_namespaces.c: what an inherited namespace rules out */
int spec_parse_resources(const struct json *r, struct resources *res); /* linux.resources alone (update) */
int spec_parse_hooks(const struct json *hooks, struct spec *s); /* hooks.c */
bool spec_has_ns(const struct spec *s, int flag, const char **path);
/* helpers shared by spec*.c / hooks.c */
int spec_str(const struct json *obj, const char *key, const char *field, bool required, char **out);
int spec_str_array(const struct json *v, const char *field, char ***out);
int spec_bool(const struct json *obj, const char *key, const char *field, bool *out);

/* ---- seccomp (seccomp.c) ------------------------------------------------------- */
int seccomp_parse(const struct json *v, struct seccomp_spec **out); /* absent or null: *out = NULL */
int seccomp_compile(struct seccomp_spec *sc); /* in the parent: the BPF program, every refusal classed */
int seccomp_apply(const struct seccomp_spec *sc); /* in the process-to-be: one seccomp(2) */
/* compiled programs in <root>/+seccomp (seccomp_cache.c): get is 0 on a hit, put never fails */
struct sock_filter;
int seccomp_cache_get(const char *key, size_t key_len, struct sock_filter **prog, unsigned short *prog_len);
void seccomp_cache_put(const char *key, size_t key_len, const struct sock_filter *prog, unsigned short prog_len);

/* ---- terminals (pty.c, unixsock.c, console_proxy.c, attach.c) ------------------ */
struct sockaddr_un;
int pty_setup(const struct spec *s, int *master_out, char *name, size_t len); /* in the process-to-be */
int pty_set_size(int fd, unsigned short rows, unsigned short cols);
char pty_eof_char(int master);
int unix_addr(struct sockaddr_un *sa, const char *path, int *dirfd); /* *dirfd to close, or -1 */
int send_fd(int sock, int fd, const void *data, size_t n);
ssize_t recv_fd(int sock, void *buf, size_t n, int *fd_out);
int console_socket_send(const char *path, int master, const char *name);
/* run/exec in the foreground: copy between our stdio and the master until child exits;
 * *status is its wait status */
int console_proxy(int master, pid_t child, int *status);

/* the attach socket of a terminal's holder (attach.c; the protocol is in its header) */
#define ATTACH_CLIENTS 16
#define ATTACH_POLLFDS (2 + ATTACH_CLIENTS)
struct attach;
struct pollfd;
struct attach *attach_open(const char *path, int master, int log_fd); /* NULL + g_err */
/* no terminal: input to stdin_fd (a pipe's write end); output passed on by attach_output */
struct attach *attach_open_stdin(const char *path, int stdin_fd); /* NULL + g_err */
/* no terminal, a process started before its socket (an exec session): its output is not
 * read until a first client has connected, so that client gets it from the start — for a
 * few seconds at most (attach.c's HOLD_MAX), then it is read for the log alone */
void attach_hold_output(struct attach *a);
int attach_hold_ms(struct attach *a); /* ms the output is still held for, -1: not held (any more) */
void attach_output(struct attach *a, char type, const char *data, size_t n); /* 'D' stdout, 'E' stderr */
int attach_fill(const struct attach *a, struct pollfd *p);            /* ATTACH_POLLFDS entries */
void attach_handle(struct attach *a, const struct pollfd *p);
bool attach_output_done(const struct attach *a); /* the terminal has closed (no terminal: true) */
void attach_close(struct attach *a, int exit_code);
/* the shim's loop (shim.c), also the exec session helper's: forwards TERM/INT/HUP from
 * sfd to child, reaps, logs out/err (either may be NULL) or serves tty (may be NULL);
 * returns child's wait status once it has exited and its output is drained */
struct shim_stream; /* below, with the log's types */
int shim_supervise(pid_t child, struct shim_stream *out, struct shim_stream *err, struct attach *tty, int sfd, int log_fd);

/* ---- the container log (log.c) ------------------------------------------------- */
#define LOG_LINE_MAX 16384
struct log_stream {
  const char *name; /* "stdout" or "stderr" */
  char buf[LOG_LINE_MAX];
  size_t len;
};
void log_feed(struct log_stream *ls, int log_fd, const char *data, size_t n); /* log_fd -1: no log */
void log_flush(struct log_stream *ls, int log_fd);
/* one of a process's output pipes, read by the shim's loop (or the exec session helper's) */
struct shim_stream {
  int fd;
  char frame; /* its attach frame ('D' stdout, 'E' stderr), when an attach socket serves it */
  struct log_stream log;
};

/* ---- runtime state (state.c) ---------------------------------------------------- */
/* ST_PAUSED only in what `state` prints: every verb sees a frozen container as running */
enum status { ST_CREATING, ST_CREATED, ST_RUNNING, ST_STOPPED, ST_PAUSED };
struct state {
  char *id, *bundle, *oci_version;
  pid_t pid;
  uint64_t pid_start; /* /proc/<pid>/stat starttime, guards against pid reuse */
  char *created;
  struct json *annotations;
  enum status status;
};
extern const char *g_root; /* --root */
char *state_dir(const char *id);
int state_write(const struct state *st);
int state_load(const char *id, struct state *st); /* fills status from the live process */
void state_json(struct strbuf *sb, const struct state *st);
const char *status_name(enum status s);
uint64_t proc_start_time(pid_t pid); /* 0 when gone */
bool proc_alive(pid_t pid, uint64_t start);
int validate_id(const char *id);

/* ---- namespaces (namespaces.c) -------------------------------------------------- */
int ns_flag_from_name(const char *name);
bool ns_inherited(const struct spec *s, int flag); /* none of this type of its own: left out, or the runtime's joined */
const char *ns_name(int flag);
int ns_clone_flags(const struct spec *s); /* new namespaces, not joined ones (cgroup: see below) */
int ns_unshare_cgroup(const struct spec *s); /* child, once in its cgroup */
int ns_join_pid(const struct spec *s);   /* parent, before clone */
int ns_join_others(const struct spec *s, bool user); /* child */
int ns_write_id_maps(const struct spec *s, pid_t pid); /* parent */

/* ---- network (network.c) -------------------------------------------------------- */
int net_loopback_up(void); /* in the init, when it has a network namespace of its own */

/* ---- rootfs, mounts, devices (rootfs.c, mounts.c, devices.c) -------------------- */
int resolve_in_root(const char *root, const char *path, char *out, size_t outlen);
int rootfs_prepare(const struct spec *s);
int rootfs_pivot(const struct spec *s);
int rootfs_chroot(const struct spec *s); /* instead of pivot_root, without a mount namespace of its own */
int rootfs_finish(const struct spec *s); /* masked/readonly paths, ro root, propagation */
int mounts_apply(const struct spec *s, const char *cgroup_rel);
int devices_create(const struct spec *s, bool in_userns);
int remount_ro(const char *path, unsigned long extra);

/* ---- process identity (caps.c, process.c) --------------------------------------- */
int cap_from_name(const char *name);
int caps_drop_bounding(const struct spec *s);
int caps_apply(const struct spec *s);
int process_set_ids(const struct spec *s);
int rlimit_from_name(const char *name);
int process_rlimits(const struct spec *s);
char *process_find_exec(const struct spec *s); /* NULL + g_err when not found */
int sysctl_apply(const struct spec *s);

/* ---- cgroups (cgroup.c, cgroup_v1.c, cgroup_v2.c) -------------------------------- */
extern const char *g_cgroup_root; /* default /sys/fs/cgroup; tests may point elsewhere */
char *cgroup_rel_path(const struct spec *s, const char *id); /* "/strata/<id>" or absolute */
/* Whether the container gets a cgroup of its own: always, except for a runtime in a user
 * namespace (rootless) given neither linux.cgroupsPath nor a limit in linux.resources —
 * there the host's cgroup tree is not ours to write (cgroup v1; v2 without delegation), so
 * the container stays in the runtime's cgroup and the calls below do nothing, or (pause,
 * update) refuse with UNSUPPORTED. Device rules alone ask for none: in a user namespace
 * the container can make no device node, and it opens the host's (bind-mounted) nodes with
 * the user's own permissions. */
bool cgroup_wanted(const struct spec *s);
bool runtime_in_userns(void); /* /proc/self/uid_map is not the host's identity map */
int cgroup_setup(const struct spec *s, const char *id, pid_t pid);
int cgroup_destroy(const struct spec *s, const char *id);
int cgroup_kill_all(const struct spec *s, const char *id, int sig);
int cgroup_oom_killed(const struct spec *s, const char *id); /* 1, 0, or -1 */
int64_t cgroup_memory_peak(const struct spec *s, const char *id); /* bytes, or -1 when the kernel keeps none */
int oom_kill_recorded(const char *file); /* an "oom_kill N" line with N > 0 (v1 oom_control, v2 memory.events): 1, 0, or -1 */
bool cgroup_is_v2(void);
int cgroup_signal_procs(const char *procs_file, int sig);
int cgroup_write_limit(const char *dir, const char *file, int64_t value, const char *unlimited);
int cgroup_write_failed(const char *field, const char *path, const char *value); /* -1, errno classed */
int cgroup_freeze(const struct spec *s, const char *id, bool frozen); /* waits until the kernel agrees */
int cgroup_frozen(const struct spec *s, const char *id);              /* 1, 0, or -1 + g_err */
int cgroup_update(const struct spec *s, const char *id, const struct resources *r);
int cgroup_destroy_path(const char *rel); /* "/strata/…": kill everything in it and below, remove it (cgroup_orphan.c) */
char **cgroup_procs_files(pid_t pid); /* cgroup.procs of every hierarchy pid is in (NULL-terminated), NULL + g_err */
/* device rules (device_rules.c): the config's, then the defaults every container gets */
struct device_rule *device_rules_effective(const struct resources *r, size_t *n); /* NULL when none were given */
void device_rule_v1(const struct device_rule *d, char *buf, size_t len);        /* "c 1:3 rwm", "a" */
int v2_devices_apply(const char *dir, const struct resources *r);               /* cgroup_v2_devices.c */
uint64_t cpu_shares_to_weight(uint64_t shares);                                 /* cgroup_v2.c */
/* v1 */
extern const char *const v1_controllers[];
int v1_create(const char *rel, const struct resources *r, pid_t pid);
int v1_destroy(const char *rel, bool wait);
int v1_kill_all(const char *rel, int sig);
int v1_oom_killed(const char *rel);
int v1_freeze(const char *rel, bool frozen);
int v1_frozen(const char *rel);
int v1_update(const char *rel, const struct resources *r);
/* v2: dir is the full cgroup directory */
int v2_create(const char *mount, const char *rel, const struct resources *r, pid_t pid);
int v2_apply(const char *dir, const struct resources *r);
int v2_destroy(const char *mount, const char *rel, bool wait);
int v2_kill_all(const char *dir, int sig);
int v2_oom_killed(const char *dir);
int v2_freeze(const char *dir, bool frozen);
int v2_frozen(const char *dir);

/* ---- hooks (hooks.c) ------------------------------------------------------------ */
int hooks_run(const struct hook_list *hooks, const char *kind, const struct state *st);

/* ---- verbs ---------------------------------------------------------------------- */
struct create_opts {
  const char *id, *bundle, *pid_file;
  int stdio[3]; /* fds the container gets as 0,1,2 (replaced by the pty with process.terminal) */
  const char *console_socket; /* process.terminal: send the pty master there … */
  int *console_master;        /* … or hand it to the caller (shim, run) */
};
/* create.c: sets everything up; on success the init waits on exec.fifo. */
int container_create(const struct create_opts *o, struct spec *s, pid_t *pid_out);
/* init.c: the child side, never returns */
struct init_args {
  const struct spec *s;
  const struct state *st; /* id, bundle, annotations for the hooks the child runs */
  int sync_fd, fifo_fd;
  const char *id;
  char *cgroup_rel;
};
void container_init(struct init_args *a) __attribute__((noreturn));
int cmd_create(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_shim(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_update(int argc, char **argv);
int cmd_cgroup_setup(int argc, char **argv);
int cmd_cgroup_destroy(int argc, char **argv);
int cmd_rootless_exec(int argc, char **argv);
int cmd_rootless_stop(int argc, char **argv);

/* ---- rootless id maps (rootless_ids.c) ------------------------------------------ */
int rootless_check_ranges(void);                                  /* -1 + g_err: the user has no subuid/subgid range */
int rootless_write_maps(pid_t pid, const char *newuidmap, const char *newgidmap); /* user → 0, ranges → 1… */
int container_start(const char *id);
void container_remove_state(const char *id);
extern bool g_spec_lenient; /* delete: a config whose rootfs is gone still loads */
int container_delete(const char *id, bool force);
int signal_from_name(const char *name);

#endif
