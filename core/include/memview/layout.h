// Typed struct overlays: the layout of a C/C++ struct, union or class exactly as the
// compiler lays it out, computed by libclang from a real header or from pasted
// declarations, plus decoding/encoding of field values from/to bytes and live writes.
//
// Three layers, usable separately:
//  1. Parsing (parse_header_file / parse_declarations) -> Declarations: needs libclang.
//     In a build without libclang these return Errc::unsupported ("not available in this
//     build"); layout_parser_available() tells in advance. libclang is not linked: the
//     first parse loads it (the library found at build time, or $MEMVIEW_LIBCLANG), and
//     when it cannot be loaded parse_* return Errc::unsupported saying why ("struct
//     layouts need libclang: cannot load ...") while everything else keeps working.
//  2. The layout model (Layout, Field): plain values, copyable, no libclang inside.
//     layout_to_json/layout_from_json move a layout computed on one machine to another
//     (e.g. computed on Linux, used by a Windows build without libclang).
//  3. Values: decode_field/encode_field on byte buffers, write_field on a live Source.
//
// Target: the layout is the host's (x86-64 Linux: gcc's SysV ABI). Values are decoded and
// encoded little-endian, which is the byte order of every target memview runs on.
//
// Thread-safety:
//  - parse_* may be called from any thread, concurrently: each parse owns its own libclang
//    index and translation unit (the few global libclang initialisations are serialised
//    internally). A parse takes milliseconds (more for big include trees or a cold disk
//    cache): run it on a worker thread, never on the GUI frame.
//  - A Declarations object is internally locked: layout() and the accessors may be called
//    from any thread; calls on the same object are serialised. It may be moved between
//    threads (parse on a worker, hand the result to the UI).
//  - Layout/Field are values: share const copies freely. decode/encode are pure functions.
//  - write_field uses a Source, which is used by one thread at a time (see source.h).
//
// Note: libclang's crash recovery is switched off: it would take over SIGBUS/SIGSEGV
// process-wide and turn the sources' guarded reads of a shrunk mapping into a crash. The
// first parse sets LIBCLANG_DISABLE_CRASH_RECOVERY=1 in the environment (setenv, once,
// under a lock). The price: a bug inside libclang itself is not contained.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "memview/result.h"
#include "memview/source.h"

namespace memview {

// ---------------------------------------------------------------------------------------
// The layout model
// ---------------------------------------------------------------------------------------

enum class FieldKind {
  signed_int,    // any signed integer (char, short, int, long, long long, int32_t, ...)
  unsigned_int,  // any unsigned integer
  boolean,       // _Bool / bool
  floating,      // float, double, long double (x87 80-bit in 16 bytes)
  enumeration,   // enum: Field::enumerators holds the constants; is_signed the underlying sign
  pointer,       // any pointer or reference: shown as an address
  text,          // array of plain char: decoded as text up to the first NUL
  array,         // any other array: Field::count, Field::element
  record,        // struct/union/class: its members follow as children in Layout::fields
  opaque,        // anything else (int128, _Complex, vectors, ...): shown as hex bytes
};

const char* field_kind_name(FieldKind k);  // "signed_int", "unsigned_int", ...
std::optional<FieldKind> field_kind_from_name(std::string_view name);

struct EnumConstant {
  std::string name;
  int64_t value = 0;  // for enums with an unsigned underlying type: the bits, as int64
  bool operator==(const EnumConstant&) const = default;
};

struct Layout;

struct Field {
  std::string path;     // "hdr.seq"; members of anonymous struct/union appear under the parent
  std::string name;     // last component of path ("seq"); for array elements "[3]"
  int parent = -1;      // index in Layout::fields of the enclosing named member; -1 at top level
  unsigned depth = 0;   // 0 for top-level members
  uint64_t offset = 0;  // bytes from the start of the type; bitfields: byte of first bit
  uint64_t bit_offset = 0;  // bits from the start of the type (little-endian bit numbering)
  unsigned bit_width = 0;   // bitfields: width in bits; 0 = not a bitfield
  uint64_t size = 0;        // sizeof the declared type (bitfields too); 0 for a flexible array
  std::string type;         // spelling as declared: "uint32_t", "struct hdr", "char[16]"
  FieldKind kind = FieldKind::opaque;
  bool is_signed = false;         // integers, enums (underlying type), text (plain char's sign)
  std::optional<uint64_t> count;  // arrays: outermost dimension; 0 = flexible array member
  // enumeration (also for bitfields of enum type): the constants, in declaration order.
  std::shared_ptr<const std::vector<EnumConstant>> enumerators;
  // array/text: one element, with offset 0 (nested arrays: element->element ...).
  std::shared_ptr<const Field> element;
  // Set only on record-typed array elements (element->record): the element's own layout,
  // offsets relative to the element. Named record members have their children in
  // Layout::fields instead.
  std::shared_ptr<const Layout> record;

  bool is_bitfield() const { return bit_width != 0; }
  bool is_flexible_array() const { return count.has_value() && *count == 0; }
  // Bits this field's value occupies: bit_width for bitfields, else size * 8.
  uint64_t value_bits() const { return bit_width ? bit_width : size * 8; }
  std::span<const EnumConstant> constants() const {
    return enumerators ? std::span<const EnumConstant>(*enumerators)
                       : std::span<const EnumConstant>();
  }
};

struct Layout {
  std::string type;  // as resolved: "struct foo", "foo" (typedef), "union u", "ns::cls"
  uint64_t size = 0;
  uint64_t align = 1;
  bool is_union = false;
  // Pre-order: a named record member comes right before its children (parent < child).
  // Unnamed bitfields (padding) are not listed.
  std::vector<Field> fields;

  // Field by exact path (no indices), or nullptr.
  const Field* find(std::string_view path) const;
  // Indices of the direct children of fields[parent] (parent -1: top-level members). O(n):
  // to draw a tree, walk `fields` in order instead and skip collapsed subtrees with
  // subtree_end().
  std::vector<size_t> children(int parent) const;
  // One past the last descendant of fields[index] (fields[index + 1 ..) with a greater depth).
  size_t subtree_end(size_t index) const;
  // Index of the deepest field whose bytes contain `offset` (the first one among union
  // members), or -1 (padding, or outside the type). For hover tooltips.
  int innermost_at(uint64_t offset) const;
};

// Bytes [first, end) of the type that hold a field's value (a bitfield: the bytes its bits
// touch). For colouring the hex grid and for change highlights.
struct FieldBytes {
  uint64_t first = 0;
  uint64_t end = 0;
};
FieldBytes field_bytes(const Field& field);

// Resolves "a.b", "arr[3]", "arr[3].x", "m[1][2]" to a Field with offsets relative to the
// start of the layout's type (array elements and members of record elements included).
// Errors: unknown member, index out of bounds (flexible arrays accept any index), index on
// a non-array, member access on a non-record.
Result<Field> resolve_field(const Layout& layout, std::string_view path);

// The field at `path` followed by all its members when it is a record (pre-order, offsets
// and paths as resolve_field gives them). For a plain field: just that field. `parent`
// indexes the outer layout's fields where the field comes from it, else it is -1.
Result<std::vector<Field>> resolve_subtree(const Layout& layout, std::string_view path);

// A field as the element `index` of `array` (which must be an array/text field): offset
// and path adjusted ("arr[3]"). Bounds are checked unless the array is flexible.
Result<Field> element_field(const Field& array, uint64_t index);

// ---------------------------------------------------------------------------------------
// Parsing with libclang
// ---------------------------------------------------------------------------------------

// The dialects gcc and g++ use when given no -std (GCC 11 to 14, Debian 12's GCC 12): a
// header means what it means to the compiler that built the program, feature-test macros
// included (gnu17 defines _DEFAULT_SOURCE's POSIX types; g++ also defines _GNU_SOURCE).
inline constexpr const char* kDefaultCStandard = "gnu17";
inline constexpr const char* kDefaultCxxStandard = "gnu++17";

// The standard a parse uses when ParseOptions::standard is empty, chosen from the file
// name as gcc chooses the language: gnu++17 for C++ names (.hpp, .hh, .hxx, .h++, .H,
// .cpp, .cc, .cxx, .C, ...), gnu17 for everything else (.h, pasted text).
const char* default_standard(std::string_view file_name);

struct ParseOptions {
  // Language standard passed to clang as -std=: "gnu17", "c11", "c++17", "gnu++20", ...
  // (C++ when it contains "++"). Empty: the compiler's default, default_standard().
  std::string standard;
  std::vector<std::string> include_dirs;  // -I
  std::vector<std::string> defines;       // -D: "NAME" or "NAME=VALUE"
};

struct Diagnostic {
  enum class Severity { note, warning, error, fatal };
  Severity severity = Severity::error;
  std::string file;  // empty when clang gave no location (e.g. a bad -std)
  unsigned line = 0;
  unsigned column = 0;
  std::string message;
  // "file:line:column: error: message" (or "error: message" without a location).
  std::string text() const;
};

// A type that layout() can resolve, for a type picker.
struct TypeEntry {
  std::string name;  // what to pass to layout(): "struct foo", "union u", "foo_t", "ns::c"
  std::string kind;  // "struct", "union", "class" or "typedef"
  uint64_t size = 0;
  std::string file;  // where it is declared
  unsigned line = 0;
  bool in_main_file = false;  // declared in the parsed header/paste itself (not an include)
};

// The result of one parse: owns libclang's translation unit. Move-only; internally locked
// (see the thread-safety notes at the top).
class Declarations {
 public:
  Declarations();
  ~Declarations();
  Declarations(Declarations&&) noexcept;
  Declarations& operator=(Declarations&&) noexcept;
  Declarations(const Declarations&) = delete;
  Declarations& operator=(const Declarations&) = delete;

  // The header path or the name given to the pasted text.
  const std::string& source_name() const;
  // Warnings clang reported (a parse with errors fails instead, see parse_*).
  const std::vector<Diagnostic>& warnings() const;
  // Complete struct/union/class types and typedefs of them: the main file's first, in
  // declaration order, then those from included headers sorted by name.
  const std::vector<TypeEntry>& types() const;

  // Layout of a type by name: "struct foo", "union u", "class c", a typedef name, or (C++)
  // a possibly qualified class name. In C a bare tag name ("foo" for "struct foo") is
  // accepted when no typedef of that name exists. Errors: Errc::not_found for an unknown
  // name; Errc::invalid_argument for an incomplete type, a non-record type, a class that
  // is not standard-layout, or a type with more than 200,000 fields.
  Result<Layout> layout(std::string_view type_name) const;

  struct Impl;

 private:
  explicit Declarations(std::unique_ptr<Impl> impl);
  friend struct DeclarationsAccess;
  std::unique_ptr<Impl> impl_;
};

// True when this build can parse C/C++ (libclang was found at build time). Does not load
// libclang (cheap enough to call every frame); a parse may still fail to load it.
bool layout_parser_available();

// Parses a header from disk. Errc::not_found when it does not exist. When clang reports
// errors (severity error or fatal) the parse fails with Errc::invalid_argument and a
// message whose first line is the first error as "file:line:column: error: message";
// further errors (at most 10) follow on their own lines.
Result<Declarations> parse_header_file(const std::string& path, const ParseOptions& options = {});

// Parses declarations held in memory (typed or pasted in the GUI), without a temporary
// file. `name` is the file name used in diagnostics; relative #include "..." resolve
// against the current directory and the include dirs. Errors as parse_header_file.
Result<Declarations> parse_declarations(std::string_view text, const ParseOptions& options = {},
                                        std::string_view name = "pasted.h");

// Convenience: parse a header and compute one type's layout.
Result<Layout> layout_from_header(const std::string& path, std::string_view type_name,
                                  const ParseOptions& options = {});

// ---------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------

enum class LayoutJson {
  brief,  // `memview-cli layout --json`: type, size, align, fields[path, offset,
          // bit_offset, bit_width|null, size, type, count|null]
  full,   // brief plus everything layout_from_json needs (kind, sign, enums, elements)
};

// indent < 0: one line.
std::string layout_to_json(const Layout& layout, LayoutJson detail = LayoutJson::full,
                           int indent = -1);
// Reads a LayoutJson::full document. Validates everything (offsets inside the type, sizes
// fitting their kind, parent links), so a hand-edited or hostile file is an error, never a
// crash or an out-of-bounds decode.
Result<Layout> layout_from_json(std::string_view json);

// ---------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------

struct FieldValue {
  // Display text: 42, -7, 0x2a for pointers (0x + 2*size hex digits), 1.5, true/false,
  // RED (enum constant; the number when none matches), hello\n (text, C escapes for
  // non-printable bytes, backslash doubled), [1, 2, 3] (arrays: at most 64 elements, then
  // ", ..."), {lo: 1, hi: 2} for a record element (at most 16 members), {...} for a named
  // record member (its members are fields of their own), hex bytes for opaque.
  std::string text;
  uint64_t bits = 0;    // integer-like kinds (incl. bool, enum, pointer): raw value,
                        // zero-extended from value_bits()
  int64_t integer = 0;  // the same value sign-extended when the field is signed
  double number = 0;    // floating: the value (long double rounded to double)
  const EnumConstant* enumerator = nullptr;  // enumeration: the matching constant, if any
};

// Decodes `field` from `object`, the bytes of the whole instance (object[0] is offset 0 of
// the type). Errc::out_of_range when `object` does not cover the field; a flexible array
// decodes the elements that `object` holds.
Result<FieldValue> decode_field(const Field& field, std::span<const std::byte> object);

// Parses `text` for the field's kind and stores it into `object` (which must cover the
// field): integers in decimal or 0x hex with range checks for the width (bitfields: their
// width), bool true/false/1/0, enum by constant name or number, floats as strtod (inf,
// nan), pointers as numbers, text with C escapes (\n \t \r \0 \\ \" \xNN), zero-filled to
// the array's end, at most count bytes. A bitfield only changes its own bits. Records,
// non-text arrays and opaque fields are errors (write their members/elements instead).
// Nothing is modified on error.
Status encode_field(const Field& field, std::string_view text, std::span<std::byte> object);

// The largest field whose value is encoded as a whole (a text field, a scalar): a bigger
// one is written element by element ([i]); it would need that much memory at once.
inline constexpr uint64_t kMaxFieldValueBytes = uint64_t{64} << 20;

// The bytes to store for a non-bitfield field (size bytes; text: count bytes, zero-filled),
// e.g. to hand to an Editor for undo. Bitfields: Errc::invalid_argument (use write_field,
// which does not clobber neighbouring bits). Fields over kMaxFieldValueBytes:
// Errc::invalid_argument (write their elements).
Result<std::vector<std::byte>> encode_field_bytes(const Field& field, std::string_view text);

// The naturally aligned unit a bitfield write uses at a given base address.
struct BitfieldUnit {
  uint64_t address = 0;    // naturally aligned to width
  unsigned width = 0;      // 1, 2, 4 or 8 bytes
  unsigned shift = 0;      // the field's lowest bit within the unit
  uint64_t mask = 0;       // the field's bits within the unit (already shifted)
  unsigned field_bit = 0;  // index (within the field's value) of the unit's lowest field bit
};
// Splits a bitfield at `base` (the address of the instance) into the units its bits are
// written through: one unit when the bits lie inside one naturally aligned 1/2/4/8-byte
// unit within [limit_lo, limit_hi) (the source's range), else several.
std::vector<BitfieldUnit> bitfield_units(const Field& field, uint64_t base, uint64_t limit_lo,
                                         uint64_t limit_hi);

// Writes a field of the instance at `base` in a live source.
//  - Non-bitfields: the encoded bytes in one Source::write (one store when aligned 1/2/4/8).
//  - Bitfields: compare-and-swap loop on each unit from bitfield_units(): concurrent
//    writers' neighbouring bits are never lost. Atomic as a whole when one unit covers the
//    field; a packed field straddling an 8-byte boundary is written unit by unit (a reader
//    may briefly see it half-written). Sources without compare_exchange get
//    Errc::unsupported for bitfields (no unsafe read-modify-write fallback).
// Nothing is written on a parse/range error.
Status write_field(Source& source, uint64_t base, const Field& field, std::string_view text);

}  // namespace memview
