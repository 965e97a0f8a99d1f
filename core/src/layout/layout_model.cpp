// The layout model: names of kinds, lookups and path resolution ("a.b[3].c").
#include <cctype>
#include <limits>

#include <fmt/format.h>

#include "memview/layout.h"

namespace memview {

namespace {
constexpr struct {
  FieldKind kind;
  const char* name;
} kKindNames[] = {
    {FieldKind::signed_int, "signed_int"},
    {FieldKind::unsigned_int, "unsigned_int"},
    {FieldKind::boolean, "boolean"},
    {FieldKind::floating, "floating"},
    {FieldKind::enumeration, "enumeration"},
    {FieldKind::pointer, "pointer"},
    {FieldKind::text, "text"},
    {FieldKind::array, "array"},
    {FieldKind::record, "record"},
    {FieldKind::opaque, "opaque"},
};
}  // namespace

const char* field_kind_name(FieldKind k) {
  for (const auto& e : kKindNames)
    if (e.kind == k) return e.name;
  return "opaque";
}

std::optional<FieldKind> field_kind_from_name(std::string_view name) {
  for (const auto& e : kKindNames)
    if (name == e.name) return e.kind;
  return std::nullopt;
}

const Field* Layout::find(std::string_view path) const {
  for (const Field& f : fields)
    if (f.path == path) return &f;
  return nullptr;
}

std::vector<size_t> Layout::children(int parent) const {
  std::vector<size_t> out;
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].parent == parent) out.push_back(i);
  return out;
}

size_t Layout::subtree_end(size_t index) const {
  if (index >= fields.size()) return fields.size();
  size_t i = index + 1;
  while (i < fields.size() && fields[i].depth > fields[index].depth) ++i;
  return i;
}

FieldBytes field_bytes(const Field& f) {
  if (f.bit_width) return {f.bit_offset / 8, (f.bit_offset + f.bit_width + 7) / 8};
  return {f.offset, f.offset + f.size};
}

int Layout::innermost_at(uint64_t offset) const {
  int best = -1;
  for (size_t i = 0; i < fields.size(); ++i) {
    const FieldBytes b = field_bytes(fields[i]);
    if (offset < b.first || offset >= b.end) continue;
    if (best < 0 || fields[i].depth > fields[static_cast<size_t>(best)].depth)
      best = static_cast<int>(i);
  }
  return best;
}

Result<Field> element_field(const Field& array, uint64_t index) {
  if ((array.kind != FieldKind::array && array.kind != FieldKind::text) || !array.element ||
      !array.count) {
    return make_error(Errc::invalid_argument, fmt::format("'{}' is not an array", array.path));
  }
  if (*array.count != 0 && index >= *array.count) {
    return make_error(Errc::out_of_range,
                      fmt::format("index {} is out of bounds for '{}' ({} elements)", index,
                                  array.path, *array.count));
  }
  const Field& e = *array.element;
  if (e.size == 0 || index > (std::numeric_limits<uint64_t>::max() / 8 - array.offset) / e.size)
    return make_error(Errc::out_of_range, fmt::format("index {} is too large", index));
  Field out = e;
  out.name = fmt::format("[{}]", index);
  out.path = array.path + out.name;
  out.parent = array.parent;
  out.depth = array.depth + 1;
  out.offset = array.offset + index * e.size;
  out.bit_offset = out.offset * 8;
  out.bit_width = 0;
  return out;
}

namespace {
// Where a resolution ended: members are looked up in `scope` among fields whose parent is
// `parent`; `base` is the scope layout's offset from the start of the outer layout.
struct Resolution {
  const Layout* scope = nullptr;
  int parent = -1;
  uint64_t base = 0;
  std::optional<Field> cur;
};

Result<Resolution> resolve(const Layout& layout, std::string_view path) {
  Resolution res;
  const Layout*& scope = res.scope;
  int& parent = res.parent;
  uint64_t& base = res.base;
  std::optional<Field>& cur = res.cur;
  scope = &layout;
  std::string done;  // the path resolved so far
  size_t i = 0;
  auto bad = [&](std::string why) {
    return make_error(Errc::invalid_argument,
                      fmt::format("field path '{}': {}", path, std::move(why)));
  };
  if (path.empty()) return bad("empty");
  while (i < path.size()) {
    if (path[i] == '[') {
      const size_t close = path.find(']', i);
      if (close == std::string_view::npos) return bad("missing ']'");
      std::string_view num = path.substr(i + 1, close - i - 1);
      uint64_t index = 0;
      int base10 = 10;
      if (num.size() > 2 && num[0] == '0' && (num[1] == 'x' || num[1] == 'X')) {
        num.remove_prefix(2);
        base10 = 16;
      }
      if (num.empty()) return bad("empty index");
      for (char ch : num) {
        int d = std::isdigit(static_cast<unsigned char>(ch)) ? ch - '0'
                : (base10 == 16 && std::isxdigit(static_cast<unsigned char>(ch)))
                    ? std::tolower(static_cast<unsigned char>(ch)) - 'a' + 10
                    : -1;
        if (d < 0) return bad(fmt::format("bad index '{}'", path.substr(i + 1, close - i - 1)));
        if (index > (std::numeric_limits<uint64_t>::max() - d) / base10)
          return bad("index too large");
        index = index * base10 + d;
      }
      if (!cur) return bad("an index needs an array before it");
      Result<Field> e = element_field(*cur, index);
      if (!e) return e.error();
      cur = std::move(*e);
      if (cur->kind == FieldKind::record) {
        if (!cur->record) return bad(fmt::format("no layout for the elements of '{}'", done));
        scope = cur->record.get();
        parent = -1;
        base = cur->offset;
      }
      done = cur->path;
      i = close + 1;
      continue;
    }
    if (path[i] == '.') {
      if (!cur) return bad("starts with '.'");
      ++i;
    } else if (cur) {
      return bad(fmt::format("expected '.' or '[' after '{}'", done));
    }
    size_t j = i;
    while (j < path.size() && path[j] != '.' && path[j] != '[') ++j;
    const std::string_view name = path.substr(i, j - i);
    if (name.empty()) return bad("empty member name");
    if (cur && cur->kind != FieldKind::record)
      return bad(fmt::format("'{}' is not a struct or union", done));
    int found = -1;
    for (size_t k = 0; k < scope->fields.size(); ++k) {
      if (scope->fields[k].parent == parent && scope->fields[k].name == name) {
        found = static_cast<int>(k);
        break;
      }
    }
    if (found < 0) {
      return make_error(
          Errc::not_found,
          fmt::format("no field '{}' in {}", name, done.empty() ? layout.type : "'" + done + "'"));
    }
    Field f = scope->fields[found];
    f.offset += base;
    f.bit_offset += base * 8;
    f.path = done.empty() ? std::string(name) : done + "." + std::string(name);
    if (scope != &layout) {
      f.depth += cur ? cur->depth + 1 : 0;
      f.parent = -1;
    }
    parent = found;
    cur = std::move(f);
    done = cur->path;
    i = j;
  }
  return res;
}

// A member of `scope` (index i) placed like resolve() places fields: offsets from the
// outer layout, path under `prefix`.
Field place(const Field& f, uint64_t base, const std::string& prefix, int depth_shift) {
  Field out = f;
  out.offset += base;
  out.bit_offset += base * 8;
  out.path = prefix + "." + f.path;
  out.depth = static_cast<unsigned>(static_cast<int>(f.depth) + depth_shift);
  out.parent = -1;
  return out;
}
}  // namespace

Result<Field> resolve_field(const Layout& layout, std::string_view path) {
  Result<Resolution> res = resolve(layout, path);
  if (!res) return res.error();
  return *res->cur;
}

Result<std::vector<Field>> resolve_subtree(const Layout& layout, std::string_view path) {
  Result<Resolution> res = resolve(layout, path);
  if (!res) return res.error();
  const Resolution& r = *res;
  std::vector<Field> out{*r.cur};
  if (r.cur->kind != FieldKind::record) return out;
  if (r.parent >= 0 && r.scope->fields[r.parent].kind == FieldKind::record &&
      r.scope->fields[r.parent].name == r.cur->name) {
    // A named record member of `scope`: its members follow it in pre-order.
    const Field& member = r.scope->fields[r.parent];
    const std::string scope_prefix = r.cur->path.substr(0, r.cur->path.size() - member.path.size());
    for (size_t k = static_cast<size_t>(r.parent) + 1;
         k < r.scope->fields.size() && r.scope->fields[k].depth > member.depth; ++k) {
      Field f = r.scope->fields[k];
      f.offset += r.base;
      f.bit_offset += r.base * 8;
      f.path = scope_prefix + f.path;
      f.depth = r.cur->depth + (f.depth - member.depth);
      if (r.scope != &layout) f.parent = -1;  // indices of the outer layout stay valid
      out.push_back(std::move(f));
    }
  } else if (r.cur->record) {
    // An element of an array of records: the element's own layout.
    for (const Field& f : r.cur->record->fields)
      out.push_back(place(f, r.cur->offset, r.cur->path, static_cast<int>(r.cur->depth) + 1));
  }
  return out;
}

}  // namespace memview
