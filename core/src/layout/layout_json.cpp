// Layout <-> JSON, so a layout computed where libclang exists can be used where it does not.
#include <exception>
#include <limits>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "memview/json_bytes.h"
#include "memview/layout.h"

namespace memview {

namespace {

using json = nlohmann::ordered_json;

constexpr const char* kFormat = "memview.layout";
constexpr int kVersion = 1;
constexpr unsigned kMaxNesting = 64;
constexpr size_t kMaxImportedFields = 1000000;

json field_brief(const Field& f) {
  json j = json::object();
  j["path"] = f.path;
  j["offset"] = f.offset;
  j["bit_offset"] = f.bit_offset;
  j["bit_width"] = f.bit_width ? json(f.bit_width) : json(nullptr);
  j["size"] = f.size;
  j["type"] = json_from_bytes<json>(f.type);  // "struct (unnamed at PATH:3:1)" holds a path
  j["count"] = f.count ? json(*f.count) : json(nullptr);
  return j;
}

json layout_json(const Layout& layout, LayoutJson detail);

json field_full(const Field& f) {
  json j = field_brief(f);
  j["name"] = f.name;
  j["parent"] = f.parent;
  j["depth"] = f.depth;
  j["kind"] = field_kind_name(f.kind);
  j["signed"] = f.is_signed;
  if (f.enumerators) {
    json list = json::array();
    for (const EnumConstant& e : *f.enumerators)
      list.push_back({{"name", e.name}, {"value", e.value}});
    j["enumerators"] = std::move(list);
  }
  if (f.element) j["element"] = field_full(*f.element);
  if (f.record) j["record"] = layout_json(*f.record, LayoutJson::full);
  return j;
}

json layout_json(const Layout& layout, LayoutJson detail) {
  json j = json::object();
  if (detail == LayoutJson::full) {
    j["format"] = kFormat;
    j["version"] = kVersion;
  }
  j["type"] = json_from_bytes<json>(layout.type);
  j["size"] = layout.size;
  j["align"] = layout.align;
  if (detail == LayoutJson::full) j["is_union"] = layout.is_union;
  json fields = json::array();
  for (const Field& f : layout.fields)
    fields.push_back(detail == LayoutJson::full ? field_full(f) : field_brief(f));
  j["fields"] = std::move(fields);
  return j;
}

// ---- import: every value checked; errors carry the JSON location -------------------

struct Reader {
  std::string where;
  size_t fields = 0;

  Error fail(const std::string& what) const {
    return make_error(Errc::invalid_argument, fmt::format("layout JSON: {}: {}", where, what));
  }

  Result<const json*> member(const json& j, const char* key, bool optional = false) const {
    if (!j.is_object()) return fail("expected an object");
    auto it = j.find(key);
    if (it == j.end() || (optional && it->is_null())) {
      if (optional) return static_cast<const json*>(nullptr);
      return fail(fmt::format("missing \"{}\"", key));
    }
    return &*it;
  }
  Result<uint64_t> u64(const json& j, const char* key) const {
    Result<const json*> m = member(j, key);
    if (!m) return m.error();
    if (!(*m)->is_number_unsigned() && !((*m)->is_number_integer() && (*m)->get<int64_t>() >= 0))
      return fail(fmt::format("\"{}\" must be a non-negative integer", key));
    return (*m)->get<uint64_t>();
  }
  Result<std::string> str(const json& j, const char* key) const {
    Result<const json*> m = member(j, key);
    if (!m) return m.error();
    if (!(*m)->is_string()) return fail(fmt::format("\"{}\" must be a string", key));
    return (*m)->get<std::string>();
  }
  // A type name: a string, or {"hex": ...} for bytes (memview/json_bytes.h).
  Result<std::string> bytes(const json& j, const char* key) const {
    Result<const json*> m = member(j, key);
    if (!m) return m.error();
    Result<std::string> b = bytes_from_json(**m, fmt::format("\"{}\"", key));
    if (!b) return fail(b.error().message);
    return b;
  }
  Result<bool> boolean(const json& j, const char* key) const {
    Result<const json*> m = member(j, key);
    if (!m) return m.error();
    if (!(*m)->is_boolean()) return fail(fmt::format("\"{}\" must be true or false", key));
    return (*m)->get<bool>();
  }
};

bool integer_like(FieldKind k) {
  return k == FieldKind::signed_int || k == FieldKind::unsigned_int || k == FieldKind::boolean ||
         k == FieldKind::enumeration || k == FieldKind::pointer;
}

Result<Layout> read_layout(Reader& r, const json& j, unsigned nesting);

// Reads one field; checks its own consistency (not its place in the layout).
Result<Field> read_field(Reader& r, const json& j, unsigned nesting, bool element) {
  if (nesting > kMaxNesting) return r.fail("nested too deeply");
  if (++r.fields > kMaxImportedFields) return r.fail("too many fields");
  Field f;
  Result<std::string> s = r.bytes(j, "type");
  if (!s) return s.error();
  f.type = *s;
  if (!element) {
    if (!(s = r.str(j, "path"))) return s.error();
    f.path = *s;
    if (f.path.empty()) return r.fail("empty path");
  }
  if (!(s = r.str(j, "name"))) return s.error();
  f.name = *s;
  if (!(s = r.str(j, "kind"))) return s.error();
  std::optional<FieldKind> kind = field_kind_from_name(*s);
  if (!kind) return r.fail(fmt::format("unknown kind '{}'", *s));
  f.kind = *kind;
  Result<bool> b = r.boolean(j, "signed");
  if (!b) return b.error();
  f.is_signed = *b;
  Result<uint64_t> u = r.u64(j, "offset");
  if (!u) return u.error();
  f.offset = *u;
  if (!(u = r.u64(j, "bit_offset"))) return u.error();
  f.bit_offset = *u;
  if (!(u = r.u64(j, "size"))) return u.error();
  f.size = *u;
  if (!(u = r.u64(j, "depth"))) return u.error();
  if (*u > uint64_t{kMaxNesting} * 4) return r.fail("depth too large");
  f.depth = static_cast<unsigned>(*u);
  Result<const json*> m = r.member(j, "parent");
  if (!m) return m.error();
  if (!(*m)->is_number_integer()) return r.fail("\"parent\" must be an integer");
  const int64_t parent = (*m)->get<int64_t>();
  if (parent < -1 || parent > static_cast<int64_t>(kMaxImportedFields))
    return r.fail("bad \"parent\"");
  f.parent = static_cast<int>(parent);
  if (!(m = r.member(j, "bit_width", true))) return m.error();
  if (*m) {
    if (!(u = r.u64(j, "bit_width"))) return u.error();
    if (*u == 0 || *u > 128) return r.fail("bit_width must be 1..128");
    f.bit_width = static_cast<unsigned>(*u);
  }
  if (!(m = r.member(j, "count", true))) return m.error();
  if (*m) {
    if (!(u = r.u64(j, "count"))) return u.error();
    f.count = *u;
  }
  if (!(m = r.member(j, "enumerators", true))) return m.error();
  if (*m) {
    if (!(*m)->is_array()) return r.fail("\"enumerators\" must be an array");
    auto list = std::make_shared<std::vector<EnumConstant>>();
    for (const json& e : **m) {
      if (++r.fields > kMaxImportedFields) return r.fail("too many enumerators");
      Result<std::string> name = r.str(e, "name");
      if (!name) return name.error();
      Result<const json*> v = r.member(e, "value");
      if (!v) return v.error();
      if (!(*v)->is_number_integer()) return r.fail("enumerator value must be an integer");
      list->push_back({*name, (*v)->is_number_unsigned()
                                  ? static_cast<int64_t>((*v)->get<uint64_t>())
                                  : (*v)->get<int64_t>()});
    }
    f.enumerators = std::move(list);
  }
  if (!(m = r.member(j, "element", true))) return m.error();
  if (*m) {
    Result<Field> e = read_field(r, **m, nesting + 1, true);
    if (!e) return e.error();
    f.element = std::make_shared<const Field>(std::move(*e));
  }
  if (!(m = r.member(j, "record", true))) return m.error();
  if (*m) {
    Result<Layout> rec = read_layout(r, **m, nesting + 1);
    if (!rec) return rec.error();
    f.record = std::make_shared<const Layout>(std::move(*rec));
  }

  // Consistency of the field by itself.
  const std::string who = f.path.empty() ? f.type : f.path;
  if (f.bit_width) {
    if (!integer_like(f.kind) && f.kind != FieldKind::opaque)
      return r.fail(who + ": only integers can be bitfields");
    if (integer_like(f.kind) && f.bit_width > 64)
      return r.fail(who + ": integer bitfields have at most 64 bits");
    if (f.bit_width > f.size * 8) return r.fail(who + ": bit_width exceeds its type");
    if (f.offset != f.bit_offset / 8) return r.fail(who + ": offset must be bit_offset / 8");
  } else {
    if (f.bit_offset / 8 != f.offset || f.bit_offset % 8 != 0)
      return r.fail(who + ": bit_offset must be offset * 8");
  }
  const bool is_array = f.kind == FieldKind::array || f.kind == FieldKind::text;
  if (integer_like(f.kind) && (f.size < 1 || f.size > (f.bit_width ? 16 : 8)))
    return r.fail(who + ": integer size must be 1..8 (16 for a bitfield of __int128)");
  if (f.kind == FieldKind::pointer && f.size != 4 && f.size != 8)
    return r.fail(who + ": pointer size must be 4 or 8");
  if (f.kind == FieldKind::floating && f.size != 4 && f.size != 8 && f.size != sizeof(long double))
    return r.fail(who + ": unsupported float size");
  if (is_array != f.count.has_value()) return r.fail(who + ": count is for arrays only");
  if (is_array) {
    if (!f.element || f.element->size == 0) return r.fail(who + ": array needs an element");
    if (f.element->offset != 0 || f.element->bit_width)
      return r.fail(who + ": element must be at offset 0");
    if (*f.count > std::numeric_limits<uint64_t>::max() / f.element->size ||
        f.size != *f.count * f.element->size)
      return r.fail(who + ": size must be count * element size");
    if (f.kind == FieldKind::text && f.element->size != 1)
      return r.fail(who + ": text elements must be 1 byte");
  } else if (f.element) {
    return r.fail(who + ": only arrays have an element");
  }
  if (f.record && (!element || f.kind != FieldKind::record || f.record->size != f.size))
    return r.fail(who + ": record layout only for record elements of matching size");
  if (f.kind == FieldKind::record && element && !f.record)
    return r.fail(who + ": record element needs its layout");
  if (f.enumerators && f.kind != FieldKind::enumeration)
    return r.fail(who + ": enumerators are for enums only");
  return f;
}

Result<Layout> read_layout(Reader& r, const json& j, unsigned nesting) {
  if (nesting > kMaxNesting) return r.fail("nested too deeply");
  Layout out;
  Result<std::string> s = r.bytes(j, "type");
  if (!s) return s.error();
  out.type = *s;
  Result<uint64_t> u = r.u64(j, "size");
  if (!u) return u.error();
  out.size = *u;
  if (!(u = r.u64(j, "align"))) return u.error();
  out.align = *u;
  if (out.size > (uint64_t{1} << 56)) return r.fail("size too large");
  if (out.align == 0 || (out.align & (out.align - 1)) != 0)
    return r.fail("align must be a power of two");
  Result<bool> b = r.boolean(j, "is_union");
  if (!b) return b.error();
  out.is_union = *b;
  Result<const json*> m = r.member(j, "fields");
  if (!m) return m.error();
  if (!(*m)->is_array()) return r.fail("\"fields\" must be an array");
  const std::string saved = r.where;
  std::set<std::string> paths;
  for (const json& jf : **m) {
    r.where = fmt::format("{} field {}", saved, out.fields.size());
    Result<Field> f = read_field(r, jf, nesting, false);
    if (!f) return f.error();
    const size_t index = out.fields.size();
    // Place in the layout: inside the type, inside its parent, parent before child.
    // (a bitfield's declared type may be wider than a packed struct: check its bits only)
    if ((!f->bit_width && f->size > out.size) || f->bit_offset > out.size * 8)
      return r.fail(fmt::format("'{}' lies outside the {}-byte type", f->path, out.size));
    const uint64_t end_bits =
        f->bit_width ? f->bit_offset + f->bit_width : f->bit_offset + f->size * 8;
    if (f->bit_offset > out.size * 8 || end_bits > out.size * 8 || end_bits < f->bit_offset)
      return r.fail(fmt::format("'{}' lies outside the {}-byte type", f->path, out.size));
    if (f->parent >= static_cast<int>(index)) return r.fail("parent must come before its child");
    // Paths are what users type (--field a.b): they must follow from names and parents.
    if (f->name.empty() || f->name.find_first_of(".[]") != std::string::npos)
      return r.fail(fmt::format("bad member name '{}'", f->name));
    const std::string expected =
        f->parent >= 0 ? out.fields[f->parent].path + "." + f->name : f->name;
    if (f->path != expected)
      return r.fail(fmt::format("path '{}' should be '{}'", f->path, expected));
    if (!paths.insert(f->path).second) return r.fail(fmt::format("duplicate path '{}'", f->path));
    if (f->parent >= 0) {
      const Field& p = out.fields[f->parent];
      if (p.kind != FieldKind::record) return r.fail("parent must be a record");
      if (f->depth != p.depth + 1) return r.fail("depth must be parent's depth + 1");
      if (f->bit_offset < p.bit_offset || end_bits > p.bit_offset + p.size * 8)
        return r.fail(fmt::format("'{}' lies outside its parent '{}'", f->path, p.path));
    } else if (f->depth != 0) {
      return r.fail("top-level fields have depth 0");
    }
    out.fields.push_back(std::move(*f));
  }
  r.where = saved;
  return out;
}

}  // namespace

std::string layout_to_json(const Layout& layout, LayoutJson detail, int indent) {
  return json_dump(layout_json(layout, detail), indent < 0 ? -1 : indent);
}

Result<Layout> layout_from_json(std::string_view text) {
  try {
    json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return make_error(Errc::invalid_argument, "layout JSON: not valid JSON");
    Reader r;
    r.where = "top";
    Result<std::string> format = r.str(j, "format");
    if (!format) return format.error();
    if (*format != kFormat)
      return make_error(Errc::invalid_argument,
                        fmt::format("layout JSON: format is '{}', expected '{}' (export with "
                                    "the full detail)",
                                    *format, kFormat));
    Result<uint64_t> version = r.u64(j, "version");
    if (!version) return version.error();
    if (*version != kVersion)
      return make_error(Errc::unsupported,
                        fmt::format("layout JSON: version {} is not supported", *version));
    return read_layout(r, j, 0);
  } catch (const std::exception& e) {
    return make_error(Errc::invalid_argument, fmt::format("layout JSON: {}", e.what()));
  }
}

}  // namespace memview
