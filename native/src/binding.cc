// The N-API face of fsops.c, mountops.c and procops.c, and the only file that includes
// napi.h.
//
// Thin on purpose: check argument types, convert, call one C function, convert back.
// A failed syscall throws (or rejects with) an Error whose message is the C library's
// description and which carries `errno` (negative, like Node) and `syscall`;
// native/lib/errors.ts turns that into Node's SystemError shape.

#include <napi.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <sys/file.h>
#include <sys/mount.h>

#include "fsops.h"
#include "mountops.h"
#include "procops.h"

namespace {

// Memory that fsops.c malloc()ed, freed on every path out (including a thrown JS error).
using CBuffer = std::unique_ptr<char, decltype(&std::free)>;

// Called on the JS thread only (strerror's buffer is not thread-safe).
Napi::Error SyscallError(Napi::Env env, int rc, const char* syscall) {
  Napi::Error error = Napi::Error::New(env, std::strerror(-rc));
  error.Set("errno", Napi::Number::New(env, rc));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

void ExpectArgs(const Napi::CallbackInfo& info, size_t count) {
  if (info.Length() < count) {
    throw Napi::TypeError::New(info.Env(),
                               "expected " + std::to_string(count) + " arguments");
  }
}

// A string argument that can become a C string: embedded NULs would silently
// truncate a path, so they are refused.
std::string CStringArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsString()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  }
  std::string value = info[i].As<Napi::String>().Utf8Value();
  if (value.find('\0') != std::string::npos) {
    throw Napi::TypeError::New(info.Env(),
                               std::string(what) + " must not contain NUL bytes");
  }
  return value;
}

// Like CStringArg, but null or undefined (also a missing trailing argument) is "none",
// which the C side receives as a NULL pointer.
std::optional<std::string> OptionalCStringArg(const Napi::CallbackInfo& info, size_t i,
                                              const char* what) {
  if (i >= info.Length() || info[i].IsNull() || info[i].IsUndefined()) return std::nullopt;
  if (!info[i].IsString()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string or null");
  }
  return CStringArg(info, i, what);
}

const char* CStringOrNull(const std::optional<std::string>& value) {
  return value ? value->c_str() : nullptr;
}

uint32_t Uint32Arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  }
  return info[i].As<Napi::Number>().Uint32Value();
}

int32_t Int32Arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  }
  return info[i].As<Napi::Number>().Int32Value();
}

int FdArg(const Napi::CallbackInfo& info, size_t i) { return Int32Arg(info, i, "fd"); }

int LockOp(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsBoolean()) {
    throw Napi::TypeError::New(info.Env(), "exclusive must be a boolean");
  }
  return info[i].As<Napi::Boolean>().Value() ? LOCK_EX : LOCK_SH;
}

// Blocking flock() on the libuv threadpool. Execute() runs off the JS thread and only
// calls C; the promise is settled in OnOK() back on the JS thread.
class FlockWorker : public Napi::AsyncWorker {
 public:
  FlockWorker(Napi::Env env, int fd, int op)
      : Napi::AsyncWorker(env, "strata:flock"),
        fd_(fd),
        op_(op),
        rc_(0),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override { rc_ = strata_flock(fd_, op_); }

  void OnOK() override {
    if (rc_ < 0) {
      deferred_.Reject(SyscallError(Env(), rc_, "flock").Value());
    } else {
      deferred_.Resolve(Env().Undefined());
    }
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  int fd_;
  int op_;
  int rc_;
  Napi::Promise::Deferred deferred_;
};

// lock(fd, exclusive): Promise<void>
Napi::Value Lock(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 2);
  auto* worker = new FlockWorker(info.Env(), FdArg(info, 0), LockOp(info, 1));
  Napi::Promise promise = worker->Promise();
  worker->Queue();  // The worker deletes itself once settled.
  return promise;
}

// tryLock(fd, exclusive): boolean — false when another open file description holds it.
Napi::Value TryLock(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 2);
  int rc = strata_flock(FdArg(info, 0), LockOp(info, 1) | LOCK_NB);
  if (rc == -EWOULDBLOCK) return Napi::Boolean::New(info.Env(), false);
  if (rc < 0) throw SyscallError(info.Env(), rc, "flock");
  return Napi::Boolean::New(info.Env(), true);
}

// unlock(fd): void
Napi::Value Unlock(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 1);
  int rc = strata_flock(FdArg(info, 0), LOCK_UN);
  if (rc < 0) throw SyscallError(info.Env(), rc, "flock");
  return info.Env().Undefined();
}

// mknod(path, mode, major, minor): void
Napi::Value Mknod(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 4);
  std::string path = CStringArg(info, 0, "path");
  int rc = strata_mknod(path.c_str(), static_cast<mode_t>(Uint32Arg(info, 1, "mode")),
                        Uint32Arg(info, 2, "major"), Uint32Arg(info, 3, "minor"));
  if (rc < 0) throw SyscallError(info.Env(), rc, "mknod");
  return info.Env().Undefined();
}

// lsetxattr(path, name, value: Buffer): void
Napi::Value Lsetxattr(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 3);
  std::string path = CStringArg(info, 0, "path");
  std::string name = CStringArg(info, 1, "name");
  if (!info[2].IsBuffer()) {
    throw Napi::TypeError::New(info.Env(), "value must be a Buffer");
  }
  auto value = info[2].As<Napi::Buffer<char>>();
  int rc = strata_lsetxattr(path.c_str(), name.c_str(), value.Data(), value.Length());
  if (rc < 0) throw SyscallError(info.Env(), rc, "lsetxattr");
  return info.Env().Undefined();
}

// lgetxattr(path, name): Buffer | null — null when the attribute does not exist.
Napi::Value Lgetxattr(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 2);
  std::string path = CStringArg(info, 0, "path");
  std::string name = CStringArg(info, 1, "name");
  char* value = nullptr;
  size_t size = 0;
  int rc = strata_lgetxattr(path.c_str(), name.c_str(), &value, &size);
  if (rc == -ENODATA) return info.Env().Null();
  if (rc < 0) throw SyscallError(info.Env(), rc, "lgetxattr");
  CBuffer owned(value, &std::free);
  // Copied, not wrapped: Electron refuses external (non-V8) buffer memory.
  return Napi::Buffer<char>::Copy(info.Env(), owned.get(), size);
}

// llistxattr(path): string[]
Napi::Value Llistxattr(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 1);
  std::string path = CStringArg(info, 0, "path");
  char* list = nullptr;
  size_t size = 0;
  int rc = strata_llistxattr(path.c_str(), &list, &size);
  if (rc < 0) throw SyscallError(info.Env(), rc, "llistxattr");
  CBuffer owned(list, &std::free);
  // The kernel hands back "name\0name\0…".
  const std::string names(owned.get(), size);
  Napi::Array result = Napi::Array::New(info.Env());
  uint32_t index = 0;
  size_t start = 0;
  while (start < names.size()) {
    size_t end = names.find('\0', start);
    if (end == std::string::npos) end = names.size();
    if (end > start) {
      result.Set(index++, Napi::String::New(info.Env(), names.data() + start, end - start));
    }
    start = end + 1;
  }
  return result;
}

// lremovexattr(path, name): void
Napi::Value Lremovexattr(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 2);
  std::string path = CStringArg(info, 0, "path");
  std::string name = CStringArg(info, 1, "name");
  int rc = strata_lremovexattr(path.c_str(), name.c_str());
  if (rc < 0) throw SyscallError(info.Env(), rc, "lremovexattr");
  return info.Env().Undefined();
}

// mount(source, target, fstype | null, flags, data?: string | null): void
Napi::Value Mount(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 4);
  std::string source = CStringArg(info, 0, "source");
  std::string target = CStringArg(info, 1, "target");
  std::optional<std::string> fstype = OptionalCStringArg(info, 2, "fstype");
  unsigned long flags = Uint32Arg(info, 3, "flags");
  std::optional<std::string> data = OptionalCStringArg(info, 4, "data");
  // The kernel would keep only the first page of it, silently: refuse instead.
  const size_t max = strata_mount_data_max();
  if (data && data->size() > max) {
    Napi::TypeError error = Napi::TypeError::New(
        info.Env(), "E2BIG: mount data is " + std::to_string(data->size()) +
                        " bytes, more than the " + std::to_string(max) +
                        " the kernel reads (one page less the NUL), mount '" + target + "'");
    error.Set("code", Napi::String::New(info.Env(), "E2BIG"));
    throw error;
  }
  int rc = strata_mount(source.c_str(), target.c_str(), CStringOrNull(fstype), flags,
                        CStringOrNull(data));
  if (rc < 0) throw SyscallError(info.Env(), rc, "mount");
  return info.Env().Undefined();
}

// umount(target, flags): void
Napi::Value Umount(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 2);
  std::string target = CStringArg(info, 0, "target");
  int rc = strata_umount(target.c_str(), static_cast<int>(Uint32Arg(info, 1, "flags")));
  if (rc < 0) throw SyscallError(info.Env(), rc, "umount2");
  return info.Env().Undefined();
}

// mountDataMax(): number — the longest data string mount() passes whole.
Napi::Value MountDataMax(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(strata_mount_data_max()));
}

// pidfdOpen(pid): number — a new close-on-exec fd the caller closes.
Napi::Value PidfdOpen(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 1);
  int pidfd = -1;
  int rc = strata_pidfd_open(Int32Arg(info, 0, "pid"), &pidfd);
  if (rc < 0) throw SyscallError(info.Env(), rc, "pidfd_open");
  return Napi::Number::New(info.Env(), pidfd);
}

// pidfdSendSignal(pidfd, signal): void
Napi::Value PidfdSendSignal(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 2);
  int rc = strata_pidfd_send_signal(FdArg(info, 0), Int32Arg(info, 1, "signal"));
  if (rc < 0) throw SyscallError(info.Env(), rc, "pidfd_send_signal");
  return info.Env().Undefined();
}

// The C library's mount and umount flag values, by name: the TS tables in
// native/lib/mount.ts are literals (importing them must not load the addon) and a test
// checks them against these.
Napi::Object MountConstants(Napi::Env env) {
  Napi::Object constants = Napi::Object::New(env);
  const auto set = [&](const char* name, unsigned long value) {
    constants.Set(name, Napi::Number::New(env, static_cast<double>(value)));
  };
  set("MS_RDONLY", MS_RDONLY);
  set("MS_NOSUID", MS_NOSUID);
  set("MS_NODEV", MS_NODEV);
  set("MS_NOEXEC", MS_NOEXEC);
  set("MS_SYNCHRONOUS", MS_SYNCHRONOUS);
  set("MS_REMOUNT", MS_REMOUNT);
  set("MS_MANDLOCK", MS_MANDLOCK);
  set("MS_DIRSYNC", MS_DIRSYNC);
#ifdef MS_NOSYMFOLLOW
  set("MS_NOSYMFOLLOW", MS_NOSYMFOLLOW);
#endif
  set("MS_NOATIME", MS_NOATIME);
  set("MS_NODIRATIME", MS_NODIRATIME);
  set("MS_BIND", MS_BIND);
  set("MS_MOVE", MS_MOVE);
  set("MS_REC", MS_REC);
  set("MS_SILENT", MS_SILENT);
  set("MS_POSIXACL", MS_POSIXACL);
  set("MS_UNBINDABLE", MS_UNBINDABLE);
  set("MS_PRIVATE", MS_PRIVATE);
  set("MS_SLAVE", MS_SLAVE);
  set("MS_SHARED", MS_SHARED);
  set("MS_RELATIME", MS_RELATIME);
  set("MS_I_VERSION", MS_I_VERSION);
  set("MS_STRICTATIME", MS_STRICTATIME);
  set("MS_LAZYTIME", MS_LAZYTIME);
  set("MNT_FORCE", MNT_FORCE);
  set("MNT_DETACH", MNT_DETACH);
  set("MNT_EXPIRE", MNT_EXPIRE);
  set("UMOUNT_NOFOLLOW", UMOUNT_NOFOLLOW);
  return constants;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("lock", Napi::Function::New(env, Lock, "lock"));
  exports.Set("tryLock", Napi::Function::New(env, TryLock, "tryLock"));
  exports.Set("unlock", Napi::Function::New(env, Unlock, "unlock"));
  exports.Set("mknod", Napi::Function::New(env, Mknod, "mknod"));
  exports.Set("lsetxattr", Napi::Function::New(env, Lsetxattr, "lsetxattr"));
  exports.Set("lgetxattr", Napi::Function::New(env, Lgetxattr, "lgetxattr"));
  exports.Set("llistxattr", Napi::Function::New(env, Llistxattr, "llistxattr"));
  exports.Set("lremovexattr", Napi::Function::New(env, Lremovexattr, "lremovexattr"));
  exports.Set("mount", Napi::Function::New(env, Mount, "mount"));
  exports.Set("umount", Napi::Function::New(env, Umount, "umount"));
  exports.Set("mountDataMax", Napi::Function::New(env, MountDataMax, "mountDataMax"));
  exports.Set("pidfdOpen", Napi::Function::New(env, PidfdOpen, "pidfdOpen"));
  exports.Set("pidfdSendSignal", Napi::Function::New(env, PidfdSendSignal, "pidfdSendSignal"));
  exports.Set("constants", MountConstants(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(strata_native, Init)
