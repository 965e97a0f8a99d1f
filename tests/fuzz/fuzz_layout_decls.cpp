// Fuzzes the pasted-declaration path of the layout engine: text typed or pasted in the GUI
// goes to libclang, then every type it declares goes through layout(), JSON export/import,
// path resolution, and decode/encode of every field on bytes taken from the input.
// Inputs are either raw text (C or C++) or struct declarations built from the bytes by a
// small grammar (so that most inputs parse and reach the layout code), optionally followed
// by raw text. Invariants (checked with __builtin_trap): no crash, no hang; a computed
// layout survives a JSON round trip unchanged; every listed field resolves by its path to
// the same offset; decoded integer/text/enum values encode back to the same text.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "memview/layout.h"

namespace {

// A violated invariant: say which (and for what) before stopping, so a crash file explains
// itself when replayed.
[[noreturn]] void violated(const char* what, const std::string& detail) {
  std::fprintf(stderr, "invariant violated: %s: %s\n", what, detail.c_str());
  __builtin_trap();
}

class Bytes {
 public:
  Bytes(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  uint8_t next() { return pos_ < n_ ? d_[pos_++] : 0; }
  bool done() const { return pos_ >= n_; }
  std::string_view rest() const {
    return {reinterpret_cast<const char*>(d_ + pos_), n_ - std::min(pos_, n_)};
  }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t pos_ = 0;
};

const char* const kScalars[] = {"char",
                                "signed char",
                                "unsigned char",
                                "short",
                                "unsigned short",
                                "int",
                                "unsigned",
                                "long",
                                "unsigned long long",
                                "_Bool",
                                "float",
                                "double",
                                "long double",
                                "void*",
                                "const char*",
                                "enum e",
                                "u8",
                                "__int128",
                                "_Complex float",
                                "int*",
                                "struct s0*"};
const char* const kAttrs[] = {"",
                              "",
                              "",
                              "__attribute__((packed))",
                              "__attribute__((aligned(8)))",
                              "__attribute__((aligned(1)))",
                              "__attribute__((aligned(64)))"};

void members(Bytes& in, std::string& out, int depth, int& counter, bool allow_fam);

void record(Bytes& in, std::string& out, int depth, int& counter) {
  out += (in.next() & 1) ? "union " : "struct ";
  out += kAttrs[in.next() % std::size(kAttrs)];
  out += " {\n";
  members(in, out, depth + 1, counter, false);
  out += "}";
}

void members(Bytes& in, std::string& out, int depth, int& counter, bool allow_fam) {
  const int n = 1 + in.next() % 6;
  for (int i = 0; i < n && !in.done(); ++i) {
    const uint8_t kind = in.next() % 8;
    const std::string name = "m" + std::to_string(counter++);
    const char* scalar = kScalars[in.next() % std::size(kScalars)];
    switch (kind) {
      case 0:
      case 1:
        out +=
            std::string(scalar) + " " + name + " " + kAttrs[in.next() % std::size(kAttrs)] + ";\n";
        break;
      case 2:
        out += std::string(scalar) + " " + name + " : " + std::to_string(in.next() % 66) + ";\n";
        break;
      case 3:
        out += std::string(scalar) + " : " + std::to_string(in.next() % 33) + ";\n";
        break;
      case 4:
        out += std::string(scalar) + " " + name + "[" + std::to_string(in.next() % 5) + "]";
        if (in.next() & 1) out += "[" + std::to_string(1 + in.next() % 3) + "]";
        out += ";\n";
        break;
      case 5:
        if (depth < 4) {
          record(in, out, depth, counter);
          out += (in.next() & 1) ? ";\n" : " " + name + ";\n";  // anonymous or named
        }
        break;
      case 6:
        if (depth < 4) {
          record(in, out, depth, counter);
          out += " " + name + "[" + std::to_string(1 + in.next() % 3) + "];\n";
        }
        break;
      default:
        out += "struct s0 " + name + ";\n";  // incomplete inside s0 itself: an error path
        break;
    }
  }
  if (allow_fam && (in.next() & 3) == 0) out += "int fam" + std::to_string(counter++) + "[];\n";
}

std::string grammar(Bytes& in) {
  std::string out = "enum e { A, B = 5, C = -1 };\ntypedef unsigned char u8;\n";
  const int records = 1 + in.next() % 3;
  for (int r = 0; r < records && !in.done(); ++r) {
    int counter = 0;
    out += (in.next() & 1) ? "union " : "struct ";
    out += kAttrs[in.next() % std::size(kAttrs)];
    out += " s" + std::to_string(r + 1) + " {\n";
    members(in, out, 0, counter, true);
    out += "};\n";
    if (in.next() & 1)
      out += "typedef struct s" + std::to_string(r + 1) + " t" + std::to_string(r + 1) + ";\n";
  }
  return out;
}

bool round_trips(const memview::Field& f) {
  using memview::FieldKind;
  switch (f.kind) {
    case FieldKind::signed_int:
    case FieldKind::unsigned_int:
    case FieldKind::enumeration:
    case FieldKind::pointer:
      return true;
    case FieldKind::text:
      return !f.is_flexible_array();
    default:
      return false;
  }
}

void exercise(const memview::Layout& layout, std::string_view seed_bytes) {
  // JSON round trip: exact.
  const std::string json = memview::layout_to_json(layout, memview::LayoutJson::full);
  memview::Result<memview::Layout> back = memview::layout_from_json(json);
  if (!back) violated("JSON import of an export", back.error().message + "\n" + json);
  if (memview::layout_to_json(*back, memview::LayoutJson::full) != json)
    violated("JSON round trip", json);
  (void)memview::layout_to_json(layout, memview::LayoutJson::brief);

  std::vector<std::byte> object(std::min<uint64_t>(layout.size, 1 << 16));
  for (size_t i = 0; i < object.size(); ++i)
    object[i] = seed_bytes.empty() ? std::byte{0} : std::byte(seed_bytes[i % seed_bytes.size()]);
  size_t checked = 0;
  for (const memview::Field& f : layout.fields) {
    if (++checked > 300) break;
    memview::Result<memview::Field> r = memview::resolve_field(layout, f.path);
    if (!r || r->offset != f.offset || r->bit_offset != f.bit_offset)
      violated("resolve_field by path", f.path + (r ? "" : ": " + r.error().message));
    (void)memview::resolve_subtree(layout, f.path);
    if (f.count && *f.count) (void)memview::resolve_field(layout, f.path + "[0]");
    memview::Result<memview::FieldValue> v = memview::decode_field(f, object);
    if (!v) continue;
    if (!round_trips(f)) {
      (void)memview::encode_field(f, v->text, object);
      continue;
    }
    std::vector<std::byte> copy = object;
    memview::Status st = memview::encode_field(f, v->text, copy);
    if (!st)
      violated("encode of a decoded value", f.path + " = " + v->text + ": " + st.error().message);
    memview::Result<memview::FieldValue> again = memview::decode_field(f, copy);
    if (!again || again->text != v->text)
      violated("decode/encode round trip", f.path + " = " + v->text);
    (void)memview::bitfield_units(f, 3, 0, object.size() + 3);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 4096) return 0;
  Bytes in(data + 1, size - 1);
  const uint8_t mode = data[0] % 5;
  memview::ParseOptions options;
  std::string text;
  switch (mode) {
    case 0:  // raw C
      text = std::string(in.rest());
      break;
    case 1:  // raw C++
      text = std::string(in.rest());
      options.standard = "c++17";
      break;
    case 2:  // grammar
      text = grammar(in);
      break;
    case 3:  // grammar followed by raw text
      text = grammar(in);
      text += in.rest();
      break;
    default: {  // hostile layout JSON
      memview::Result<memview::Layout> l = memview::layout_from_json(in.rest());
      if (l) exercise(*l, in.rest());
      return 0;
    }
  }
  memview::Result<memview::Declarations> decls = memview::parse_declarations(text, options);
  if (!decls) {
    if (decls.error().message.empty()) violated("error without a message", text);
    return 0;
  }
  size_t n = 0;
  for (const memview::TypeEntry& t : decls->types()) {
    if (++n > 8) break;
    memview::Result<memview::Layout> layout = decls->layout(t.name);
    if (layout) exercise(*layout, in.rest());
  }
  (void)decls->layout("struct nonexistent");
  return 0;
}
