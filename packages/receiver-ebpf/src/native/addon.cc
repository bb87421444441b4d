// The thin native layer (DESIGN.md "The native boundary"): open, load and attach the BPF object
// with libbpf, run one poll thread on the ring buffer, and hand JavaScript whole batches of raw
// records as one Buffer through a ThreadSafeFunction. Decoding and all policy live in TypeScript.
#include <napi.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

// A batch is handed to JS when JS is free for it, or when it reaches this many bytes; the TSFN
// queue holds at most kQueue batches. When JS falls behind that far, the poll thread blocks, the
// ring fills and the kernel counts drops.
constexpr size_t kBatchBytes = 1 << 20;
// What the record callback returns to end a read when the batch is full (libbpf passes it back).
constexpr int kBatchFull = -ENOSPC;
constexpr size_t kQueue = 64;

// Payload records do not wake the poll thread until the ring is an eighth full
// (oisp_common.bpf.h, payload_wakeup): it looks this often on its own, at this nice level.
constexpr int kReadEveryMs = 5;
constexpr int kPollNice = -10;

struct Batch {
  std::vector<uint8_t> bytes;
  // Batches JS has not finished with; shared, since the last batch may be finalized after its
  // Capture is gone.
  std::shared_ptr<std::atomic<int>> in_flight;
};

class Capture : public Napi::ObjectWrap<Capture> {
 public:
  static Napi::Object Init(Napi::Env env, Napi::Object exports) {
    Napi::Function ctor = DefineClass(env, "Capture", {
      InstanceMethod("exclude", &Capture::Exclude),
      InstanceMethod("setMaxPayload", &Capture::SetMaxPayload),
      InstanceMethod("attachUprobe", &Capture::AttachUprobe),
      InstanceMethod("attachAll", &Capture::AttachAll),
      InstanceMethod("updateMap", &Capture::UpdateMap),
      InstanceMethod("deleteMapKey", &Capture::DeleteMapKey),
      InstanceMethod("start", &Capture::Start),
      InstanceMethod("sumPerCpu", &Capture::SumPerCpu),
      InstanceMethod("close", &Capture::Close),
    });
    exports.Set("Capture", ctor);
    return exports;
  }

  // new Capture(objectPath, ringBytes, shareWith?, mapNames?): opens the object, sizes the ring (a
  // power of two, in bytes), makes the named maps the very maps of the loaded Capture `shareWith`
  // (bpf_map__reuse_fd), and loads it (the verifier runs here).
  explicit Capture(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Capture>(info) {
    Napi::Env env = info.Env();
    std::string path = info[0].As<Napi::String>();
    uint32_t ring_bytes = info[1].As<Napi::Number>().Uint32Value();
    obj_ = bpf_object__open_file(path.c_str(), nullptr);
    if (!obj_ || libbpf_get_error(obj_)) {
      obj_ = nullptr;
      Napi::Error::New(env, "bpf_object__open_file " + path + ": " + std::strerror(errno)).ThrowAsJavaScriptException();
      return;
    }
    bpf_map* ring = bpf_object__find_map_by_name(obj_, "events");
    if (!ring || bpf_map__set_max_entries(ring, ring_bytes) != 0) {
      Napi::Error::New(env, "ring size " + std::to_string(ring_bytes) + ": " + std::strerror(errno)).ThrowAsJavaScriptException();
      bpf_object__close(obj_);
      obj_ = nullptr;
      return;
    }
    if (info.Length() > 3 && info[2].IsObject()) {
      Capture* other = Napi::ObjectWrap<Capture>::Unwrap(info[2].As<Napi::Object>());
      Napi::Array names = info[3].As<Napi::Array>();
      for (uint32_t i = 0; i < names.Length(); i++) {
        std::string name = names.Get(i).As<Napi::String>();
        bpf_map* map = bpf_object__find_map_by_name(obj_, name.c_str());
        int fd = other->MapFd(env, name.c_str());
        if (fd < 0 || !map || bpf_map__reuse_fd(map, fd) != 0) {
          if (!env.IsExceptionPending()) Napi::Error::New(env, "share map " + name + ": " + std::strerror(errno)).ThrowAsJavaScriptException();
          bpf_object__close(obj_);
          obj_ = nullptr;
          return;
        }
      }
    }
    // The verifier gives up with EAGAIN when a signal is pending, and a profiler's SIGPROF (node
    // --cpu-prof) arrives faster than libbpf's retries: hold signals until the load is done.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int err = bpf_object__load(obj_);
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (err != 0) {
      Napi::Error::New(env, "bpf_object__load: " + std::string(std::strerror(-err))).ThrowAsJavaScriptException();
      bpf_object__close(obj_);
      obj_ = nullptr;
    }
  }

  ~Capture() override { Stop(); }

 private:
  static int OnRecord(void* ctx, void* data, size_t size) {
    auto* self = static_cast<Capture*>(ctx);
    uint32_t len = static_cast<uint32_t>(size);
    auto& out = self->pending_;
    const uint8_t* p = reinterpret_cast<const uint8_t*>(&len);
    out.insert(out.end(), p, p + sizeof(len));
    out.insert(out.end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
    // libbpf keeps reading while producers keep writing: under load one read never ends and the
    // batch never reaches JS. A full batch stops it (this record is kept; libbpf returns our code).
    return out.size() >= kBatchBytes ? kBatchFull : 0;
  }

  int MapFd(Napi::Env env, const char* name) {
    bpf_map* map = obj_ ? bpf_object__find_map_by_name(obj_, name) : nullptr;
    if (!map) {
      Napi::Error::New(env, std::string("no map ") + name).ThrowAsJavaScriptException();
      return -1;
    }
    return bpf_map__fd(map);
  }

  // exclude(tgid): never trace this process (the collector itself).
  Napi::Value Exclude(const Napi::CallbackInfo& info) {
    int fd = MapFd(info.Env(), "excluded_tgids");
    if (fd < 0) return info.Env().Undefined();
    uint32_t tgid = info[0].As<Napi::Number>().Uint32Value();
    uint8_t one = 1;
    if (bpf_map_update_elem(fd, &tgid, &one, BPF_ANY) != 0) {
      Napi::Error::New(info.Env(), std::string("exclude: ") + std::strerror(errno)).ThrowAsJavaScriptException();
    }
    return info.Env().Undefined();
  }

  // setMaxPayload(bytes): the most copied per SSL_* call (struct oisp_settings).
  Napi::Value SetMaxPayload(const Napi::CallbackInfo& info) {
    int fd = MapFd(info.Env(), "settings");
    if (fd < 0) return info.Env().Undefined();
    uint32_t key = 0;
    uint64_t value = static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
    if (bpf_map_update_elem(fd, &key, &value, BPF_ANY) != 0) {
      Napi::Error::New(info.Env(), std::string("setMaxPayload: ") + std::strerror(errno)).ThrowAsJavaScriptException();
    }
    return info.Env().Undefined();
  }

  // attachUprobe(program, binaryPath, symbolOrOffset, retprobe, pid = -1, cookie = 0): at a symbol
  // of the file, or at a file offset (a function found by structure in a stripped binary). The
  // cookie comes back in each record the program sends from this attach point (which hooked file).
  Napi::Value AttachUprobe(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string prog_name = info[0].As<Napi::String>();
    std::string binary = info[1].As<Napi::String>();
    bool by_offset = info[2].IsNumber();
    size_t offset = by_offset ? static_cast<size_t>(info[2].As<Napi::Number>().Int64Value()) : 0;
    std::string symbol = by_offset ? "+" + std::to_string(offset) : info[2].As<Napi::String>().Utf8Value();
    bool retprobe = info[3].As<Napi::Boolean>();
    int pid = info.Length() > 4 ? info[4].As<Napi::Number>().Int32Value() : -1;
    uint64_t cookie = info.Length() > 5 ? static_cast<uint64_t>(info[5].As<Napi::Number>().Int64Value()) : 0;
    bpf_program* prog = obj_ ? bpf_object__find_program_by_name(obj_, prog_name.c_str()) : nullptr;
    if (!prog) {
      Napi::Error::New(env, "no BPF program " + prog_name).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = cookie, .retprobe = retprobe, .func_name = by_offset ? nullptr : symbol.c_str());
    bpf_link* link = bpf_program__attach_uprobe_opts(prog, pid, binary.c_str(), offset, &opts);
    if (!link || libbpf_get_error(link)) {
      Napi::Error::New(env, "attach " + prog_name + " to " + binary + ":" + symbol + ": " + std::strerror(errno)).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    links_.push_back(link);
    return env.Undefined();
  }

  // attachAll(): every program of the object at the hook its section names (tp_btf/...).
  Napi::Value AttachAll(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    bpf_program* prog;
    bpf_object__for_each_program(prog, obj_) {
      bpf_link* link = bpf_program__attach(prog);
      if (!link || libbpf_get_error(link)) {
        Napi::Error::New(env, std::string("attach ") + bpf_program__name(prog) + " (" + bpf_program__section_name(prog) + "): " + std::strerror(errno)).ThrowAsJavaScriptException();
        return env.Undefined();
      }
      links_.push_back(link);
    }
    return env.Undefined();
  }

  // updateMap(name, key: Buffer, value: Buffer): keys and values are laid out by TypeScript.
  Napi::Value UpdateMap(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string name = info[0].As<Napi::String>();
    int fd = MapFd(env, name.c_str());
    if (fd < 0) return env.Undefined();
    auto key = info[1].As<Napi::Buffer<uint8_t>>();
    auto value = info[2].As<Napi::Buffer<uint8_t>>();
    if (bpf_map_update_elem(fd, key.Data(), value.Data(), BPF_ANY) != 0) {
      Napi::Error::New(env, "update " + name + ": " + std::strerror(errno)).ThrowAsJavaScriptException();
    }
    return env.Undefined();
  }

  // deleteMapKey(name, key: Buffer): true when the key was there.
  Napi::Value DeleteMapKey(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string name = info[0].As<Napi::String>();
    int fd = MapFd(env, name.c_str());
    if (fd < 0) return env.Undefined();
    auto key = info[1].As<Napi::Buffer<uint8_t>>();
    return Napi::Boolean::New(env, bpf_map_delete_elem(fd, key.Data()) == 0);
  }

  // start(onBatch: (buffer) => void): the poll thread.
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int fd = MapFd(env, "events");
    if (fd < 0 || running_) return env.Undefined();
    rb_ = ring_buffer__new(fd, &Capture::OnRecord, this, nullptr);
    if (!rb_) {
      Napi::Error::New(env, std::string("ring_buffer__new: ") + std::strerror(errno)).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    tsfn_ = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "oisp-ebpf-poll", kQueue, 1);
    running_ = true;
    thread_ = std::thread([this] { Poll(); });
    return env.Undefined();
  }

  void Poll() {
    auto deliver = [](Napi::Env env, Napi::Function fn, Batch* batch) {
      std::shared_ptr<std::atomic<int>> in_flight = batch->in_flight;
      if (env == nullptr || fn == nullptr) {
        delete batch;
      } else {
        // The batch's bytes become the Buffer's, not copied; the finalizer frees them when JS lets
        // go (NewOrCopy copies and finalizes at once where external buffers are not allowed).
        fn.Call({Napi::Buffer<uint8_t>::NewOrCopy(env, batch->bytes.data(), batch->bytes.size(),
                                                  [](Napi::Env, uint8_t*, Batch* b) { delete b; }, batch)});
      }
      in_flight->fetch_sub(1);
    };
    // The ring's reader must run soon after it wakes, even when the traced programs, V8's GC
    // threads and JS keep every CPU busy: it uses little CPU, and a late read is lost data.
    // (Linux nice is per thread; without CAP_SYS_NICE the call fails and the default stays.)
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), kPollNice);
    while (running_) {
      // Woken by a record that asks for it, or by the clock; then what the ring holds, a batch at most.
      int n = ring_buffer__poll(rb_, kReadEveryMs);
      if (n >= 0) n = ring_buffer__consume(rb_);
      bool full = n == kBatchFull;
      if (n < 0 && !full && n != -EINTR) break;
      // While JS is busy with a batch, the next one grows (up to kBatchBytes) instead of queueing:
      // under load, fewer and larger hand-offs.
      if (pending_.empty() || (in_flight_->load() > 0 && !full)) continue;
      auto* batch = new Batch{std::move(pending_), in_flight_};
      pending_ = std::vector<uint8_t>();
      in_flight_->fetch_add(1);
      // Blocks while the queue is full: backpressure reaches the ring, whose drops are counted.
      if (tsfn_.BlockingCall(batch, deliver) != napi_ok) {
        in_flight_->fetch_sub(1);
        delete batch;
      }
    }
  }

  // sumPerCpu(map, slots): the first `slots` u64 counters of a per-CPU array, each summed over CPUs.
  Napi::Value SumPerCpu(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string name = info[0].As<Napi::String>();
    uint32_t slots = info[1].As<Napi::Number>().Uint32Value();
    int fd = MapFd(env, name.c_str());
    Napi::Array out = Napi::Array::New(env, slots);
    if (fd < 0) return out;
    int cpus = libbpf_num_possible_cpus();
    std::vector<uint64_t> values(cpus > 0 ? cpus : 1);
    for (uint32_t slot = 0; slot < slots; slot++) {
      uint64_t sum = 0;
      if (bpf_map_lookup_elem(fd, &slot, values.data()) == 0) {
        for (uint64_t v : values) sum += v;
      }
      out.Set(slot, Napi::Number::New(env, static_cast<double>(sum)));
    }
    return out;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Stop();
    return info.Env().Undefined();
  }

  void Stop() {
    if (running_) {
      running_ = false;
      tsfn_.Abort();  // unblocks a poll thread waiting on a full queue
      if (thread_.joinable()) thread_.join();
    }
    DestroyLinks();
    if (rb_) ring_buffer__free(rb_);
    rb_ = nullptr;
    if (obj_) bpf_object__close(obj_);
    obj_ = nullptr;
  }

  // Detaching a uprobe waits for the kernel to be done with it (tens of ms each, mostly waiting):
  // with dozens attached, detaching one after another made shutdown take seconds. A few threads
  // wait side by side.
  void DestroyLinks() {
    constexpr size_t kDetachThreads = 8;
    std::atomic<size_t> next{0};
    auto work = [this, &next] {
      for (size_t i = next++; i < links_.size(); i = next++) bpf_link__destroy(links_[i]);
    };
    std::vector<std::thread> threads;
    for (size_t t = 1; t < kDetachThreads && t < links_.size(); t++) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
    links_.clear();
  }

  bpf_object* obj_ = nullptr;
  ring_buffer* rb_ = nullptr;
  std::vector<bpf_link*> links_;
  std::vector<uint8_t> pending_;
  std::atomic<bool> running_{false};
  std::shared_ptr<std::atomic<int>> in_flight_ = std::make_shared<std::atomic<int>>(0);
  std::thread thread_;
  Napi::ThreadSafeFunction tsfn_;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) { return Capture::Init(env, exports); }

}  // namespace

NODE_API_MODULE(oisp_ebpf, Init)
