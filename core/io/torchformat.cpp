// torch.save zip checkpoints: a small pickle VM for reading, a pickle builder + PyTorchStreamWriter for
// writing.

#include "core/io/torchformat.h"

#include "core/io/ziparchive.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/read_adapter_interface.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

namespace qs {
namespace {

[[noreturn]] void fail(const std::string &path, const std::string &what)
{
    throw TorchFormatError(path + ": " + firstLine(what));
}

std::string hexByte(unsigned v)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", v & 0xffu);
    return buf;
}

// ---- dtypes <-> torch.*Storage names
// ------------------------------------------------------------------------

struct StorageName
{
    at::ScalarType type;
    const char *name;   // attribute of the torch module
    const char *pyName; // str(dtype) without "torch."
};

constexpr StorageName kStorageNames[] = {
    {at::kFloat, "FloatStorage", "float32"},
    {at::kDouble, "DoubleStorage", "float64"},
    {at::kHalf, "HalfStorage", "float16"},
    {at::kBFloat16, "BFloat16Storage", "bfloat16"},
    {at::kLong, "LongStorage", "int64"},
    {at::kInt, "IntStorage", "int32"},
    {at::kShort, "ShortStorage", "int16"},
    {at::kChar, "CharStorage", "int8"},
    {at::kByte, "ByteStorage", "uint8"},
    {at::kBool, "BoolStorage", "bool"},
    {at::kComplexFloat, "ComplexFloatStorage", "complex64"},
    {at::kComplexDouble, "ComplexDoubleStorage", "complex128"},
};

// torch.FloatStorage, or torch.cuda.FloatStorage as torch < 1.13 pickled GPU storages (read to the CPU, as
// torch.load(map_location='cpu') does).
const StorageName *storageByName(const std::string &qualified)
{
    for (const auto &s : kStorageNames)
        if (qualified == std::string("torch.") + s.name || qualified == std::string("torch.cuda.") + s.name)
            return &s;
    return nullptr;
}

const StorageName *storageByType(at::ScalarType t)
{
    for (const auto &s : kStorageNames)
        if (s.type == t)
            return &s;
    return nullptr;
}

// ---- pickle values
// ------------------------------------------------------------------------------------------

enum class Kind
{
    None,
    Bool,
    Int,
    Float,
    String,
    Bytes,
    List,
    Tuple,
    Set,
    Dict,
    Global,
    Object,
    Tensor,
    Storage
};

struct Value;
using ValuePtr = std::shared_ptr<Value>;

struct Value
{
    explicit Value(Kind k) : kind(k) {}
    Kind kind;
    bool b = false;
    int64_t i = 0;
    double f = 0;
    std::string s;               // String, Bytes; Global/Object: "module.name"; Storage: key
    std::vector<ValuePtr> items; // List, Tuple, Set; Object: args then BUILD state
    std::vector<std::pair<ValuePtr, ValuePtr>> entries;  // Dict (insertion order); Object: SETITEMS
    ValuePtr state;                                      // Dict: its BUILD state (an OrderedDict's _metadata)
    std::unordered_map<std::string, size_t> stringIndex; // Dict: string key -> entries index
    at::Tensor tensor;                                   // Tensor; Storage: the 1-D typed storage
};

void dictSet(Value &d, ValuePtr key, ValuePtr value)
{
    if (key->kind == Kind::String) {
        auto it = d.stringIndex.find(key->s);
        if (it != d.stringIndex.end()) {
            d.entries[it->second].second = std::move(value);
            return;
        }
        d.stringIndex.emplace(key->s, d.entries.size());
    }
    d.entries.emplace_back(std::move(key), std::move(value));
}

const Value *dictGet(const Value &d, const std::string &key)
{
    auto it = d.stringIndex.find(key);
    return it == d.stringIndex.end() ? nullptr : d.entries[it->second].second.get();
}

std::string floatText(double v)
{
    if (std::isnan(v))
        return "nan";
    if (std::isinf(v))
        return v > 0 ? "inf" : "-inf";
    char buf[40];
    for (int prec = 1; prec <= 17; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (std::strtod(buf, nullptr) == v)
            break;
    }
    std::string s = buf;
    if (s.find_first_of(".eEn") == std::string::npos)
        s += ".0"; // Python prints 1.0, not 1
    return s;
}

std::string dtypeText(at::ScalarType t)
{
    const auto *s = storageByType(t);
    return s ? s->pyName : std::string(c10::toString(t));
}

// Python-like text of a value, depth and length limited (pickles may hold cycles through the memo).
void reprInto(const Value &v, std::string &out, int depth, bool quoteStrings)
{
    constexpr size_t kMaxText = 4096;
    if (out.size() > kMaxText)
        return;
    if (depth > 24) {
        out += "...";
        return;
    }
    auto seq = [&](const std::vector<ValuePtr> &items, const char *open, const char *close) {
        out += open;
        for (size_t k = 0; k < items.size(); ++k) {
            if (k)
                out += ", ";
            if (out.size() > kMaxText)
                return;
            reprInto(*items[k], out, depth + 1, true);
        }
        out += close;
    };
    switch (v.kind) {
    case Kind::None:
        out += "None";
        break;
    case Kind::Bool:
        out += v.b ? "True" : "False";
        break;
    case Kind::Int:
        out += std::to_string(v.i);
        break;
    case Kind::Float:
        out += floatText(v.f);
        break;
    case Kind::String:
        out += quoteStrings ? "'" + v.s + "'" : v.s;
        break;
    case Kind::Bytes:
        out += "b<" + std::to_string(v.s.size()) + " bytes>";
        break;
    case Kind::List:
        seq(v.items, "[", "]");
        break;
    case Kind::Tuple:
        seq(v.items, "(", v.items.size() == 1 ? ",)" : ")");
        break;
    case Kind::Set:
        seq(v.items, "{", "}");
        break;
    case Kind::Dict:
        out += "{";
        for (size_t k = 0; k < v.entries.size(); ++k) {
            if (k)
                out += ", ";
            if (out.size() > kMaxText)
                break;
            reprInto(*v.entries[k].first, out, depth + 1, true);
            out += ": ";
            reprInto(*v.entries[k].second, out, depth + 1, true);
        }
        out += "}";
        break;
    case Kind::Global:
        out += v.s;
        break;
    case Kind::Object:
        out += "<" + v.s + " object>";
        break;
    case Kind::Tensor: {
        out += "tensor(" + dtypeText(v.tensor.scalar_type()) + ", [";
        for (int64_t d = 0; d < v.tensor.dim(); ++d)
            out += (d ? ", " : "") + std::to_string(v.tensor.size(d));
        out += "])";
        break;
    }
    case Kind::Storage:
        out += "<storage " + v.s + ">";
        break;
    }
    if (depth == 0 && out.size() > kMaxText) {
        out.resize(kMaxText);
        out += "...";
    }
}

std::string repr(const Value &v, bool quoteStrings = true)
{
    std::string out;
    reprInto(v, out, 0, quoteStrings);
    return out;
}

std::string kindName(const Value &v)
{
    switch (v.kind) {
    case Kind::None:
        return "None";
    case Kind::Bool:
        return "bool";
    case Kind::Int:
        return "int";
    case Kind::Float:
        return "float";
    case Kind::String:
        return "str";
    case Kind::Bytes:
        return "bytes";
    case Kind::List:
        return "list";
    case Kind::Tuple:
        return "tuple";
    case Kind::Set:
        return "set";
    case Kind::Dict:
        return "dict";
    case Kind::Global:
        return "global " + v.s;
    case Kind::Object:
        return v.s + " object";
    case Kind::Tensor:
        return "tensor";
    case Kind::Storage:
        return "storage";
    }
    return "value";
}

// ---- the pickle VM
// ------------------------------------------------------------------------------------------

using StorageLoader = std::function<at::Tensor(const std::string &key, at::ScalarType type, int64_t numel)>;

// One pickle: data.pkl of a zip archive, or one of the pickles of the legacy stream (which starts at `data`
// and may be followed by more bytes: consumed() says where it stopped). Storages come from `loader`; tensors
// are checked against their storage's size. `pickleName` and `storageLabel` ("data/", "constants/", "" for
// the legacy stream's keys) only name things in messages.
class Unpickler
{
public:
    Unpickler(const std::string &path, const uint8_t *data, size_t size, StorageLoader loader,
              std::string pickleName = "data.pkl", std::string storageLabel = "data/")
        : path_(path), p_(data), n_(size), loader_(std::move(loader)), pickleName_(std::move(pickleName)),
          storageLabel_(std::move(storageLabel))
    {}

    ~Unpickler()
    {
        // Every value dies here, flat: deep nesting cannot overflow the stack in recursive shared_ptr
        // destructors, and memo cycles (a list holding itself) are broken instead of leaked.
        for (auto &v : all_) {
            v->items.clear();
            v->entries.clear();
            v->state.reset();
        }
    }
    Unpickler(const Unpickler &) = delete;
    Unpickler &operator=(const Unpickler &) = delete;

    ValuePtr run();
    size_t consumed() const { return pos_; }

private:
    ValuePtr make(Kind k)
    {
        all_.push_back(std::make_shared<Value>(k));
        return all_.back();
    }

    [[noreturn]] void bad(const std::string &what) const
    {
        fail(path_,
             "malformed pickle in " + pickleName_ + " at byte " + std::to_string(opStart_) + ": " + what);
    }
    void need(size_t k) const
    {
        if (n_ - pos_ < k)
            fail(path_, "truncated pickle: " + pickleName_ + " ends inside the opcode at byte " +
                            std::to_string(opStart_));
    }
    uint8_t u8()
    {
        need(1);
        return p_[pos_++];
    }
    uint64_t uleN(size_t k)
    {
        need(k);
        uint64_t v = 0;
        for (size_t j = 0; j < k; ++j)
            v |= uint64_t(p_[pos_ + j]) << (8 * j);
        pos_ += k;
        return v;
    }
    std::string bytes(uint64_t len)
    {
        if (len > n_ - pos_)
            fail(path_, "truncated pickle: " + pickleName_ + " ends inside the string at byte " +
                            std::to_string(opStart_));
        std::string s(reinterpret_cast<const char *>(p_ + pos_), size_t(len));
        pos_ += size_t(len);
        return s;
    }
    std::string line()
    {
        const size_t start = pos_;
        while (pos_ < n_ && p_[pos_] != '\n')
            ++pos_;
        if (pos_ >= n_)
            fail(path_, "truncated pickle: " + pickleName_ + " ends inside GLOBAL at byte " +
                            std::to_string(opStart_));
        std::string s(reinterpret_cast<const char *>(p_ + start), pos_ - start);
        ++pos_;
        return s;
    }

    void push(ValuePtr v) { stack_.push_back(std::move(v)); }
    ValuePtr pop()
    {
        if (stack_.size() <= floor())
            bad("stack underflow");
        ValuePtr v = std::move(stack_.back());
        stack_.pop_back();
        return v;
    }
    Value &top()
    {
        if (stack_.size() <= floor())
            bad("stack underflow");
        return *stack_.back();
    }
    size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
    std::vector<ValuePtr> popMark()
    {
        if (marks_.empty())
            bad("no MARK on the stack");
        const size_t k = marks_.back();
        marks_.pop_back();
        std::vector<ValuePtr> items(std::make_move_iterator(stack_.begin() + std::ptrdiff_t(k)),
                                    std::make_move_iterator(stack_.end()));
        stack_.resize(k);
        return items;
    }
    ValuePtr memoGet(uint64_t idx)
    {
        auto it = memo_.find(idx);
        if (it == memo_.end())
            bad("memo entry " + std::to_string(idx) + " was never stored");
        return it->second;
    }
    void memoPut(uint64_t idx)
    {
        if (stack_.empty())
            bad("memo store on an empty stack");
        memo_[idx] = stack_.back();
    }

    ValuePtr tuple(std::vector<ValuePtr> items)
    {
        auto t = make(Kind::Tuple);
        t->items = std::move(items);
        return t;
    }
    ValuePtr integer(int64_t v)
    {
        auto x = make(Kind::Int);
        x->i = v;
        return x;
    }
    ValuePtr longInt(const std::string &b);
    ValuePtr call(const ValuePtr &callable, const ValuePtr &args);
    ValuePtr persistentLoad(const ValuePtr &pid);
    ValuePtr rebuildTensor(const std::vector<ValuePtr> &args, const std::string &fn);
    std::vector<int64_t> intTuple(const Value &v, const char *what);

    const std::string &path_;
    const uint8_t *p_;
    size_t n_;
    size_t pos_ = 0;
    size_t opStart_ = 0;
    StorageLoader loader_;
    std::string pickleName_, storageLabel_;
    std::vector<ValuePtr> stack_;
    std::vector<size_t> marks_;
    std::unordered_map<uint64_t, ValuePtr> memo_;
    std::vector<ValuePtr> all_; // declared last: destroyed first, after ~Unpickler cleared the links
};

ValuePtr Unpickler::longInt(const std::string &b)
{
    if (b.empty())
        return integer(0);
    if (b.size() <= 8) {
        uint64_t v = 0;
        for (size_t j = 0; j < b.size(); ++j)
            v |= uint64_t(uint8_t(b[j])) << (8 * j);
        if (b.size() < 8 && (uint8_t(b.back()) & 0x80))
            v |= ~uint64_t(0) << (8 * b.size()); // sign-extend
        return integer(int64_t(v));
    }
    // Wider than int64: keep an approximation (only metadata can hold such numbers).
    double v = 0;
    for (size_t j = b.size(); j-- > 0;)
        v = v * 256 + uint8_t(b[j]);
    if (uint8_t(b.back()) & 0x80)
        v -= std::ldexp(1.0, int(8 * b.size()));
    auto x = make(Kind::Float);
    x->f = v;
    x->s = b; // the exact bytes, for the legacy format's magic number
    return x;
}

std::vector<int64_t> Unpickler::intTuple(const Value &v, const char *what)
{
    if (v.kind != Kind::Tuple && v.kind != Kind::List)
        bad(std::string("tensor ") + what + " is a " + kindName(v) + ", not a tuple");
    std::vector<int64_t> out;
    for (const auto &e : v.items) {
        if (e->kind != Kind::Int)
            bad(std::string("tensor ") + what + " holds a " + kindName(*e) + ", not an int");
        out.push_back(e->i);
    }
    return out;
}

ValuePtr Unpickler::persistentLoad(const ValuePtr &pid)
{
    // Zip: ('storage', type, key, location, numel). Legacy: the same and view_metadata, None or (view_key,
    // offset, numel) for a storage view of torch < 1.0 (elements of the root storage).
    const auto &it = pid->items;
    if (pid->kind != Kind::Tuple || (it.size() != 5 && it.size() != 6) || it[0]->kind != Kind::String ||
        it[0]->s != "storage")
        bad("persistent id is not ('storage', type, key, location, numel[, view])");
    if (it[1]->kind != Kind::Global)
        bad("storage type is not a class");
    const auto *st = storageByName(it[1]->s);
    if (!st)
        fail(path_, "unsupported storage type " + it[1]->s);
    if (it[2]->kind != Kind::String)
        bad("storage key is not a string");
    if (it[4]->kind != Kind::Int || it[4]->i < 0)
        bad("storage size is not a non-negative int");
    auto s = make(Kind::Storage);
    s->s = it[2]->s;
    s->tensor = loader_(it[2]->s, st->type, it[4]->i);
    if (it.size() == 6 && it[5]->kind != Kind::None) {
        const auto &view = it[5]->items;
        if (it[5]->kind != Kind::Tuple || view.size() != 3 || view[0]->kind != Kind::String ||
            view[1]->kind != Kind::Int || view[2]->kind != Kind::Int)
            bad("storage view is not (key, offset, numel)");
        const int64_t offset = view[1]->i, numel = view[2]->i, rootNumel = s->tensor.numel();
        if (offset < 0 || numel < 0 || offset > rootNumel || numel > rootNumel - offset)
            fail(path_, "storage " + storageLabel_ + it[2]->s + " has " + std::to_string(rootNumel) +
                            " elements, too short for its view " + view[0]->s + " of " +
                            std::to_string(numel) + " elements at " + std::to_string(offset));
        s->s = view[0]->s;
        s->tensor = s->tensor.narrow(0, offset, numel);
    }
    return s;
}

ValuePtr Unpickler::rebuildTensor(const std::vector<ValuePtr> &args, const std::string &fn)
{
    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    // _rebuild_tensor(storage, storage_offset, size, stride)
    if (args.size() < 4)
        bad(fn + " called with " + std::to_string(args.size()) + " arguments");
    if (args[0]->kind != Kind::Storage)
        bad(fn + ": first argument is a " + kindName(*args[0]) + ", not a storage");
    if (args[1]->kind != Kind::Int)
        bad(fn + ": storage offset is not an int");
    const at::Tensor &storage = args[0]->tensor;
    const int64_t numel = storage.numel();
    const int64_t offset = args[1]->i;
    const auto size = intTuple(*args[2], "size");
    const auto stride = intTuple(*args[3], "stride");
    const std::string where = "storage " + storageLabel_ + args[0]->s;
    if (size.size() != stride.size())
        bad(fn + ": size and stride have different lengths");
    if (size.size() > 64)
        bad(fn + ": " + std::to_string(size.size()) + " dimensions");
    if (offset < 0 || offset > numel)
        fail(path_, where + " has " + std::to_string(numel) + " elements, too short for storage offset " +
                        std::to_string(offset));
    bool empty = false;
    for (size_t d = 0; d < size.size(); ++d) {
        if (size[d] < 0 || stride[d] < 0)
            bad(fn + ": negative size or stride");
        empty = empty || size[d] == 0;
    }
    if (!empty) {
        // Largest element index, overflow-checked: it must lie inside the storage.
        int64_t last = offset;
        for (size_t d = 0; d < size.size(); ++d) {
            int64_t span = 0;
            if (__builtin_mul_overflow(size[d] - 1, stride[d], &span) ||
                __builtin_add_overflow(last, span, &last))
                fail(path_, where + " is too short for the tensor's size/stride (index overflow)");
        }
        if (last >= numel)
            fail(path_, where + " has " + std::to_string(numel) +
                            " elements, too short for a tensor reaching element " + std::to_string(last));
    }
    auto t = make(Kind::Tensor);
    t->tensor = storage.as_strided(size, stride, storage.storage_offset() + offset); // a legacy view's own
    return t;
}

ValuePtr Unpickler::call(const ValuePtr &callable, const ValuePtr &args)
{
    if (args->kind != Kind::Tuple)
        bad("REDUCE arguments are a " + kindName(*args) + ", not a tuple");
    const auto &a = args->items;
    const std::string name = callable->kind == Kind::Global ? callable->s : std::string();
    if (name == "collections.OrderedDict" || name == "builtins.dict" || name == "__builtin__.dict") {
        auto d = make(Kind::Dict);
        if (!a.empty() && (a[0]->kind == Kind::List || a[0]->kind == Kind::Tuple)) {
            for (const auto &pair : a[0]->items) {
                if ((pair->kind != Kind::Tuple && pair->kind != Kind::List) || pair->items.size() != 2)
                    bad("OrderedDict item is not a (key, value) pair");
                dictSet(*d, pair->items[0], pair->items[1]);
            }
        }
        return d;
    }
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor")
        return rebuildTensor(a, name);
    if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") {
        if (a.empty() || a[0]->kind != Kind::Tensor)
            bad(name + ": first argument is not a tensor");
        return a[0];
    }
    if (name == "torch._tensor._rebuild_from_type_v2" || name == "torch._tensor._rebuild_from_type") {
        // (func, type, args, state): plain Tensor/Parameter subclasses rebuild through func(*args).
        if (a.size() >= 3 && a[0]->kind == Kind::Global && a[2]->kind == Kind::Tuple)
            return call(a[0], a[2]);
        bad(name + " with unexpected arguments");
    }
    if (name == "torch.Size") {
        if (a.size() != 1 || (a[0]->kind != Kind::Tuple && a[0]->kind != Kind::List))
            bad("torch.Size with unexpected arguments");
        return tuple(a[0]->items);
    }
    if (name == "builtins.set" || name == "builtins.frozenset" || name == "__builtin__.set" ||
        name == "__builtin__.frozenset") {
        auto s = make(Kind::Set);
        if (!a.empty() && (a[0]->kind == Kind::List || a[0]->kind == Kind::Tuple))
            s->items = a[0]->items;
        return s;
    }
    // Anything else stays opaque; only an error where a tensor is expected.
    auto o = make(Kind::Object);
    o->s = name.empty() ? "<" + kindName(*callable) + ">" : name;
    o->items = a;
    return o;
}

ValuePtr Unpickler::run()
{
    for (;;) {
        if (pos_ >= n_)
            fail(path_, "truncated pickle: " + pickleName_ + " ends at byte " + std::to_string(n_) +
                            " without STOP");
        opStart_ = pos_;
        const uint8_t op = p_[pos_++];
        switch (op) {
        case 0x80: { // PROTO
            const unsigned v = u8();
            if (v > 5)
                bad("unsupported pickle protocol " + std::to_string(v));
            break;
        }
        case 0x95:
            uleN(8);
            break;  // FRAME: the length is only a hint
        case '.': { // STOP
            if (stack_.size() != 1 || !marks_.empty())
                bad("STOP with " + std::to_string(stack_.size()) + " values on the stack");
            return stack_.back();
        }
        case '}':
            push(make(Kind::Dict));
            break;
        case ']':
            push(make(Kind::List));
            break;
        case ')':
            push(make(Kind::Tuple));
            break;
        case 0x8f:
            push(make(Kind::Set));
            break; // EMPTY_SET
        case '(':
            marks_.push_back(stack_.size());
            break;
        case '0':
            pop();
            break; // POP
        case '1':
            popMark();
            break;  // POP_MARK
        case '2': { // DUP
            ValuePtr v = pop();
            push(v);
            push(v);
            break;
        }
        case 'N':
            push(make(Kind::None));
            break;
        case 0x88:
        case 0x89: {
            auto b = make(Kind::Bool);
            b->b = op == 0x88;
            push(b);
            break;
        }
        case 'J':
            push(integer(int32_t(uint32_t(uleN(4)))));
            break; // BININT
        case 'K':
            push(integer(int64_t(uleN(1))));
            break; // BININT1
        case 'M':
            push(integer(int64_t(uleN(2))));
            break; // BININT2
        case 0x8a:
            push(longInt(bytes(uleN(1))));
            break;   // LONG1
        case 0x8b: { // LONG4
            const int32_t len = int32_t(uint32_t(uleN(4)));
            if (len < 0)
                bad("negative LONG4 length");
            push(longInt(bytes(uint64_t(len))));
            break;
        }
        case 'G': { // BINFLOAT: big-endian double
            need(8);
            uint64_t bits = 0;
            for (int j = 0; j < 8; ++j)
                bits = (bits << 8) | p_[pos_ + size_t(j)];
            pos_ += 8;
            auto f = make(Kind::Float);
            std::memcpy(&f->f, &bits, 8);
            push(f);
            break;
        }
        case 'X':  // BINUNICODE
        case 0x8c: // SHORT_BINUNICODE
        case 0x8d: // BINUNICODE8
        case 'T':  // BINSTRING
        case 'U':  // SHORT_BINSTRING
        case 'B':  // BINBYTES
        case 'C':  // SHORT_BINBYTES
        case 0x8e: // BINBYTES8
        {
            const size_t lenBytes = (op == 0x8c || op == 'U' || op == 'C') ? 1
                                    : (op == 0x8d || op == 0x8e)           ? 8
                                                                           : 4;
            uint64_t len = uleN(lenBytes);
            if (op == 'T' && int32_t(uint32_t(len)) < 0)
                bad("negative BINSTRING length");
            auto s = make(op == 'B' || op == 'C' || op == 0x8e ? Kind::Bytes : Kind::String);
            s->s = bytes(len);
            push(s);
            break;
        }
        case 0x85:
            push(tuple({pop()}));
            break;   // TUPLE1
        case 0x86: { // TUPLE2
            auto b = pop(), a = pop();
            push(tuple({a, b}));
            break;
        }
        case 0x87: { // TUPLE3
            auto c = pop(), b = pop(), a = pop();
            push(tuple({a, b, c}));
            break;
        }
        case 't':
            push(tuple(popMark()));
            break;
        case 'l': {
            auto l = make(Kind::List);
            l->items = popMark();
            push(l);
            break;
        }
        case 'd': {
            auto items = popMark();
            if (items.size() % 2)
                bad("DICT with an odd number of items");
            auto d = make(Kind::Dict);
            for (size_t k = 0; k < items.size(); k += 2)
                dictSet(*d, items[k], items[k + 1]);
            push(d);
            break;
        }
        case 'a': { // APPEND
            auto v = pop();
            Value &l = top();
            if (l.kind != Kind::List && l.kind != Kind::Object)
                bad("APPEND to a " + kindName(l));
            l.items.push_back(std::move(v));
            break;
        }
        case 'e':    // APPENDS
        case 0x90: { // ADDITEMS
            auto items = popMark();
            Value &l = top();
            if (l.kind != Kind::List && l.kind != Kind::Set && l.kind != Kind::Object)
                bad(std::string(op == 'e' ? "APPENDS" : "ADDITEMS") + " to a " + kindName(l));
            for (auto &v : items)
                l.items.push_back(std::move(v));
            break;
        }
        case 0x91: { // FROZENSET
            auto s = make(Kind::Set);
            s->items = popMark();
            push(s);
            break;
        }
        case 's': { // SETITEM
            auto v = pop(), k = pop();
            Value &d = top();
            if (d.kind == Kind::Dict)
                dictSet(d, std::move(k), std::move(v));
            else if (d.kind == Kind::Object)
                d.entries.emplace_back(std::move(k), std::move(v));
            else
                bad("SETITEM on a " + kindName(d));
            break;
        }
        case 'u': { // SETITEMS
            auto items = popMark();
            if (items.size() % 2)
                bad("SETITEMS with an odd number of items");
            Value &d = top();
            if (d.kind != Kind::Dict && d.kind != Kind::Object)
                bad("SETITEMS on a " + kindName(d));
            for (size_t k = 0; k < items.size(); k += 2) {
                if (d.kind == Kind::Dict)
                    dictSet(d, items[k], items[k + 1]);
                else
                    d.entries.emplace_back(items[k], items[k + 1]);
            }
            break;
        }
        case 'c': { // GLOBAL
            const std::string module = line();
            const std::string name = line();
            auto g = make(Kind::Global);
            g->s = module + "." + name;
            push(g);
            break;
        }
        case 0x93: { // STACK_GLOBAL
            auto name = pop(), module = pop();
            if (name->kind != Kind::String || module->kind != Kind::String)
                bad("STACK_GLOBAL names are not strings");
            auto g = make(Kind::Global);
            g->s = module->s + "." + name->s;
            push(g);
            break;
        }
        case 'R': { // REDUCE
            auto args = pop(), callable = pop();
            push(call(callable, args));
            break;
        }
        case 0x81: { // NEWOBJ
            auto args = pop(), cls = pop();
            if (cls->kind == Kind::Global && cls->s == "collections.OrderedDict") {
                push(make(Kind::Dict));
            } else {
                auto o = make(Kind::Object);
                o->s = cls->kind == Kind::Global ? cls->s : "<" + kindName(*cls) + ">";
                o->items = args->items;
                push(o);
            }
            break;
        }
        case 0x92: { // NEWOBJ_EX
            pop();   // kwargs
            auto args = pop(), cls = pop();
            auto o = make(Kind::Object);
            o->s = cls->kind == Kind::Global ? cls->s : "<" + kindName(*cls) + ">";
            o->items = args->items;
            push(o);
            break;
        }
        case 'b': { // BUILD: an OrderedDict's state holds its _metadata attribute; tensors' state is ignored
            auto state = pop();
            Value &obj = top();
            if (obj.kind == Kind::Object)
                obj.items.push_back(std::move(state));
            else if (obj.kind == Kind::Dict)
                obj.state = std::move(state);
            break;
        }
        case 'q':
            memoPut(uleN(1));
            break; // BINPUT
        case 'r':
            memoPut(uleN(4));
            break; // LONG_BINPUT
        case 0x94:
            memoPut(uint64_t(memo_.size()));
            break; // MEMOIZE
        case 'h':
            push(memoGet(uleN(1)));
            break; // BINGET
        case 'j':
            push(memoGet(uleN(4)));
            break; // LONG_BINGET
        case 'Q':
            push(persistentLoad(pop()));
            break; // BINPERSID
        default:
            fail(path_, "unknown pickle opcode " + hexByte(op) + " in " + pickleName_ + " at byte " +
                            std::to_string(opStart_));
        }
    }
}

// ---- choosing the state dict
// --------------------------------------------------------------------------------

bool isTorchObject(const Value &v)
{
    return v.kind == Kind::Object && v.s.rfind("torch.", 0) == 0;
}

// What _NormBase._load_from_state_dict does: a normalization layer with running statistics whose
// num_batches_tracked is absent and whose version is None or < 2 (it predates the counter, torch < 0.4.1)
// gets a 0-dim int64 0. A layer is recognized by its running_mean and running_var.
void fillNormCounters(StateDict &sd)
{
    std::set<std::string> names;
    for (const auto &t : sd.tensors)
        names.insert(t.name);
    const std::string var = "running_var";
    for (size_t k = 0; k < sd.tensors.size(); ++k) {
        const std::string name = sd.tensors[k].name;
        if (name.size() < var.size() || name.compare(name.size() - var.size(), var.size(), var) != 0)
            continue;
        const std::string prefix = name.substr(0, name.size() - var.size()); // "bn1." or ""
        if (!names.count(prefix + "running_mean") || names.count(prefix + "num_batches_tracked"))
            continue;
        const std::string module = prefix.empty() ? prefix : prefix.substr(0, prefix.size() - 1);
        const auto version = sd.moduleVersions.find(module);
        if (version != sd.moduleVersions.end() && version->second >= 2)
            continue; // a layer that had the counter and lost it: reported missing, as PyTorch does
        const std::string counter = prefix + "num_batches_tracked";
        sd.tensors.insert(sd.tensors.begin() + std::ptrdiff_t(k) + 1,
                          NamedTensor{counter, at::zeros({}, at::TensorOptions().dtype(at::kLong))});
        sd.defaultedCounters.push_back(counter);
        names.insert(counter);
        ++k;
    }
}

StateDict extractStateDict(const std::string &path, const Value &root)
{
    StateDict out;
    if (root.kind == Kind::Tensor)
        fail(path, "the file holds a single tensor, not a state dict");
    if (root.kind == Kind::Object)
        fail(path,
             "the file holds a pickled " + root.s + " object, not a state dict (save model.state_dict())");
    if (root.kind != Kind::Dict)
        fail(path, "the file holds a " + kindName(root) + ", not a state dict");

    const Value *sd = &root;
    std::string sdKey;
    for (const char *key : {"state_dict", "model", "net"}) {
        const Value *v = dictGet(root, key);
        if (!v)
            continue;
        if (v->kind == Kind::Object)
            fail(path, std::string("entry '") + key + "' holds a pickled " + v->s +
                           " object, not a state dict (save model.state_dict())");
        if (v->kind == Kind::Dict) {
            sd = v;
            sdKey = key;
            break;
        }
    }
    if (sd != &root) {
        for (const auto &[k, v] : root.entries) {
            if (k->kind == Kind::String && k->s == sdKey)
                continue;
            out.metadata.emplace_back(repr(*k, false), repr(*v, false));
        }
    }
    for (const auto &[k, v] : sd->entries) {
        const std::string key = repr(*k, false);
        if (v->kind == Kind::Tensor)
            out.tensors.push_back({key, v->tensor});
        else if (isTorchObject(*v))
            fail(path, "entry '" + key + "' is a " + v->s +
                           " object where a tensor should be (unsupported tensor kind)");
        else
            out.metadata.emplace_back(key, repr(*v, false));
    }
    if (out.tensors.empty()) {
        std::string keys;
        for (const auto &[k, v] : root.entries)
            keys += (keys.empty() ? "" : ", ") + repr(*k, false);
        fail(path,
             "no tensors found in the checkpoint (top-level keys: " + (keys.empty() ? "none" : keys) + ")");
    }
    const std::string prefix = "module.";
    bool allPrefixed = true;
    for (const auto &t : out.tensors)
        allPrefixed = allPrefixed && t.name.compare(0, prefix.size(), prefix) == 0;
    if (allPrefixed)
        for (auto &t : out.tensors)
            t.name.erase(0, prefix.size());

    // _metadata: {prefix: {'version': N, ...}}, the prefixes as the file spells them ("module.bn1").
    const Value *meta =
        sd->state && sd->state->kind == Kind::Dict ? dictGet(*sd->state, "_metadata") : nullptr;
    if (meta && meta->kind == Kind::Dict) {
        out.hasModuleVersions = true;
        for (const auto &[k, v] : meta->entries) {
            const Value *version = v->kind == Kind::Dict ? dictGet(*v, "version") : nullptr;
            if (k->kind != Kind::String || !version || version->kind != Kind::Int)
                continue;
            std::string module = k->s;
            if (allPrefixed && (module == "module" || module.compare(0, prefix.size(), prefix) == 0))
                module.erase(0, std::min(module.size(), prefix.size()));
            out.moduleVersions[module] = version->i;
        }
    }
    fillNormCounters(out);
    return out;
}

// ---- containers
// -------------------------------------------------------------------------------------------------

// Storages of a zip archive: record DIR/KEY holding at least numel elements. Copied out of the archive for
// reading; for verification only, a view of the archive's bytes.
class ZipStorages
{
public:
    ZipStorages(const ZipArchive &zip, std::string dir, bool copy)
        : zip_(zip), dir_(std::move(dir)), copy_(copy)
    {}

    at::Tensor operator()(const std::string &key, at::ScalarType type, int64_t numel)
    {
        auto it = storages_.find(key);
        if (it != storages_.end()) {
            if (it->second.first != type)
                fail(zip_.path(), "storage " + dir_ + key + " is used with two dtypes");
            return it->second.second;
        }
        const std::string record = dir_ + key;
        if (key.empty() || key.find("..") != std::string::npos || !zip_.has(record))
            fail(zip_.path(), "storage record " + record + " is missing");
        const std::string_view bytes = zip_.record(record);
        const size_t elem = c10::elementSize(type);
        if (uint64_t(numel) > bytes.size() / elem)
            fail(zip_.path(), "storage record " + zip_.storedName(record) + " has " +
                                  std::to_string(bytes.size()) + " bytes, too short for " +
                                  std::to_string(numel) + " elements of " + dtypeText(type));
        at::Tensor t;
        if (copy_) {
            t = at::empty({numel}, at::TensorOptions().dtype(type));
            if (numel > 0)
                std::memcpy(t.data_ptr(), bytes.data(), size_t(numel) * elem);
        } else {
            t = at::from_blob(const_cast<char *>(bytes.data()), {numel}, at::TensorOptions().dtype(type));
        }
        storages_.emplace(key, std::make_pair(type, t));
        return t;
    }

private:
    const ZipArchive &zip_;
    std::string dir_;
    bool copy_;
    std::map<std::string, std::pair<at::ScalarType, at::Tensor>> storages_;
};

// The archive's bytes as LibTorch's readers take them, without a copy.
class MemoryReadAdapter : public caffe2::serialize::ReadAdapterInterface
{
public:
    explicit MemoryReadAdapter(std::shared_ptr<const std::string> bytes) : bytes_(std::move(bytes)) {}
    size_t size() const override { return bytes_->size(); }
    size_t read(uint64_t pos, void *buf, size_t n, const char *) const override
    {
        if (pos >= bytes_->size())
            return 0;
        n = std::min<size_t>(n, bytes_->size() - size_t(pos));
        std::memcpy(buf, bytes_->data() + pos, n);
        return n;
    }

private:
    std::shared_ptr<const std::string> bytes_;
};

bool isTorchScript(const ZipArchive &zip)
{
    if (zip.has("constants.pkl"))
        return true;
    for (const auto &name : zip.names())
        if (name.rfind("code/", 0) == 0)
            return true;
    return false;
}

// A torch.jit.save archive: LibTorch loads the module (its code included); we take its parameters and buffers
// in state_dict order (a module's own, then its children's, depth first).
StateDict readTorchScript(const ZipArchive &zip)
{
    verifyArchiveTensors(zip);
    torch::jit::Module module;
    try {
        module =
            torch::jit::load(std::make_shared<MemoryReadAdapter>(zip.sharedBytes()), c10::Device(at::kCPU));
    } catch (const c10::Error &e) {
        fail(zip.path(), "cannot load the TorchScript module: " + firstLine(e.what_without_backtrace()));
    }
    StateDict out;
    out.container = "torchscript";
    for (const auto &sub : module.named_modules()) {
        const std::string prefix = sub.name.empty() ? std::string() : sub.name + ".";
        for (const auto &p : sub.value.named_parameters(/*recurse=*/false))
            out.tensors.push_back({prefix + p.name, p.value.detach()});
        for (const auto &b : sub.value.named_buffers(/*recurse=*/false))
            out.tensors.push_back({prefix + b.name, b.value.detach()});
    }
    if (out.tensors.empty())
        fail(zip.path(), "the TorchScript module has no parameters or buffers");
    return out;
}

StateDict readZip(const std::string &path, std::shared_ptr<const std::string> bytes)
{
    const ZipArchive zip(path, std::move(bytes));
    if (isTorchScript(zip))
        return readTorchScript(zip);
    if (zip.has("byteorder")) {
        const std::string order(zip.record("byteorder"));
        if (order != "little")
            fail(path, "storages are stored in '" + order + "' byte order; only little-endian is supported");
    }
    if (!zip.has("data.pkl"))
        fail(path, "no data.pkl record in the archive (not a torch.save checkpoint)");
    const std::string_view pkl = zip.record("data.pkl");
    ZipStorages storages(zip, "data/", /*copy=*/true);
    Unpickler vm(path, reinterpret_cast<const uint8_t *>(pkl.data()), pkl.size(), std::ref(storages));
    const ValuePtr root = vm.run();
    StateDict out = extractStateDict(path, *root);
    out.container = "zip";
    return out;
}

// The legacy stream (torch.save before 1.6): pickles of the magic number, the protocol version, sys_info and
// the object (storages as persistent ids), the pickled list of storage keys, then for each key its element
// count (int64, little-endian) and raw bytes. Storages are allocated as the object pickle names them and
// filled afterwards; tensors are views of them, as in Python's _legacy_load.
StateDict readLegacy(const std::string &path, const std::string &bytes)
{
    const auto *data = reinterpret_cast<const uint8_t *>(bytes.data());
    const size_t n = bytes.size();
    size_t pos = 0;
    auto noStorage = [&](const std::string &, at::ScalarType, int64_t) -> at::Tensor {
        fail(path, "legacy torch.save stream: a header pickle refers to a storage");
    };
    {
        Unpickler vm(path, data, n, noStorage, "the legacy stream's magic-number pickle");
        const ValuePtr magic = vm.run();
        static const std::string kMagic("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19",
                                        10); // 0x1950a86a20f9469cfc6c
        if (magic->kind != Kind::Float || magic->s != kMagic)
            fail(path, "a pickle, but not a torch.save stream (no torch.save magic number)");
        pos += vm.consumed();
    }
    {
        Unpickler vm(path, data + pos, n - pos, noStorage, "the legacy stream's version pickle");
        const ValuePtr version = vm.run();
        if (version->kind != Kind::Int || version->i != 1001)
            fail(path,
                 "legacy torch.save stream with protocol version " + repr(*version) + " (only 1001 exists)");
        pos += vm.consumed();
    }
    {
        Unpickler vm(path, data + pos, n - pos, noStorage, "the legacy stream's sys_info pickle");
        const ValuePtr info = vm.run();
        const Value *little = info->kind == Kind::Dict ? dictGet(*info, "little_endian") : nullptr;
        if (!little || little->kind != Kind::Bool)
            fail(path, "legacy torch.save stream without a byte order in sys_info");
        if (!little->b)
            fail(path,
                 "legacy torch.save stream written on a big-endian machine; only little-endian is supported");
        pos += vm.consumed();
    }
    struct Storage
    {
        at::ScalarType type;
        at::Tensor tensor;
        bool filled = false;
    };
    std::map<std::string, Storage> storages;
    auto loader = [&](const std::string &key, at::ScalarType type, int64_t numel) -> at::Tensor {
        auto it = storages.find(key);
        if (it != storages.end()) {
            if (it->second.type != type)
                fail(path, "storage " + key + " is used with two dtypes");
            return it->second.tensor;
        }
        if (uint64_t(numel) > n / c10::elementSize(type))
            fail(path, "storage " + key + " claims " + std::to_string(numel) + " elements of " +
                           dtypeText(type) + ", more than the file holds");
        at::Tensor t = at::empty({numel}, at::TensorOptions().dtype(type));
        storages.emplace(key, Storage{type, t});
        return t;
    };
    Unpickler vm(path, data + pos, n - pos, loader, "the legacy stream's object pickle", "");
    const ValuePtr root = vm.run(); // values live as long as vm
    pos += vm.consumed();

    std::vector<std::string> keys;
    {
        Unpickler keysVm(path, data + pos, n - pos, noStorage, "the legacy stream's storage-key pickle");
        const ValuePtr list = keysVm.run();
        if (list->kind != Kind::List)
            fail(path,
                 "legacy torch.save stream: the storage keys are a " + kindName(*list) + ", not a list");
        for (const auto &k : list->items) {
            if (k->kind != Kind::String)
                fail(path, "legacy torch.save stream: a storage key is a " + kindName(*k) + ", not a string");
            keys.push_back(k->s);
        }
        pos += keysVm.consumed();
    }
    for (const auto &key : keys) {
        auto it = storages.find(key);
        if (it == storages.end())
            fail(path, "storage " + key + " has data in the file but no tensor uses it");
        Storage &s = it->second;
        if (n - pos < 8)
            fail(path, "truncated: the file ends before storage " + key);
        uint64_t count = 0;
        for (int j = 0; j < 8; ++j)
            count |= uint64_t(data[pos + size_t(j)]) << (8 * j);
        pos += 8;
        if (count != uint64_t(s.tensor.numel()))
            fail(path, "storage " + key + " holds " + std::to_string(count) +
                           " elements in the file, but the pickle says " + std::to_string(s.tensor.numel()));
        const size_t size = size_t(count) * c10::elementSize(s.type);
        if (n - pos < size)
            fail(path, "truncated: storage " + key + " needs " + std::to_string(size) +
                           " bytes, the file has " + std::to_string(n - pos) + " left");
        if (size > 0)
            std::memcpy(s.tensor.data_ptr(), data + pos, size);
        pos += size;
        s.filled = true;
    }
    for (const auto &[key, s] : storages)
        if (!s.filled)
            fail(path, "storage " + key + " has no data in the file");
    StateDict out = extractStateDict(path, *root);
    out.container = "legacy";
    return out;
}

StateDict readImpl(const std::string &path)
{
    const auto bytes = readArchiveBytes(path);
    const std::string &b = *bytes;
    if (b.empty())
        fail(path, "empty file (not a torch.save checkpoint)");
    if (b.compare(0, 4, std::string("PK\x03\x04", 4)) == 0)
        return readZip(path, bytes);
    if (b.size() >= 262 && b.compare(257, 5, "ustar") == 0)
        fail(path,
             "the tar-based torch.save format of PyTorch before 0.1.10 is not supported; load it in that "
             "PyTorch and save it again with torch.save");
    if (uint8_t(b[0]) == 0x80 && b.size() >= 2 && uint8_t(b[1]) >= 2 && uint8_t(b[1]) <= 5)
        return readLegacy(path, b);
    fail(path, "not a zip file nor a legacy torch.save stream (not a torch.save checkpoint)");
}

} // namespace

void verifyArchiveTensors(const ZipArchive &zip)
{
    for (const std::string pickle : {"data.pkl", "constants.pkl"}) {
        if (!zip.has(pickle))
            continue;
        const std::string dir = pickle == "data.pkl" ? "data/" : "constants/";
        ZipStorages storages(zip, dir, /*copy=*/false);
        const std::string_view pkl = zip.record(pickle);
        Unpickler vm(zip.path(), reinterpret_cast<const uint8_t *>(pkl.data()), pkl.size(),
                     std::ref(storages), pickle, dir);
        vm.run();
    }
}

namespace {

// ---- writing
// ------------------------------------------------------------------------------------------------

class PickleWriter
{
public:
    std::string out;
    void op(uint8_t c) { out.push_back(char(c)); }
    void le(uint64_t v, int n)
    {
        for (int j = 0; j < n; ++j)
            out.push_back(char((v >> (8 * j)) & 0xff));
    }
    void str(const std::string &s)
    {
        op('X');
        le(s.size(), 4);
        out += s;
    }
    void integer(int64_t v)
    {
        if (v >= 0 && v < 256) {
            op('K');
            le(uint64_t(v), 1);
        } else if (v >= 0 && v < 65536) {
            op('M');
            le(uint64_t(v), 2);
        } else if (v >= INT32_MIN && v <= INT32_MAX) {
            op('J');
            le(uint64_t(uint32_t(int32_t(v))), 4);
        } else {
            op(0x8a);
            le(8, 1);
            le(uint64_t(v), 8);
        }
    }
    void global(const char *module, const char *name)
    {
        op('c');
        out += module;
        out += '\n';
        out += name;
        out += '\n';
    }
    void intTuple(at::IntArrayRef v)
    {
        if (v.empty()) {
            op(')');
            return;
        }
        if (v.size() > 3)
            op('(');
        for (int64_t x : v)
            integer(x);
        op(v.size() == 1 ? 0x85 : v.size() == 2 ? 0x86 : v.size() == 3 ? 0x87 : 't');
    }
};

} // namespace

StateDict readTorchCheckpoint(const std::string &path)
{
    try {
        return readImpl(path);
    } catch (const TorchFormatError &) {
        throw;
    } catch (const ZipArchiveError &e) {
        throw TorchFormatError(e.what());
    } catch (const c10::Error &e) {
        fail(path,
             std::string("not a readable torch.save archive: ") + firstLine(e.what_without_backtrace()));
    } catch (const std::bad_alloc &) {
        fail(path, "out of memory while reading (corrupt sizes?)");
    } catch (const std::exception &e) {
        fail(path, e.what());
    }
}

void writeTorchStateDict(const std::string &path, const std::vector<NamedTensor> &tensors)
{
    const std::string tmp = path + ".tmp";
    std::string zip;
    try {
        std::vector<at::Tensor> data;
        std::unordered_map<std::string, int> seen;
        PickleWriter p;
        p.op(0x80);
        p.op(2);
        p.global("collections", "OrderedDict");
        p.op(')');
        p.op('R');
        if (!tensors.empty())
            p.op('(');
        for (const auto &nt : tensors) {
            if (!nt.tensor.defined())
                fail(path, "tensor '" + nt.name + "' is undefined");
            if (!seen.emplace(nt.name, 0).second)
                fail(path, "duplicate key '" + nt.name + "'");
            if (nt.tensor.layout() != at::kStrided || nt.tensor.is_quantized())
                fail(path, "tensor '" + nt.name + "' is not a dense tensor");
            const auto *st = storageByType(nt.tensor.scalar_type());
            if (!st)
                fail(path,
                     "tensor '" + nt.name + "' has unsupported dtype " + dtypeText(nt.tensor.scalar_type()));
            at::Tensor t = nt.tensor.detach().to(at::kCPU).contiguous();
            const std::string key = std::to_string(data.size());
            p.str(nt.name);
            p.global("torch._utils", "_rebuild_tensor_v2");
            p.op('(');
            p.op('(');
            p.str("storage");
            p.global("torch", st->name);
            p.str(key);
            p.str("cpu");
            p.integer(t.numel());
            p.op('t');
            p.op('Q');
            p.integer(0);
            p.intTuple(t.sizes());
            p.intTuple(t.strides());
            p.op(0x89); // requires_grad False
            p.global("collections", "OrderedDict");
            p.op(')');
            p.op('R');
            p.op('t');
            p.op('R');
            data.push_back(t);
        }
        if (!tensors.empty())
            p.op('u');
        p.op('.');

        caffe2::serialize::PyTorchStreamWriter writer([&zip](const void *buf, size_t n) -> size_t {
            zip.append(static_cast<const char *>(buf), n);
            return n;
        });
        static const char kNothing = 0;
        writer.writeRecord("data.pkl", p.out.data(), p.out.size());
        for (size_t k = 0; k < data.size(); ++k) {
            const size_t bytes = size_t(data[k].numel()) * data[k].element_size();
            writer.writeRecord("data/" + std::to_string(k), bytes ? data[k].data_ptr() : &kNothing, bytes);
        }
        writer.writeEndOfFile(); // adds archive/version "3\n"
    } catch (const TorchFormatError &) {
        throw;
    } catch (const c10::Error &e) {
        fail(path, "cannot build the archive: " + firstLine(e.what_without_backtrace()));
    } catch (const std::exception &e) {
        fail(path, std::string("cannot build the archive: ") + e.what());
    }

    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
        fail(path, "cannot create " + tmp + ": " + std::strerror(errno));
    out.write(zip.data(), std::streamsize(zip.size()));
    out.flush();
    const bool ok = bool(out);
    out.close();
    if (!ok || !out) {
        const int err = errno;
        std::remove(tmp.c_str());
        fail(path, "cannot write " + tmp + ": " + std::strerror(err));
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        std::remove(tmp.c_str());
        fail(path, "cannot rename " + tmp + " to the target: " + std::strerror(err));
    }
}

} // namespace qs
