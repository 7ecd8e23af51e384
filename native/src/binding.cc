// The N-API face of fsops.c, and the only file that includes napi.h.
//
// Thin on purpose: check argument types, convert, call one fsops function, convert back.
// A failed syscall throws (or rejects with) an Error whose message is the C library's
// description and which carries `errno` (negative, like Node) and `syscall`;
// native/lib/errors.ts turns that into Node's SystemError shape.

#include <napi.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <sys/file.h>

#include "fsops.h"

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

uint32_t Uint32Arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  }
  return info[i].As<Napi::Number>().Uint32Value();
}

int FdArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), "fd must be a number");
  }
  return info[i].As<Napi::Number>().Int32Value();
}

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

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("lock", Napi::Function::New(env, Lock, "lock"));
  exports.Set("tryLock", Napi::Function::New(env, TryLock, "tryLock"));
  exports.Set("unlock", Napi::Function::New(env, Unlock, "unlock"));
  exports.Set("mknod", Napi::Function::New(env, Mknod, "mknod"));
  exports.Set("lsetxattr", Napi::Function::New(env, Lsetxattr, "lsetxattr"));
  exports.Set("lgetxattr", Napi::Function::New(env, Lgetxattr, "lgetxattr"));
  exports.Set("llistxattr", Napi::Function::New(env, Llistxattr, "llistxattr"));
  exports.Set("lremovexattr", Napi::Function::New(env, Lremovexattr, "lremovexattr"));
  return exports;
}

}  // namespace

NODE_API_MODULE(strata_native, Init)
