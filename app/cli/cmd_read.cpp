// memview-cli read SPEC --header FILE --type NAME [--at OFFSET] [--count N] [--field PATH]
// [--json]: typed values of a struct overlaid on the live mapping (read-only open).
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "command.h"
#include "layout_args.h"
#include "memview/json_bytes.h"
#include "memview/layout.h"
#include "memview/numbers.h"
#include "memview/source.h"

namespace memview::cli {
namespace {

using ojson = nlohmann::ordered_json;

constexpr uint64_t kMaxCount = 1000000;
constexpr uint64_t kMaxJsonElements = 65536;
// One struct is read into memory whole; --json holds at most this many values in all
// (fields, array elements: nested arrays and --count multiply), and says "truncated" when
// it stopped. Text is written out as it goes.
constexpr uint64_t kMaxStructBytes = uint64_t{256} << 20;
constexpr uint64_t kMaxJsonValues = 1000000;

// Values left to print in this document.
struct JsonBudget {
  uint64_t left = kMaxJsonValues;
  bool truncated = false;
  bool take() {
    if (left == 0) {
      truncated = true;
      return false;
    }
    --left;
    return true;
  }
};

struct ReadOptions {
  std::string spec;
  LayoutArgs args;
  std::optional<std::string> at;
  std::optional<std::string> count;
  std::optional<std::string> field;
  bool json = false;
};

bool readable(const Field& f, uint64_t object_address, const ReadOutcome& outcome) {
  const uint64_t first = f.bit_width ? f.bit_offset / 8 : f.offset;
  const uint64_t end = f.bit_width ? (f.bit_offset + f.bit_width + 7) / 8 : f.offset + f.size;
  for (const ByteRange& bad : outcome.unreadable) {
    if (bad.address < object_address + end && bad.end() > object_address + first) return false;
  }
  return true;
}

ojson json_value(const Field& f, std::span<const std::byte> object, unsigned depth,
                 JsonBudget& budget);

// Members of `layout` under `parent` (a record element's layout placed at `base`).
ojson record_object(const Layout& layout, int parent, uint64_t base,
                    std::span<const std::byte> object, unsigned depth, JsonBudget& budget) {
  ojson obj = ojson::object();
  for (size_t i : layout.children(parent)) {
    Field m = layout.fields[i];
    m.offset += base;
    m.bit_offset += base * 8;
    obj[m.name] = (m.kind == FieldKind::record && !m.record)
                      ? record_object(layout, static_cast<int>(i), base, object, depth + 1, budget)
                      : json_value(m, object, depth + 1, budget);
  }
  return obj;
}

// The value as JSON: numbers, booleans, enum names, strings for text, arrays, objects for
// record elements.
ojson json_value(const Field& f, std::span<const std::byte> object, unsigned depth,
                 JsonBudget& budget) {
  if (!budget.take()) return nullptr;
  Result<FieldValue> v = decode_field(f, object);
  if (!v) return nullptr;
  switch (f.kind) {
    case FieldKind::signed_int:
      return v->integer;
    case FieldKind::unsigned_int:
    case FieldKind::pointer:
      return v->bits;
    case FieldKind::boolean:
      return v->bits != 0;
    case FieldKind::enumeration:
      if (v->enumerator) return v->enumerator->name;
      return f.is_signed ? ojson(v->integer) : ojson(v->bits);
    case FieldKind::floating:
      if (std::isfinite(v->number)) return v->number;
      return v->text;
    case FieldKind::text:
      return v->text;
    case FieldKind::array: {
      ojson arr = ojson::array();
      if (depth > 16 || !f.count) return arr;
      uint64_t n = *f.count;
      if (n == 0 && f.element)
        n = (object.size() - std::min<uint64_t>(f.offset, object.size())) / f.element->size;
      for (uint64_t i = 0; i < n && i < kMaxJsonElements && budget.left != 0; ++i) {
        Result<Field> e = element_field(f, i);
        if (!e) break;
        arr.push_back(json_value(*e, object, depth + 1, budget));
      }
      if (n > kMaxJsonElements || (budget.left == 0 && arr.size() < n)) budget.truncated = true;
      return arr;
    }
    case FieldKind::record:
      if (!f.record || depth > 16) return nullptr;
      return record_object(*f.record, -1, f.offset, object, depth + 1, budget);
    default:
      return v->text;
  }
}

int run_read(const ReadOptions& o) {
  Result<Layout> layout = load_layout(o.args);
  if (!layout) return fail(first_line(layout.error()));
  uint64_t at = 0, count = 1;
  if (o.at) {
    Result<uint64_t> v = parse_u64(*o.at, "--at offset");
    if (!v) return fail(v.error());
    at = *v;
  }
  if (o.count) {
    Result<uint64_t> v = parse_u64(*o.count, "--count");
    if (!v) return fail(v.error());
    if (*v == 0 || *v > kMaxCount) return failf("--count must be 1..{}", kMaxCount);
    count = *v;
  }
  std::vector<Field> rows;
  if (o.field) {
    Result<std::vector<Field>> sub = resolve_subtree(*layout, *o.field);
    if (!sub) return fail(sub.error());
    rows = std::move(*sub);
  } else {
    rows = layout->fields;
  }

  Result<SourcePtr> opened = open_spec(o.spec, /*read_only=*/true);
  if (!opened) return fail(opened.error());
  Source& source = **opened;
  const SourceInfo& info = source.info();
  const uint64_t size = layout->size;
  if (size == 0) return fail("the type has size 0");
  if (size > kMaxStructBytes) {
    return failf(
        "{} is {} bytes: read takes structs of up to {} bytes (dump shows the bytes "
        "of any range)",
        layout->type, size, kMaxStructBytes);
  }
  if (count > (std::numeric_limits<uint64_t>::max() - at) / size)
    return fail("--at/--count overflow");
  Status inside = check_inside(info, at, count * size,
                               fmt::format("{} x {} ({} bytes each)", count, layout->type, size));
  if (!inside) return fail(inside.error());

  std::vector<std::byte> bytes(size);
  std::string out;
  ojson records = ojson::array();
  JsonBudget budget;
  for (uint64_t i = 0; i < count; ++i) {
    if (o.json && budget.left == 0) {
      budget.truncated = true;
      break;
    }
    const uint64_t address = at + i * size;
    ReadOutcome r = source.read(address, bytes);
    if (o.json) {
      ojson fields = ojson::array();
      for (const Field& f : rows) {
        if (!budget.take()) break;
        ojson jf = ojson::object();
        jf["path"] = f.path;
        jf["offset"] = f.offset;
        if (f.bit_width) {
          jf["bit_offset"] = f.bit_offset;
          jf["bit_width"] = f.bit_width;
        }
        jf["type"] = f.type;
        jf["kind"] = field_kind_name(f.kind);
        if (!readable(f, address, r)) {
          jf["value"] = nullptr;
          jf["error"] = json_message<ojson>(r.message.empty() ? "unreadable" : r.message);
        } else if (f.kind == FieldKind::record && !f.record) {
          jf["value"] = nullptr;  // its members follow
        } else {
          jf["value"] = json_value(f, bytes, 0, budget);
          Result<FieldValue> v = decode_field(f, bytes);
          if (v) jf["text"] = v->text;
        }
        fields.push_back(std::move(jf));
      }
      records.push_back({{"index", i}, {"address", address}, {"fields", std::move(fields)}});
    } else {
      out += count > 1
                 ? fmt::format("[{}] {} at 0x{:x} ({} bytes)\n", i, layout->type, address, size)
                 : fmt::format("{} at 0x{:x} ({} bytes)\n", layout->type, address, size);
      for (const Field& f : rows) {
        std::string name = std::string(size_t{f.depth} * 2, ' ') + f.name;
        if (o.field && &f == &rows.front()) name = f.path;
        std::string value;
        if (!readable(f, address, r)) {
          value = "= <unreadable>";
        } else if (f.kind != FieldKind::record || f.record) {
          Result<FieldValue> v = decode_field(f, bytes);
          if (!v) {
            value = "= <" + v.error().message + ">";
          } else if (f.kind == FieldKind::text) {
            value = "= \"" + v->text + "\"";
          } else {
            value = "= " + v->text;
          }
        }
        std::string bits = f.bit_width ? fmt::format(":{}", f.bit_width) : "";
        out += fmt::format("  0x{:04x}  {:<28} {:<20} {}\n", f.offset, name + bits, f.type, value);
      }
      if (out.size() >= (size_t{1} << 20)) {  // bounded memory for a large --count
        if (!write_stdout(out)) return kExitFailure;
        out.clear();
      }
    }
  }
  if (o.json) {
    ojson doc = ojson::object();
    doc["spec"] = json_from_bytes<ojson>(info.spec);
    doc["type"] = json_from_bytes<ojson>(layout->type);
    doc["size"] = size;
    doc["records"] = std::move(records);
    if (budget.truncated) doc["truncated"] = true;  // long arrays were cut short
    out = json_dump(doc, 2) + "\n";
  }
  return write_stdout(out) ? 0 : kExitFailure;
}

void setup_read(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<ReadOptions>();
  CLI::App* sub =
      app.add_subcommand("read", "Print a struct's typed field values from a live mapping");
  sub->add_option("SPEC", opts->spec, spec_help())->required();
  add_layout_options(sub, opts->args, /*allow_json_file=*/true);
  sub->add_option("--at", opts->at, "Offset of the (first) struct in the object (default 0)");
  sub->add_option("--count", opts->count, "Read N consecutive structs (an array of N)");
  sub->add_option("--field", opts->field, "Only this field (and its members): a.b, arr[2].x");
  sub->add_flag("--json", opts->json, "Print JSON");
  sub->callback([opts, &exit_code] { exit_code = run_read(*opts); });
}

}  // namespace
}  // namespace memview::cli

MEMVIEW_CLI_COMMAND(memview::cli::setup_read)
