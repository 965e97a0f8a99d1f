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

Result<Field> resolve_field(const Layout& layout, std::string_view path) {
  // State: members are looked up in `scope` among fields whose parent is `parent`;
  // `base` is the scope layout's offset from the start of `layout`.
  const Layout* scope = &layout;
  int parent = -1;
  uint64_t base = 0;
  std::optional<Field> cur;
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
  return *cur;
}

}  // namespace memview
