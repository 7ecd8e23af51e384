// The N-API face of fsops.c, mountops.c, procops.c, spawnwait.c, peercred.c, confine.c and netattach.c, and the only file that includes
// napi.h.
//
// Thin on purpose: check argument types, convert, call one C function, convert back.
// A failed syscall throws (or rejects with) an Error whose message is the C library's
// description and which carries `errno` (negative, like Node) and `syscall`;
// native/lib/errors.ts turns that into Node's SystemError shape.

#include <napi.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <net/if.h>

#include "confine.h"
#include "diskusage.h"
#include "fsops.h"
#include "newentries.h"
#include "mountops.h"
#include "netattach.h"
#include "procops.h"
#include "peercred.h"
#include "spawnwait.h"

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

Napi::Buffer<char> BufferArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsBuffer()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Buffer");
  }
  return info[i].As<Napi::Buffer<char>>();
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

// A blocking call that returns 0 or -errno, run on the libuv threadpool: Execute() runs off
// the JS thread and only calls C; the promise is settled in OnOK() back on the JS thread,
// with undefined or the errno-coded error naming `syscall`.
class SyscallWorker : public Napi::AsyncWorker {
 public:
  SyscallWorker(Napi::Env env, const char* syscall, std::function<int()> call)
      : Napi::AsyncWorker(env, "strata:syscall"),
        syscall_(syscall),
        call_(std::move(call)),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override { rc_ = call_(); }

  void OnOK() override {
    if (rc_ < 0) {
      deferred_.Reject(SyscallError(Env(), rc_, syscall_).Value());
    } else {
      deferred_.Resolve(Env().Undefined());
    }
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  const char* syscall_;
  std::function<int()> call_;
  int rc_ = 0;
  Napi::Promise::Deferred deferred_;
};

Napi::Promise QueueSyscall(Napi::Env env, const char* syscall, std::function<int()> call) {
  auto* worker = new SyscallWorker(env, syscall, std::move(call));
  Napi::Promise promise = worker->Promise();
  worker->Queue();  // The worker deletes itself once settled.
  return promise;
}

// lock(fd, exclusive): Promise<void> — a blocking flock().
Napi::Value Lock(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 2);
  int fd = FdArg(info, 0);
  int op = LockOp(info, 1);
  return QueueSyscall(info.Env(), "flock", [fd, op] { return strata_flock(fd, op); });
}

// Many preads at offset 0 on the libuv threadpool, as one piece of work (fsops.h says
// why). The buffers stay referenced until the promise settles, so their memory cannot go
// while the pool thread writes into it.
class PreadBatchWorker : public Napi::AsyncWorker {
 public:
  PreadBatchWorker(Napi::Env env, std::vector<int> fds, std::vector<char*> buffers,
                   std::vector<size_t> lengths, Napi::Array keep)
      : Napi::AsyncWorker(env, "strata:preadBatch"),
        fds_(std::move(fds)),
        buffers_(std::move(buffers)),
        lengths_(std::move(lengths)),
        out_(fds_.size()),
        keep_(Napi::Persistent(keep)),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    strata_pread_batch(fds_.data(), buffers_.data(), lengths_.data(), out_.data(), fds_.size());
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Int32Array result = Napi::Int32Array::New(env, out_.size());
    for (size_t i = 0; i < out_.size(); i++) result[i] = static_cast<int32_t>(out_[i]);
    deferred_.Resolve(result);
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  std::vector<int> fds_;
  std::vector<char*> buffers_;
  std::vector<size_t> lengths_;
  std::vector<long> out_;
  Napi::Reference<Napi::Array> keep_;
  Napi::Promise::Deferred deferred_;
};

// preadBatch(fds: Int32Array, buffers: Buffer[]): Promise<Int32Array> — per file the bytes
// read at offset 0 into its buffer (as much as it holds), or -errno.
Napi::Value PreadBatch(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 2);
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(info.Env(), "fds must be an Int32Array");
  }
  if (!info[1].IsArray()) throw Napi::TypeError::New(info.Env(), "buffers must be an array");
  Napi::Int32Array fdArray = info[0].As<Napi::Int32Array>();
  Napi::Array bufferArray = info[1].As<Napi::Array>();
  size_t count = fdArray.ElementLength();
  if (bufferArray.Length() != count) {
    throw Napi::TypeError::New(info.Env(), "fds and buffers must have the same length");
  }
  std::vector<int> fds(count);
  std::vector<char*> buffers(count);
  std::vector<size_t> lengths(count);
  for (size_t i = 0; i < count; i++) {
    Napi::Value each = bufferArray[static_cast<uint32_t>(i)];
    if (!each.IsBuffer()) throw Napi::TypeError::New(info.Env(), "buffers must hold Buffers");
    Napi::Buffer<char> buffer = each.As<Napi::Buffer<char>>();
    fds[i] = fdArray[i];
    buffers[i] = buffer.Data();
    lengths[i] = buffer.Length();
  }
  auto* worker = new PreadBatchWorker(info.Env(), std::move(fds), std::move(buffers),
                                      std::move(lengths), bufferArray);
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
  auto value = BufferArg(info, 2, "value");
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

// The kernel hands back "name\0name\0…" for llistxattr: as an array of strings.
Napi::Array NameList(Napi::Env env, const char* data, size_t size) {
  const std::string names(data, size);
  Napi::Array result = Napi::Array::New(env);
  uint32_t index = 0;
  size_t start = 0;
  while (start < names.size()) {
    size_t end = names.find('\0', start);
    if (end == std::string::npos) end = names.size();
    if (end > start) {
      result.Set(index++, Napi::String::New(env, names.data() + start, end - start));
    }
    start = end + 1;
  }
  return result;
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
  return NameList(info.Env(), owned.get(), size);
}

// lgetxattr, llistxattr and lsetxattr on the libuv threadpool, for walks the event loop must
// not wait on (an image's layers on a slow disk). Results as the synchronous calls give them.
class XattrWorker : public Napi::AsyncWorker {
 public:
  enum class Op { kGet, kList, kSet };

  XattrWorker(Napi::Env env, Op op, std::string path, std::string name, std::string value)
      : Napi::AsyncWorker(env, "strata:xattr"),
        op_(op),
        path_(std::move(path)),
        name_(std::move(name)),
        value_(std::move(value)),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    switch (op_) {
      case Op::kGet:
        rc_ = strata_lgetxattr(path_.c_str(), name_.c_str(), &out_, &size_);
        break;
      case Op::kList:
        rc_ = strata_llistxattr(path_.c_str(), &out_, &size_);
        break;
      case Op::kSet:
        rc_ = strata_lsetxattr(path_.c_str(), name_.c_str(), value_.data(), value_.size());
        break;
    }
  }

  void OnOK() override {
    CBuffer owned(out_, &std::free);
    Napi::Env env = Env();
    if (op_ == Op::kGet && rc_ == -ENODATA) return deferred_.Resolve(env.Null());
    if (rc_ < 0) {
      const char* syscall = op_ == Op::kGet ? "lgetxattr" : op_ == Op::kList ? "llistxattr" : "lsetxattr";
      return deferred_.Reject(SyscallError(env, rc_, syscall).Value());
    }
    switch (op_) {
      case Op::kGet:
        // Copied, not wrapped: Electron refuses external (non-V8) buffer memory.
        return deferred_.Resolve(Napi::Buffer<char>::Copy(env, owned.get(), size_));
      case Op::kList:
        return deferred_.Resolve(NameList(env, owned.get(), size_));
      case Op::kSet:
        return deferred_.Resolve(env.Undefined());
    }
  }

  void OnError(const Napi::Error& error) override {
    std::free(out_);
    deferred_.Reject(error.Value());
  }

 private:
  Op op_;
  std::string path_;
  std::string name_;
  std::string value_;
  int rc_ = 0;
  char* out_ = nullptr;
  size_t size_ = 0;
  Napi::Promise::Deferred deferred_;
};

Napi::Value QueueXattr(Napi::Env env, XattrWorker::Op op, std::string path, std::string name, std::string value) {
  auto* worker = new XattrWorker(env, op, std::move(path), std::move(name), std::move(value));
  Napi::Promise promise = worker->Promise();
  worker->Queue();  // The worker deletes itself once settled.
  return promise;
}

// lgetxattrAsync(path, name): Promise<Buffer | null>
Napi::Value LgetxattrAsync(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 2);
  return QueueXattr(info.Env(), XattrWorker::Op::kGet, CStringArg(info, 0, "path"), CStringArg(info, 1, "name"), "");
}

// llistxattrAsync(path): Promise<string[]>
Napi::Value LlistxattrAsync(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 1);
  return QueueXattr(info.Env(), XattrWorker::Op::kList, CStringArg(info, 0, "path"), "", "");
}

// lsetxattrAsync(path, name, value: Buffer): Promise<void> — the value is copied first.
Napi::Value LsetxattrAsync(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 3);
  std::string path = CStringArg(info, 0, "path");
  std::string name = CStringArg(info, 1, "name");
  auto value = BufferArg(info, 2, "value");
  return QueueXattr(info.Env(), XattrWorker::Op::kSet, std::move(path), std::move(name), std::string(value.Data(), value.Length()));
}

// diskUsage(path): Promise<{ bytes, inodes }> — du -s --block-size=1 of the tree, walked
// on one pool thread (diskusage.h).
class DiskUsageWorker : public Napi::AsyncWorker {
 public:
  DiskUsageWorker(Napi::Env env, std::string path)
      : Napi::AsyncWorker(env, "strata:diskUsage"), path_(std::move(path)), deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override { rc_ = strata_disk_usage(path_.c_str(), &usage_); }

  void OnOK() override {
    Napi::Env env = Env();
    if (rc_ < 0) return deferred_.Reject(SyscallError(env, rc_, "nftw").Value());
    Napi::Object result = Napi::Object::New(env);
    result.Set("bytes", Napi::Number::New(env, static_cast<double>(usage_.bytes)));
    result.Set("inodes", Napi::Number::New(env, static_cast<double>(usage_.inodes)));
    deferred_.Resolve(result);
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  std::string path_;
  int rc_ = 0;
  struct strata_disk_usage usage_ = {0, 0};
  Napi::Promise::Deferred deferred_;
};

Napi::Value DiskUsage(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 1);
  auto* worker = new DiskUsageWorker(info.Env(), CStringArg(info, 0, "path"));
  Napi::Promise promise = worker->Promise();
  worker->Queue();  // The worker deletes itself once settled.
  return promise;
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

// umountAsync(target, flags): Promise<void> — umount's blocking form: detaching an overlay
// syncs its upper filesystem (ovl_sync_fs), which takes as long as the dirty data below it,
// so the event loop must not wait on it.
Napi::Value UmountAsync(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 2);
  std::string target = CStringArg(info, 0, "target");
  int flags = static_cast<int>(Uint32Arg(info, 1, "flags"));
  return QueueSyscall(info.Env(), "umount2", [target, flags] { return strata_umount(target.c_str(), flags); });
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

// A string array argument, each element as CStringArg checks it.
std::vector<std::string> CStringArrayArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsArray()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be an array");
  Napi::Array array = info[i].As<Napi::Array>();
  std::vector<std::string> values;
  for (uint32_t k = 0; k < array.Length(); k++) {
    Napi::Value value = array.Get(k);
    if (!value.IsString()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must hold strings");
    std::string text = value.As<Napi::String>().Utf8Value();
    if (text.find('\0') != std::string::npos) {
      throw Napi::TypeError::New(info.Env(), std::string(what) + " must not contain NUL bytes");
    }
    values.push_back(std::move(text));
  }
  return values;
}

// The NULL-terminated char* array exec wants, pointing into `values` (which must outlive it).
std::vector<char*> ExecArray(std::vector<std::string>& values) {
  std::vector<char*> pointers;
  for (std::string& value : values) pointers.push_back(value.data());
  pointers.push_back(nullptr);
  return pointers;
}

// One spawnWait in flight: the child, then what it left, settled on the JS thread.
struct SpawnWaitJob {
  strata_spawned child;
  strata_waited result{};
  int rc = 0;
  Napi::Promise::Deferred deferred;
};

void SettleSpawnWait(Napi::Env env, Napi::Function, void*, SpawnWaitJob* job) {
  std::unique_ptr<SpawnWaitJob> owned(job);
  CBuffer out(job->result.out, &std::free);
  CBuffer err(job->result.err, &std::free);
  if (env == nullptr) return;  // the environment is going away
  if (job->rc < 0) {
    job->deferred.Reject(SyscallError(env, job->rc, "waitpid").Value());
    return;
  }
  int status = job->result.status;
  Napi::Object settled = Napi::Object::New(env);
  settled.Set("code", WIFEXITED(status) ? Napi::Value(Napi::Number::New(env, WEXITSTATUS(status))) : env.Null());
  settled.Set("signal", WIFSIGNALED(status) ? Napi::Value(Napi::Number::New(env, WTERMSIG(status))) : env.Null());
  settled.Set("stdout", Napi::Buffer<char>::Copy(env, out.get() ? out.get() : "", job->result.out_len));
  settled.Set("stderr", Napi::Buffer<char>::Copy(env, err.get() ? err.get() : "", job->result.err_len));
  job->deferred.Resolve(settled);
}

// spawnWait(path, argv, envp, cwd | null): Promise<{ code, signal, stdout, stderr }> — the
// program started with posix_spawn on this thread (spawnwait.h: no fork of the engine), then
// read and reaped on a thread of its own, so a slow child holds no libuv threadpool thread.
Napi::Value SpawnWait(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 3);
  Napi::Env env = info.Env();
  std::string path = CStringArg(info, 0, "path");
  std::vector<std::string> args = CStringArrayArg(info, 1, "argv");
  std::vector<std::string> environment = CStringArrayArg(info, 2, "envp");
  std::optional<std::string> cwd = OptionalCStringArg(info, 3, "cwd");
  std::vector<char*> argv = ExecArray(args);
  std::vector<char*> envp = ExecArray(environment);
  strata_spawned child{};
  int rc = strata_spawn(path.c_str(), argv.data(), envp.data(), CStringOrNull(cwd), &child);
  if (rc < 0) throw SyscallError(env, rc, "posix_spawn");
  auto* job = new SpawnWaitJob{child, {}, 0, Napi::Promise::Deferred::New(env)};
  Napi::Promise promise = job->deferred.Promise();
  auto settle = Napi::TypedThreadSafeFunction<void, SpawnWaitJob, SettleSpawnWait>::New(env, "strata:spawnWait", 0, 1);
  std::thread([job, settle]() mutable {
    job->rc = strata_spawn_wait(&job->child, &job->result);
    settle.BlockingCall(job);
    settle.Release();
  }).detach();
  return promise;
}

// peerCredentials(fd): {pid, uid, gid, groups} of a connected Unix socket's peer
// (SO_PEERCRED + SO_PEERGROUPS; groups is null on a kernel without SO_PEERGROUPS).
Napi::Value PeerCredentials(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 1);
  int fd = FdArg(info, 0);
  strata_peer peer{};
  int rc = strata_peer_credentials(fd, &peer);
  if (rc < 0) throw SyscallError(info.Env(), rc, "getsockopt");
  gid_t* groups = nullptr;
  size_t count = 0;
  rc = strata_peer_groups(fd, &groups, &count);
  std::unique_ptr<gid_t, decltype(&std::free)> owned(groups, &std::free);
  if (rc < 0 && rc != -ENOPROTOOPT) throw SyscallError(info.Env(), rc, "getsockopt");
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("pid", Napi::Number::New(info.Env(), peer.pid));
  result.Set("uid", Napi::Number::New(info.Env(), peer.uid));
  result.Set("gid", Napi::Number::New(info.Env(), peer.gid));
  if (rc < 0) {
    result.Set("groups", info.Env().Null());
  } else {
    Napi::Array list = Napi::Array::New(info.Env(), count);
    for (size_t i = 0; i < count; i++) list.Set(static_cast<uint32_t>(i), Napi::Number::New(info.Env(), groups[i]));
    result.Set("groups", list);
  }
  return result;
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

// --- confine.c: paths inside an untrusted root (see confine.h) ----------------------------

// openInRoot's blocking form, for callers on the event loop that wait for a slow disk or a
// network filesystem: Execute() only calls C.
class ConfineOpenWorker : public Napi::AsyncWorker {
 public:
  // `content`: Buffers written to the new fd before it is handed back (one threadpool trip
  // for a small file's open and content); kept referenced until the work is done.
  ConfineOpenWorker(Napi::Env env, int rootfd, std::string path, int flags, mode_t mode,
                    unsigned opts, Napi::Array content)
      : Napi::AsyncWorker(env, "strata:openInRoot"),
        rootfd_(rootfd),
        path_(std::move(path)),
        flags_(flags),
        mode_(mode),
        opts_(opts),
        deferred_(Napi::Promise::Deferred::New(env)) {
    if (content.IsEmpty()) return;
    content_ = Napi::Persistent(content.As<Napi::Object>());
    for (uint32_t i = 0; i < content.Length(); i++) {
      Napi::Value chunk = content.Get(i);
      if (!chunk.IsBuffer()) throw Napi::TypeError::New(env, "content must hold Buffers");
      auto buffer = chunk.As<Napi::Buffer<char>>();
      chunks_.push_back({buffer.Data(), buffer.Length()});
    }
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    rc_ = strata_confine_open(rootfd_, path_.c_str(), flags_, mode_, opts_, &fd_);
    if (rc_ < 0) return;
    for (const auto& [data, length] : chunks_) {
      rc_ = strata_write_all(fd_, data, length);
      if (rc_ < 0) {
        syscall_ = "write";
        close(fd_);
        fd_ = -1;
        return;
      }
    }
  }

  void OnOK() override {
    if (rc_ < 0) {
      deferred_.Reject(SyscallError(Env(), rc_, syscall_).Value());
    } else {
      deferred_.Resolve(Napi::Number::New(Env(), fd_));
    }
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  int rootfd_;
  std::string path_;
  int flags_;
  mode_t mode_;
  unsigned opts_;
  Napi::ObjectReference content_;
  std::vector<std::pair<const char*, size_t>> chunks_;
  const char* syscall_ = "openat2";
  int rc_ = 0;
  int fd_ = -1;
  Napi::Promise::Deferred deferred_;
};

// openInRoot(rootFd, path, flags, mode, opts): number — a new close-on-exec fd.
Napi::Value OpenInRoot(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 5);
  std::string path = CStringArg(info, 1, "path");
  int fd = -1;
  int rc = strata_confine_open(FdArg(info, 0), path.c_str(), Int32Arg(info, 2, "flags"),
                               static_cast<mode_t>(Uint32Arg(info, 3, "mode")),
                               Uint32Arg(info, 4, "opts"), &fd);
  if (rc < 0) throw SyscallError(info.Env(), rc, "openat2");
  return Napi::Number::New(info.Env(), fd);
}

// openInRootAsync(rootFd, path, flags, mode, opts[, content: Buffer[]]): Promise<number> — with
// content, written to the new fd before it is handed back
Napi::Value OpenInRootAsync(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 5);
  Napi::Array content;
  if (info.Length() > 5 && !info[5].IsUndefined() && !info[5].IsNull()) {
    if (!info[5].IsArray()) throw Napi::TypeError::New(info.Env(), "content must be an array of Buffers");
    content = info[5].As<Napi::Array>();
  }
  auto* worker = new ConfineOpenWorker(info.Env(), FdArg(info, 0), CStringArg(info, 1, "path"),
                                       Int32Arg(info, 2, "flags"),
                                       static_cast<mode_t>(Uint32Arg(info, 3, "mode")),
                                       Uint32Arg(info, 4, "opts"), content);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// makeEntriesInRoot's work (newentries.h). The batch comes packed — one string of the paths
// joined by NUL, five numbers an entry, the files' contents in order — as reading a few
// properties of thousands of objects cost more than making the entries. The paths and
// content are held here (the Buffers referenced) until the batch has run on the pool.
class MakeEntriesWorker : public Napi::AsyncWorker {
 public:
  // meta, per entry: kind, mode, uid (-1: no chown), gid, mtime (seconds)
  MakeEntriesWorker(Napi::Env env, int rootfd, unsigned opts, std::string paths,
                    Napi::Float64Array meta, Napi::Array data)
      : Napi::AsyncWorker(env, "strata:makeEntriesInRoot"),
        rootfd_(rootfd),
        opts_(opts),
        paths_(std::move(paths)),
        deferred_(Napi::Promise::Deferred::New(env)) {
    if (meta.ElementLength() % 5 != 0) throw Napi::TypeError::New(env, "meta holds five numbers an entry");
    size_t n = meta.ElementLength() / 5;
    data_ref_ = Napi::Persistent(data.As<Napi::Object>());
    entries_.resize(n);
    size_t at = 0, file = 0;
    for (size_t i = 0; i < n; i++) {
      if (at > paths_.size()) throw Napi::TypeError::New(env, "fewer paths than entries");
      struct strata_new_entry& e = entries_[i];
      e.path = paths_.c_str() + at;
      at += std::strlen(e.path) + 1;
      const double* m = meta.Data() + i * 5;
      e.kind = static_cast<enum strata_new_kind>(static_cast<int>(m[0]));
      e.mode = static_cast<mode_t>(m[1]);
      if (e.kind != STRATA_NEW_FILE) continue;
      e.chown = m[2] >= 0;
      e.uid = static_cast<uid_t>(e.chown ? m[2] : 0);
      e.gid = static_cast<gid_t>(e.chown ? m[3] : 0);
      // As libuv's futimes (fs.futimesSync) gives it, to the microsecond: the same times as
      // the entries the engine dates from JavaScript.
      double seconds = std::floor(m[4]);
      long nanoseconds = static_cast<long>((m[4] - seconds) * 1e9);
      e.mtime.tv_sec = static_cast<time_t>(seconds);
      e.mtime.tv_nsec = nanoseconds - nanoseconds % 1000;
      Napi::Value content = data.Get(static_cast<uint32_t>(file++));
      if (!content.IsBuffer()) throw Napi::TypeError::New(env, "a file's data must be a Buffer");
      auto buffer = content.As<Napi::Buffer<char>>();
      e.data = buffer.Data();
      e.size = buffer.Length();
    }
    if (at != paths_.size() + 1 || file != data.Length()) throw Napi::TypeError::New(env, "paths, meta and data do not match");
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    rc_ = strata_make_entries(rootfd_, opts_, entries_.data(), entries_.size(), &failed_, &syscall_);
  }

  void OnOK() override {
    if (rc_ == 0) return deferred_.Resolve(Env().Undefined());
    Napi::Error error = SyscallError(Env(), rc_, syscall_);
    error.Set("index", Napi::Number::New(Env(), static_cast<double>(failed_)));
    deferred_.Reject(error.Value());
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  int rootfd_;
  unsigned opts_;
  std::string paths_;
  Napi::ObjectReference data_ref_;
  std::vector<struct strata_new_entry> entries_;
  int rc_ = 0;
  size_t failed_ = 0;
  const char* syscall_ = "";
  Napi::Promise::Deferred deferred_;
};

// makeEntriesInRoot(rootFd, opts, paths, meta, data): Promise<void> — paths joined by NUL;
// meta: Float64Array of kind (1 dir, 2 file), mode, uid (-1: none), gid, mtime an entry;
// data: the files' contents, in order. A failure carries the failed entry's index.
Napi::Value MakeEntriesInRoot(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 5);
  if (!info[2].IsString()) throw Napi::TypeError::New(info.Env(), "paths must be a string");
  if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) throw Napi::TypeError::New(info.Env(), "meta must be a Float64Array");
  if (!info[4].IsArray()) throw Napi::TypeError::New(info.Env(), "data must be an array");
  auto* worker = new MakeEntriesWorker(info.Env(), FdArg(info, 0), Uint32Arg(info, 1, "opts"), info[2].As<Napi::String>().Utf8Value(),
                                       info[3].As<Napi::Float64Array>(), info[4].As<Napi::Array>());
  Napi::Promise promise = worker->Promise();
  worker->Queue();  // The worker deletes itself once settled.
  return promise;
}

// mkdirInRoot(rootFd, path, mode, uid, gid, opts): { fd, created } — uid -1 keeps the owner.
Napi::Value MkdirInRoot(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 6);
  std::string path = CStringArg(info, 1, "path");
  int fd = -1;
  int created = 0;
  int rc = strata_confine_mkdirp(FdArg(info, 0), path.c_str(),
                                 static_cast<mode_t>(Uint32Arg(info, 2, "mode")),
                                 static_cast<uid_t>(Int32Arg(info, 3, "uid")),
                                 static_cast<gid_t>(Int32Arg(info, 4, "gid")),
                                 Uint32Arg(info, 5, "opts"), &fd, &created);
  if (rc < 0) throw SyscallError(info.Env(), rc, "mkdirat");
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("fd", Napi::Number::New(info.Env(), fd));
  result.Set("created", Napi::Boolean::New(info.Env(), created != 0));
  return result;
}

// removeInRoot(rootFd, path, opts): void
Napi::Value RemoveInRoot(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 3);
  std::string path = CStringArg(info, 1, "path");
  int rc = strata_confine_remove(FdArg(info, 0), path.c_str(), Uint32Arg(info, 2, "opts"));
  if (rc < 0) throw SyscallError(info.Env(), rc, "unlinkat");
  return info.Env().Undefined();
}

// hasOpenat2(): boolean | null — null until the first confined open has asked the kernel.
Napi::Value HasOpenat2(const Napi::CallbackInfo& info) {
  int has = strata_confine_has_openat2();
  if (has < 0) return info.Env().Null();
  return Napi::Boolean::New(info.Env(), has != 0);
}

// The C library's values of the confine options, for the literals in native/lib/confine.ts.
Napi::Object ConfineConstants(Napi::Env env) {
  Napi::Object constants = Napi::Object::New(env);
  constants.Set("NO_SYMLINKS", Napi::Number::New(env, STRATA_CONFINE_NO_SYMLINKS));
  constants.Set("NO_XDEV", Napi::Number::New(env, STRATA_CONFINE_NO_XDEV));
  constants.Set("FALLBACK", Napi::Number::New(env, STRATA_CONFINE_FALLBACK));
  constants.Set("O_PATH", Napi::Number::New(env, O_PATH));
  return constants;
}

// The rtnetlink calls of netattach.c on the libuv threadpool. Execute() only calls C
// (which names the failed step); OnOK() settles the promise with undefined, a boolean
// (netLinkDelete: removed or not there) or the routes (netRoutes4).
class NetWorker : public Napi::AsyncWorker {
 public:
  struct Route {
    uint32_t dst;
    int prefix;
    std::string dev;
  };
  enum class Result { kVoid, kBool, kRoutes };
  using Call = std::function<int(const char** step, std::vector<Route>* routes)>;

  NetWorker(Napi::Env env, Result result, Call call)
      : Napi::AsyncWorker(env, "strata:netlink"),
        result_(result),
        call_(std::move(call)),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override { rc_ = call_(&step_, &routes_); }

  void OnOK() override {
    Napi::Env env = Env();
    if (rc_ < 0) return deferred_.Reject(SyscallError(env, rc_, step_).Value());
    if (result_ == Result::kBool) return deferred_.Resolve(Napi::Boolean::New(env, rc_ > 0));
    if (result_ == Result::kVoid) return deferred_.Resolve(env.Undefined());
    Napi::Array out = Napi::Array::New(env, routes_.size());
    for (size_t i = 0; i < routes_.size(); i++) {
      Napi::Object route = Napi::Object::New(env);
      route.Set("dst", Napi::Number::New(env, routes_[i].dst));
      route.Set("prefix", Napi::Number::New(env, routes_[i].prefix));
      route.Set("dev", routes_[i].dev.empty() ? env.Null() : Napi::String::New(env, routes_[i].dev));
      out.Set(static_cast<uint32_t>(i), route);
    }
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Result result_;
  Call call_;
  int rc_ = 0;
  const char* step_ = "rtnetlink";
  std::vector<Route> routes_;
  Napi::Promise::Deferred deferred_;
};

Napi::Promise QueueNet(Napi::Env env, NetWorker::Result result, NetWorker::Call call) {
  auto* worker = new NetWorker(env, result, std::move(call));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

std::string StringProperty(const Napi::Object& object, const char* key) {
  Napi::Value value = object.Get(key);
  if (!value.IsString()) throw Napi::TypeError::New(object.Env(), std::string(key) + " must be a string");
  std::string text = value.As<Napi::String>().Utf8Value();
  if (text.find('\0') != std::string::npos) throw Napi::TypeError::New(object.Env(), std::string(key) + " must not contain NUL bytes");
  return text;
}

uint32_t Uint32Property(const Napi::Object& object, const char* key) {
  Napi::Value value = object.Get(key);
  if (!value.IsNumber()) throw Napi::TypeError::New(object.Env(), std::string(key) + " must be a number");
  return value.As<Napi::Number>().Uint32Value();
}

// netAttach({ netnsFile, hostVeth, peer, bridge, address, prefix, gateway }): Promise<void>
// — addresses as host-order uint32 (native/lib/netlink.ts parses the dotted form).
Napi::Value NetAttach(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 1);
  if (!info[0].IsObject()) throw Napi::TypeError::New(info.Env(), "options must be an object");
  Napi::Object options = info[0].As<Napi::Object>();
  auto file = StringProperty(options, "netnsFile");
  auto host = StringProperty(options, "hostVeth");
  auto peer = StringProperty(options, "peer");
  auto bridge = StringProperty(options, "bridge");
  uint32_t address = htonl(Uint32Property(options, "address"));
  uint32_t gateway = htonl(Uint32Property(options, "gateway"));
  int prefix = static_cast<int>(Uint32Property(options, "prefix"));
  return QueueNet(info.Env(), NetWorker::Result::kVoid, [=](const char** step, std::vector<NetWorker::Route>*) {
    struct net_attach a = {file.c_str(), host.c_str(), peer.c_str(), bridge.c_str(), address, prefix, gateway};
    return net_attach(&a, step);
  });
}

// netNetnsCreate(netnsFile): Promise<void>
Napi::Value NetNetnsCreate(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 1);
  auto file = CStringArg(info, 0, "netnsFile");
  return QueueNet(info.Env(), NetWorker::Result::kVoid, [=](const char** step, std::vector<NetWorker::Route>*) {
    return net_netns_create(file.c_str(), step);
  });
}

// netBridgeCreate(name, address, prefix): Promise<void>
Napi::Value NetBridgeCreate(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 3);
  auto name = CStringArg(info, 0, "name");
  uint32_t address = htonl(Uint32Arg(info, 1, "address"));
  int prefix = static_cast<int>(Uint32Arg(info, 2, "prefix"));
  return QueueNet(info.Env(), NetWorker::Result::kVoid, [=](const char** step, std::vector<NetWorker::Route>*) {
    return net_bridge_create(name.c_str(), address, prefix, step);
  });
}

// netLinkSetMac(name, mac: Buffer of 6): Promise<void>
Napi::Value NetLinkSetMac(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 2);
  auto name = CStringArg(info, 0, "name");
  Napi::Buffer<char> buffer = BufferArg(info, 1, "mac");
  if (buffer.Length() != 6) throw Napi::TypeError::New(info.Env(), "mac must be 6 bytes");
  std::string mac(buffer.Data(), buffer.Length());
  return QueueNet(info.Env(), NetWorker::Result::kVoid, [=](const char** step, std::vector<NetWorker::Route>*) {
    return net_link_set_mac(name.c_str(), reinterpret_cast<const unsigned char*>(mac.data()), step);
  });
}

// netLinkDelete(name, kind | null): Promise<boolean>
Napi::Value NetLinkDelete(const Napi::CallbackInfo& info) {
  ExpectArgs(info, 1);
  auto name = CStringArg(info, 0, "name");
  auto kind = OptionalCStringArg(info, 1, "kind");
  return QueueNet(info.Env(), NetWorker::Result::kBool, [=](const char** step, std::vector<NetWorker::Route>*) {
    return net_link_delete(name.c_str(), CStringOrNull(kind), step);
  });
}

void CollectRoute(void* ctx, uint32_t dst, int prefix, int oif) {
  char name[IF_NAMESIZE] = "";
  if (oif > 0 && !if_indextoname(static_cast<unsigned>(oif), name)) name[0] = '\0';
  static_cast<std::vector<NetWorker::Route>*>(ctx)->push_back({ntohl(dst), prefix, name});
}

// netRoutes4(): Promise<{ dst, prefix, dev }[]> — dst host-order, dev null without one.
Napi::Value NetRoutes4(const Napi::CallbackInfo& info) {
  return QueueNet(info.Env(), NetWorker::Result::kRoutes, [](const char** step, std::vector<NetWorker::Route>* routes) {
    return net_routes4(CollectRoute, routes, step);
  });
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("lock", Napi::Function::New(env, Lock, "lock"));
  exports.Set("tryLock", Napi::Function::New(env, TryLock, "tryLock"));
  exports.Set("unlock", Napi::Function::New(env, Unlock, "unlock"));
  exports.Set("preadBatch", Napi::Function::New(env, PreadBatch, "preadBatch"));
  exports.Set("mknod", Napi::Function::New(env, Mknod, "mknod"));
  exports.Set("lsetxattr", Napi::Function::New(env, Lsetxattr, "lsetxattr"));
  exports.Set("lgetxattr", Napi::Function::New(env, Lgetxattr, "lgetxattr"));
  exports.Set("llistxattr", Napi::Function::New(env, Llistxattr, "llistxattr"));
  exports.Set("lgetxattrAsync", Napi::Function::New(env, LgetxattrAsync, "lgetxattrAsync"));
  exports.Set("llistxattrAsync", Napi::Function::New(env, LlistxattrAsync, "llistxattrAsync"));
  exports.Set("lsetxattrAsync", Napi::Function::New(env, LsetxattrAsync, "lsetxattrAsync"));
  exports.Set("diskUsage", Napi::Function::New(env, DiskUsage, "diskUsage"));
  exports.Set("lremovexattr", Napi::Function::New(env, Lremovexattr, "lremovexattr"));
  exports.Set("mount", Napi::Function::New(env, Mount, "mount"));
  exports.Set("umount", Napi::Function::New(env, Umount, "umount"));
  exports.Set("umountAsync", Napi::Function::New(env, UmountAsync, "umountAsync"));
  exports.Set("mountDataMax", Napi::Function::New(env, MountDataMax, "mountDataMax"));
  exports.Set("pidfdOpen", Napi::Function::New(env, PidfdOpen, "pidfdOpen"));
  exports.Set("pidfdSendSignal", Napi::Function::New(env, PidfdSendSignal, "pidfdSendSignal"));
  exports.Set("spawnWait", Napi::Function::New(env, SpawnWait, "spawnWait"));
  exports.Set("peerCredentials", Napi::Function::New(env, PeerCredentials, "peerCredentials"));
  exports.Set("openInRoot", Napi::Function::New(env, OpenInRoot, "openInRoot"));
  exports.Set("openInRootAsync", Napi::Function::New(env, OpenInRootAsync, "openInRootAsync"));
  exports.Set("makeEntriesInRoot", Napi::Function::New(env, MakeEntriesInRoot, "makeEntriesInRoot"));
  exports.Set("mkdirInRoot", Napi::Function::New(env, MkdirInRoot, "mkdirInRoot"));
  exports.Set("removeInRoot", Napi::Function::New(env, RemoveInRoot, "removeInRoot"));
  exports.Set("hasOpenat2", Napi::Function::New(env, HasOpenat2, "hasOpenat2"));
  exports.Set("netAttach", Napi::Function::New(env, NetAttach, "netAttach"));
  exports.Set("netNetnsCreate", Napi::Function::New(env, NetNetnsCreate, "netNetnsCreate"));
  exports.Set("netBridgeCreate", Napi::Function::New(env, NetBridgeCreate, "netBridgeCreate"));
  exports.Set("netLinkDelete", Napi::Function::New(env, NetLinkDelete, "netLinkDelete"));
  exports.Set("netLinkSetMac", Napi::Function::New(env, NetLinkSetMac, "netLinkSetMac"));
  exports.Set("netRoutes4", Napi::Function::New(env, NetRoutes4, "netRoutes4"));
  exports.Set("constants", MountConstants(env));
  exports.Set("confineConstants", ConfineConstants(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(strata_native, Init)
