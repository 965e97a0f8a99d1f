#include "overlay.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <limits>

#include <fmt/format.h>

#include "change_glow.h"
#include "source_offsets.h"
#include "tracked_bytes.h"
#include "words.h"

namespace memview::gui {

namespace {

constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();
constexpr unsigned kHues = 4;              // distinct field colours in the grid
constexpr uint64_t kMaxLeafArray = 65536;  // larger arrays colour as one field
constexpr size_t kMaxLeaves = 65536;       // then arrays colour as one field each, then nothing
constexpr uint64_t kMaxByteMap = uint64_t{4} << 20;  // larger types get no colours
constexpr size_t kMaxDefaultOpenChildren = 16;       // small records start expanded

uint64_t sat_add(uint64_t a, uint64_t b) {
  return b > kU64Max - a ? kU64Max : a + b;
}

bool is_ready(const std::future<Result<Layout>>& f) {
  return f.valid() && f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

// The field with offsets relative to the instance: `rel` is where the layout `l` that
// declares it starts inside the instance, `prefix` the path of its enclosing element.
Field rebase(const Field& f, uint64_t rel, const std::string& prefix) {
  Field out = f;
  out.offset += rel;
  out.bit_offset += rel * 8;
  if (!prefix.empty()) out.path = prefix + f.path;
  return out;
}

bool editable_kind(const Field& f) {
  switch (f.kind) {
    case FieldKind::signed_int:
    case FieldKind::unsigned_int:
    case FieldKind::boolean:
    case FieldKind::floating:
    case FieldKind::enumeration:
    case FieldKind::pointer:
      return f.size > 0;
    case FieldKind::text:
      return !f.is_flexible_array() && f.size > 0;
    default:
      return false;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Origins and parses
// ---------------------------------------------------------------------------------------

std::string DeclOrigin::key() const {
  std::string k = fmt::format("{}\n{}\n{}\n{}\n", static_cast<int>(kind), path, text.size(), text);
  k += options.standard + "\n";
  for (const auto& d : options.include_dirs) k += "I" + d + "\n";
  for (const auto& d : options.defines) k += "D" + d + "\n";
  return k;
}

std::string DeclOrigin::display_name() const {
  switch (kind) {
    case Kind::header: {
      const size_t slash = path.find_last_of('/');
      return slash == std::string::npos ? path : path.substr(slash + 1);
    }
    case Kind::text:
      return fmt::format("pasted ({} line{})", std::count(text.begin(), text.end(), '\n') + 1,
                         std::count(text.begin(), text.end(), '\n') == 0 ? "" : "s");
    case Kind::layout_json:
      return path.empty() ? "layout" : "layout " + path.substr(path.find_last_of('/') + 1);
  }
  return "declarations";
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == ';') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : " ") + s;
  return out;
}

struct DeclSet::Outcome {
  Result<Declarations> result;
  double ms = 0;
};

std::shared_ptr<DeclSet> DeclSet::start(DeclOrigin origin) {
  std::shared_ptr<DeclSet> set(new DeclSet());
  set->origin_ = origin;
  set->future_ = std::async(std::launch::async, [origin = std::move(origin)]() {
    const auto t0 = std::chrono::steady_clock::now();
    auto parse = [&]() -> Result<Declarations> {
      switch (origin.kind) {
        case DeclOrigin::Kind::header:
          return parse_header_file(origin.path, origin.options);
        case DeclOrigin::Kind::text:
          return parse_declarations(origin.text, origin.options, "pasted.h");
        case DeclOrigin::Kind::layout_json:
          break;
      }
      return make_error(Errc::invalid_argument, "a layout file has no declarations to parse");
    };
    auto out = std::make_shared<Outcome>(Outcome{parse(), 0});
    out->ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return out;
  });
  return set;
}

DeclSet::~DeclSet() = default;

bool DeclSet::poll() {
  if (!parsing_) return true;
  if (!future_.valid() || future_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    return false;
  }
  std::shared_ptr<Outcome> out = future_.get();
  parse_ms_ = out->ms;
  if (out->result.ok()) {
    decls_ = std::make_shared<Declarations>(std::move(out->result).value());
    types_ = decls_->types();
    warnings_ = decls_->warnings().size();
  } else {
    error_ = out->result.error().message;
    if (error_.empty()) error_ = "the parse failed";
  }
  parsing_ = false;
  return true;
}

void DeclSet::wait() {
  if (future_.valid()) future_.wait();
  poll();
}

std::shared_ptr<DeclSet> DeclLibrary::load(const DeclOrigin& origin) {
  const std::string key = origin.key();
  for (auto& s : sets_) {
    if (s->origin().key() != key) continue;
    if (s->parsing()) return s;
    s = DeclSet::start(origin);  // a reload: the file may have changed
    return s;
  }
  sets_.push_back(DeclSet::start(origin));
  return sets_.back();
}

std::shared_ptr<DeclSet> DeclLibrary::get(const DeclOrigin& origin) {
  const std::string key = origin.key();
  for (auto& s : sets_) {
    if (s->origin().key() == key && (s->parsing() || s->ok())) return s;
  }
  return load(origin);
}

void DeclLibrary::remove(const DeclSet* set) {
  sets_.erase(
      std::remove_if(sets_.begin(), sets_.end(), [set](const auto& s) { return s.get() == set; }),
      sets_.end());
}

void DeclLibrary::poll() {
  for (auto& s : sets_) s->poll();
}

// ---------------------------------------------------------------------------------------
// Overlay
// ---------------------------------------------------------------------------------------

uint64_t Overlay::end() const {
  const uint64_t size = instance_size();
  if (size == 0) return address;
  if (count > (kU64Max - address) / size) return kU64Max;
  return address + count * size;
}

void Overlay::fail(std::string error) {
  error_ = std::move(error);
  state_ = State::failed;
  decls_.reset();
  rows_dirty_ = true;
}

bool Overlay::poll() {
  if (state_ == State::waiting) {
    if (!decls_) {
      fail("no declarations to take the type from");
      return true;
    }
    if (!decls_->poll()) return false;
    if (!decls_->ok()) {
      fail(decls_->error());
      return true;
    }
    std::shared_ptr<Declarations> d = decls_->declarations();
    std::string name = type_name;
    pending_ = std::async(std::launch::async, [d, name] { return d->layout(name); });
    state_ = State::computing;
    return true;
  }
  if (state_ == State::computing && is_ready(pending_)) {
    Result<Layout> r = pending_.get();
    if (r.ok()) {
      set_layout(std::move(r).value());
    } else {
      fail(r.error().message);
    }
    return true;
  }
  return false;
}

void Overlay::set_layout(Layout layout) {
  layout_ = std::make_shared<const Layout>(std::move(layout));
  decls_.reset();
  state_ = State::ready;
  error_.clear();
  if (count == 0) count = 1;
  // Start with the overlay open and its small records expanded: the values a person looks
  // at first, without flooding the tree with large arrays.
  if (initial_expanded) {
    expanded_.insert(initial_expanded->begin(), initial_expanded->end());
    initial_expanded.reset();
    build_leaves();
    rows_dirty_ = true;
    return;
  }
  expanded_.insert("");
  if (count > 1) expanded_.insert("[0]");
  const std::string inst = count > 1 ? "[0]." : "";
  for (size_t i = 0; i < layout_->fields.size(); ++i) {
    const Field& f = layout_->fields[i];
    if (f.depth == 0 && f.kind == FieldKind::record &&
        layout_->subtree_end(i) - i - 1 <= kMaxDefaultOpenChildren) {
      expanded_.insert(inst + f.path);
    }
  }
  build_leaves();
  rows_dirty_ = true;
}

bool Overlay::is_expanded(const std::string& key) const {
  return expanded_.count(key) != 0;
}

void Overlay::set_expanded(const std::string& key, bool expanded) {
  if (expanded == is_expanded(key)) return;
  if (expanded) {
    expanded_.insert(key);
  } else {
    expanded_.erase(key);
  }
  rows_dirty_ = true;
}

void Overlay::toggle(const std::string& key) {
  set_expanded(key, !is_expanded(key));
}

std::string overlay_key(const Overlay& o, uint64_t instance, const std::string& path) {
  if (o.count <= 1) return path;
  return path.empty() ? fmt::format("[{}]", instance) : fmt::format("[{}].{}", instance, path);
}

int Overlay::reveal(const std::string& key) {
  for (size_t i = 1; i < key.size(); ++i) {
    if (key[i] == '.' || key[i] == '[') set_expanded(key.substr(0, i), true);
  }
  set_expanded("", true);
  const std::vector<OverlayRow>& r = rows();
  for (size_t i = 0; i < r.size(); ++i) {
    if (r[i].key == key && r[i].kind != OverlayRow::Kind::root) return static_cast<int>(i);
  }
  return -1;
}

const std::vector<OverlayRow>& Overlay::rows() {
  if (rows_dirty_) {
    build_rows();
    rows_dirty_ = false;
  }
  return rows_;
}

void Overlay::build_rows() {
  rows_.clear();
  OverlayRow root;
  root.kind = OverlayRow::Kind::root;
  root.label = title;
  root.expandable = state_ == State::ready;
  root.expanded = is_expanded("");
  root.instance_addr = address;
  root.first = address;
  root.length = end() - address;
  rows_.push_back(std::move(root));
  if (state_ != State::ready || !rows_.front().expanded) return;
  if (count <= 1) {
    emit_fields(*layout_, 0, "", 1, 0, address);
    return;
  }
  const uint64_t n = std::min<uint64_t>(count, kMaxArrayRows);
  for (uint64_t k = 0; k < n; ++k) {
    OverlayRow r;
    r.kind = OverlayRow::Kind::instance;
    r.key = fmt::format("[{}]", k);
    r.label = r.key;
    r.depth = 1;
    r.expandable = true;
    r.expanded = is_expanded(r.key);
    r.instance = k;
    r.instance_addr = address + k * layout_->size;
    r.first = r.instance_addr;
    r.length = layout_->size;
    rows_.push_back(r);
    if (r.expanded) emit_fields(*layout_, 0, "", 2, k, r.instance_addr);
  }
  if (n < count) {
    OverlayRow more;
    more.kind = OverlayRow::Kind::more;
    more.key = "[...]";
    more.label = fmt::format("... {} more instances", count - n);
    more.depth = 1;
    rows_.push_back(std::move(more));
  }
}

void Overlay::emit_fields(const Layout& l, uint64_t rel, const std::string& prefix, unsigned depth,
                          uint64_t instance, uint64_t inst_addr) {
  size_t i = 0;
  while (i < l.fields.size()) {
    const Field f = rebase(l.fields[i], rel, prefix);
    const size_t sub_end = l.subtree_end(i);
    const bool children = sub_end > i + 1;
    const size_t before = rows_.size();
    emit_field(f, depth + l.fields[i].depth, instance, inst_addr, "", &l, i);
    const bool open = rows_.size() > before && rows_[before].expanded;
    i = (children && !open) ? sub_end : i + 1;
  }
}

void Overlay::emit_field(const Field& f, unsigned depth, uint64_t instance, uint64_t inst_addr,
                         const std::string&, const Layout* scope, size_t index) {
  OverlayRow r;
  r.kind = OverlayRow::Kind::field;
  r.key = overlay_key(*this, instance, f.path);
  r.label = f.name;
  r.depth = depth;
  r.instance = instance;
  r.instance_addr = inst_addr;
  const FieldBytes fb = field_bytes(f);
  r.first = sat_add(inst_addr, fb.first);
  r.length = fb.end - fb.first;
  r.local = f;
  r.local.offset -= fb.first;
  r.local.bit_offset -= fb.first * 8;
  r.field = f;
  r.editable = editable_kind(f);
  const bool named_record_children =
      scope && f.kind == FieldKind::record && scope->subtree_end(index) > index + 1;
  const bool element_record = f.kind == FieldKind::record && f.record && !f.record->fields.empty();
  const bool array = f.kind == FieldKind::array && f.count && *f.count > 0 && f.element;
  r.expandable = named_record_children || element_record || array;
  r.expanded = r.expandable && is_expanded(r.key);
  const bool expanded = r.expanded;
  rows_.push_back(std::move(r));
  if (!expanded) return;
  if (array) {
    const uint64_t n = std::min<uint64_t>(*f.count, kMaxArrayRows);
    for (uint64_t k = 0; k < n; ++k) {
      Result<Field> e = element_field(f, k);
      if (!e.ok()) break;
      emit_field(*e, depth + 1, instance, inst_addr, "", nullptr, 0);
    }
    if (n < *f.count) {
      OverlayRow more;
      more.kind = OverlayRow::Kind::more;
      more.key = overlay_key(*this, instance, f.path + "[...]");
      more.label = fmt::format("... {} more elements", *f.count - n);
      more.depth = depth + 1;
      rows_.push_back(std::move(more));
    }
  } else if (element_record) {
    emit_fields(*f.record, f.offset, f.path + ".", depth + 1, instance, inst_addr);
  }
}

void Overlay::build_leaves() {
  leaves_.clear();
  leaf_of_byte_.clear();
  if (!layout_ || layout_->size == 0 || layout_->size > kMaxByteMap) return;
  unsigned top = 0;
  unsigned shade = 0;
  // Leaves: every field that is not a record (records are their members) and every element
  // of a not-too-large array; record elements are their members again.
  std::function<void(const Field&, uint8_t)> add = [&](const Field& f, uint8_t hue) {
    if (f.kind == FieldKind::record) {
      if (f.record) {
        for (const Field& m : f.record->fields) {
          if (m.kind == FieldKind::record && !m.record) continue;  // its members follow
          add(rebase(m, f.offset, f.path + "."), hue);
        }
      }
      return;
    }
    if (leaves_.size() >= kMaxLeaves) return;  // memory stays bounded for huge types
    if (f.kind == FieldKind::array && f.count && *f.count > 0 && *f.count <= kMaxLeafArray &&
        f.element && leaves_.size() + *f.count <= kMaxLeaves) {
      for (uint64_t k = 0; k < *f.count; ++k) {
        Result<Field> e = element_field(f, k);
        if (!e.ok()) break;
        add(*e, hue);
      }
      return;
    }
    OverlayLeaf leaf;
    leaf.path = f.path;
    leaf.field = f;
    leaf.hue = hue;
    leaf.shade = static_cast<uint8_t>(shade++ & 1);
    leaves_.push_back(std::move(leaf));
  };
  for (const Field& f : layout_->fields) {
    if (f.depth == 0) {
      ++top;
      shade = 0;
    }
    if (f.kind == FieldKind::record && !f.record) continue;  // its members follow
    add(f, static_cast<uint8_t>((top - 1) % kHues));
  }
  leaf_of_byte_.assign(layout_->size, 0);
  for (size_t i = 0; i < leaves_.size(); ++i) {
    const FieldBytes fb = field_bytes(leaves_[i].field);
    const uint64_t end = std::min<uint64_t>(fb.end, layout_->size);
    for (uint64_t b = fb.first; b < end; ++b) leaf_of_byte_[b] = static_cast<uint32_t>(i + 1);
  }
}

uint64_t Overlay::instance_of(uint64_t a) const {
  const uint64_t size = instance_size();
  return size == 0 || a < address ? 0 : (a - address) / size;
}

int Overlay::leaf_at(uint64_t a) const {
  if (leaf_of_byte_.empty() || a < address || a >= end()) return -1;
  const uint64_t off = (a - address) % instance_size();
  return static_cast<int>(leaf_of_byte_[off]) - 1;
}

// ---------------------------------------------------------------------------------------
// Values and writes
// ---------------------------------------------------------------------------------------

namespace {

RowValue value_of(const Field& local, uint64_t first, uint64_t length, bool decode,
                  const ChangeTracker& tracker, int64_t now_ns, float fade_seconds) {
  RowValue v;
  // Change marks over (at most kMaxValueBytes of) the value's bytes.
  const uint64_t n = std::min(length, Overlay::kMaxValueBytes);
  bool all_own = n > 0;
  uint64_t done = 0;
  while (done < n) {
    const TrackedBytes tb = tracker.row(first + done, static_cast<size_t>(n - done));
    if (tb.length == 0) {
      all_own = false;
      break;
    }
    for (size_t i = 0; i < tb.length; ++i) {
      if (tb.changed_ns[i] > v.changed_ns) v.changed_ns = tb.changed_ns[i];
      if (!(tb.flags[i] & kOwnEdit)) all_own = false;
    }
    done += tb.length;
  }
  v.own = all_own;
  v.glow = change_glow(v.changed_ns, now_ns, fade_seconds);
  if (!decode) {
    v.available = true;
    return v;
  }
  if (length > Overlay::kMaxValueBytes) {
    v.available = true;
    v.text = "(" + bytes_text(length) + ")";
    return v;
  }
  std::byte small[64];
  std::vector<std::byte> big;
  std::byte* buf = small;
  if (length > sizeof(small)) {
    big.resize(length);
    buf = big.data();
  }
  const size_t got = gather_known(tracker, first, static_cast<size_t>(length), buf);
  if (got < length) {
    v.text = "n/a";
    return v;
  }
  Result<FieldValue> d = decode_field(local, std::span<const std::byte>(buf, length));
  if (!d.ok()) {
    v.text = d.error().message;
    return v;
  }
  v.available = true;
  v.value = std::move(d).value();
  v.text = v.value.text;
  return v;
}

}  // namespace

RowValue overlay_row_value(const OverlayRow& row, const ChangeTracker& tracker, int64_t now_ns,
                           float fade_seconds) {
  const bool decode = row.kind == OverlayRow::Kind::field &&
                      !(row.field.kind == FieldKind::record && !row.field.record);
  return value_of(row.local, row.first, row.length, decode, tracker, now_ns, fade_seconds);
}

RowValue overlay_field_value(const Field& field, uint64_t instance_addr,
                             const ChangeTracker& tracker, int64_t now_ns, float fade_seconds) {
  const FieldBytes fb = field_bytes(field);
  Field local = field;
  local.offset -= fb.first;
  local.bit_offset -= fb.first * 8;
  const bool decode = !(field.kind == FieldKind::record && !field.record);
  return value_of(local, sat_add(instance_addr, fb.first), fb.end - fb.first, decode, tracker,
                  now_ns, fade_seconds);
}

ByteRange field_range(const Field& field, uint64_t instance_addr) {
  const FieldBytes fb = field_bytes(field);
  return {sat_add(instance_addr, fb.first), fb.end - fb.first};
}

Status overlay_write(Editor& editor, const SourceInfo& info, const Field& field,
                     uint64_t instance_addr, std::string_view text) {
  if (!editable_kind(field)) {
    return make_error(Errc::invalid_argument,
                      fmt::format("'{}' ({}) cannot be edited as a whole: edit its members or "
                                  "elements",
                                  field.path, field.type));
  }
  if (field.offset > kU64Max - instance_addr) {
    return make_error(Errc::out_of_range, fmt::format("'{}' lies past 2^64", field.path));
  }
  if (!field.bit_width) {
    // One write of exactly the field's bytes: an aligned 1/2/4/8-byte field is one store.
    Result<std::vector<std::byte>> bytes = encode_field_bytes(field, text);
    if (!bytes.ok()) return bytes.error();
    return editor.write(instance_addr + field.offset, bytes.value());
  }
  // A bitfield: the new value's bits, then a compare-and-swap per storage unit so that the
  // neighbouring bits (maybe another process's) are kept.
  const FieldBytes fb = field_bytes(field);
  Field local = field;
  local.offset -= fb.first;
  local.bit_offset -= fb.first * 8;
  std::vector<std::byte> scratch(fb.end - fb.first);
  if (Status st = encode_field(local, text, scratch); !st.ok()) return st;
  Result<FieldValue> v = decode_field(local, scratch);
  if (!v.ok()) return v.error();
  const uint64_t value = v->bits;
  const std::vector<BitfieldUnit> units =
      bitfield_units(field, instance_addr, info.base, source_end(info));
  if (units.empty()) {
    return make_error(Errc::out_of_range, fmt::format("'{}' is outside the object", field.path));
  }
  for (const BitfieldUnit& u : units) {
    if (Status st = check_write_range(info, u.address, u.width); !st.ok()) return st;
  }
  for (const BitfieldUnit& u : units) {
    const uint64_t piece = u.field_bit >= 64 ? 0 : (value >> u.field_bit) << u.shift;
    if (Status st = editor.write_bits(u.address, u.width, u.mask, piece); !st.ok()) return st;
  }
  return {};
}

}  // namespace memview::gui
