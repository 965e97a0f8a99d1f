// Typed struct overlays on a session's bytes: the model behind the Overlays panel.
//
//  - DeclOrigin: where declarations come from (a header file, pasted text, or a layout JSON
//    document), with the parse options. Kept in the workspace.
//  - DeclSet: one parse of an origin on a worker thread (libclang takes tens to hundreds
//    of milliseconds: never on the frame). The frame loop calls poll() to pick up the result.
//  - Overlay: a type placed at an address, optionally as an array of N instances. Its layout
//    is computed on a worker too; then it has a flattened tree of rows (only expanded nodes)
//    and a per-byte map of its leaf fields (colours in the hex grid, hover descriptions).
//
// Values are decoded from the ChangeTracker (what the poller read this frame), never from
// the source; edits go through the session's Editor (journalled for undo, marked as own
// edits): aligned fields as one write of their bytes, bitfields by compare-and-swap on
// their storage unit (Editor::write_bits) so neighbouring bits written by another process
// survive.
//
// Thread-safety: everything here belongs to the GUI thread, except what the workers touch
// (their own copies of the origin, and Declarations, which is internally locked).
#pragma once

#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "memview/change_tracker.h"
#include "memview/editor.h"
#include "memview/layout.h"
#include "memview/poller.h"
#include "memview/result.h"
#include "memview/source.h"

namespace memview::gui {

struct DeclOrigin {
  enum class Kind { header, text, layout_json };
  Kind kind = Kind::header;
  std::string path;  // header: the file; layout_json: where it was read from (may be empty)
  std::string text;  // text: the declarations; layout_json: the JSON document
  ParseOptions options;

  // Identity of a parse: same key, same declarations.
  std::string key() const;
  // Short name for lists: the file name, "pasted (3 lines)", "layout: g_state".
  std::string display_name() const;
};

// Splits "a b, c" into {"a", "b", "c"} (include dirs and -D lists typed in one box).
std::vector<std::string> split_list(std::string_view text);
std::string join_list(const std::vector<std::string>& items);

class DeclSet {
 public:
  // Starts parsing on a worker thread (headers and text; a layout_json origin parses no C
  // and has one type, the layout's).
  static std::shared_ptr<DeclSet> start(DeclOrigin origin);
  ~DeclSet();

  // Picks up the worker's result when it is done; true once ready (ok or failed).
  bool poll();
  bool parsing() const { return parsing_; }
  bool ok() const { return !parsing_ && error_.empty(); }
  const DeclOrigin& origin() const { return origin_; }
  // The parse error: first line "file:line:column: error: message".
  const std::string& error() const { return error_; }
  const std::vector<TypeEntry>& types() const { return types_; }
  size_t warning_count() const { return warnings_; }
  double parse_ms() const { return parse_ms_; }
  std::shared_ptr<Declarations> declarations() const { return decls_; }
  // Blocks until the worker is done (tests, workspace loading in scripts).
  void wait();

 private:
  DeclSet() = default;
  DeclOrigin origin_;
  bool parsing_ = true;
  std::string error_;
  std::vector<TypeEntry> types_;
  size_t warnings_ = 0;
  double parse_ms_ = 0;
  std::shared_ptr<Declarations> decls_;
  struct Outcome;
  std::future<std::shared_ptr<Outcome>> future_;
};

// The parses the viewer has made, shared by all tabs.
class DeclLibrary {
 public:
  // Starts a parse of `origin`; replaces a finished parse with the same key (a reload) and
  // returns a running one as is.
  std::shared_ptr<DeclSet> load(const DeclOrigin& origin);
  // The existing parse of this origin (running or done), or starts one.
  std::shared_ptr<DeclSet> get(const DeclOrigin& origin);
  void remove(const DeclSet* set);
  void poll();  // once per frame
  const std::vector<std::shared_ptr<DeclSet>>& sets() const { return sets_; }

 private:
  std::vector<std::shared_ptr<DeclSet>> sets_;
};

// One row of an overlay's tree.
struct OverlayRow {
  enum class Kind { root, instance, field, more };
  Kind kind = Kind::field;
  std::string key;    // unique in the overlay: "", "[2]", "log[3].text", "[2].flags.brake"
  std::string label;  // what the field column shows: "text", "[3]", the overlay title
  unsigned depth = 0;
  bool expandable = false;
  bool expanded = false;
  uint64_t instance = 0;       // index of the instance the row belongs to
  uint64_t instance_addr = 0;  // absolute address of that instance
  Field field;                 // offsets relative to the instance (kind field)
  Field local;                 // the same field with offsets relative to its first byte
  uint64_t first = 0;          // absolute address of the first byte of the value
  uint64_t length = 0;         // bytes of the value (bitfields: the bytes their bits touch)
  bool editable = false;
};

// A leaf field of one instance: what a byte in the grid belongs to.
struct OverlayLeaf {
  std::string path;
  Field field;  // offsets relative to the instance
  uint8_t hue = 0;
  uint8_t shade = 0;  // alternates between neighbouring leaves of one top-level field
};

// The value of a row as drawn in one frame.
struct RowValue {
  bool available = false;  // all bytes known and readable
  std::string text;
  FieldValue value;
  float glow = 0;          // 0..1: a foreign change, fading
  bool own = false;        // every byte last written by us
  int64_t changed_ns = 0;  // latest foreign change among its bytes
};

class Overlay {
 public:
  enum class State { waiting, computing, ready, failed };

  int id = 0;
  std::string title;
  DeclOrigin origin;
  std::string type_name;
  uint64_t address = 0;  // absolute address of instance 0
  uint64_t count = 1;    // instances
  // Tree nodes to open once the layout is ready (a workspace); unset: the defaults (the
  // overlay and its small records open).
  std::optional<std::vector<std::string>> initial_expanded;

  State state() const { return state_; }
  const std::string& error() const { return error_; }
  const Layout* layout() const { return layout_.get(); }
  uint64_t instance_size() const { return layout_ ? layout_->size : 0; }
  // [address, end()) covered by all instances (saturating).
  uint64_t end() const;

  // Waits for the parse (when needed) and the layout computation. True when it changed
  // state this call.
  bool poll();
  void set_declarations(std::shared_ptr<DeclSet> set) { decls_ = std::move(set); }
  // A ready layout (from JSON or a test).
  void set_layout(Layout layout);
  void fail(std::string error);

  // The tree, flattened: only expanded nodes' children. Rebuilt when expansion changes.
  const std::vector<OverlayRow>& rows();
  void toggle(const std::string& key);
  void set_expanded(const std::string& key, bool expanded);
  bool is_expanded(const std::string& key) const;
  std::vector<std::string> expanded_keys() const { return {expanded_.begin(), expanded_.end()}; }
  // The row of a field path ("flags.brake", "[1].log[2].seq"), expanding its ancestors;
  // -1 when there is none.
  int reveal(const std::string& path);

  // Byte -> leaf field (for colours and tooltips). -1 when no field covers it.
  int leaf_at(uint64_t address) const;
  const std::vector<OverlayLeaf>& leaves() const { return leaves_; }
  uint64_t instance_of(uint64_t address) const;  // valid when address is inside

  static constexpr size_t kMaxArrayRows = 4096;  // array elements listed when expanded
  static constexpr uint64_t kMaxValueBytes = 4096;

 private:
  void build_rows();
  void build_leaves();
  void emit_fields(const Layout& l, uint64_t rel, const std::string& prefix, unsigned depth,
                   uint64_t instance, uint64_t inst_addr);
  void emit_field(const Field& f, unsigned depth, uint64_t instance, uint64_t inst_addr,
                  const std::string& prefix, const Layout* scope, size_t index);

  State state_ = State::waiting;
  std::string error_;
  std::shared_ptr<DeclSet> decls_;
  std::future<Result<Layout>> pending_;
  std::shared_ptr<const Layout> layout_;
  std::set<std::string> expanded_;
  std::vector<OverlayRow> rows_;
  bool rows_dirty_ = true;
  std::vector<OverlayLeaf> leaves_;
  std::vector<uint32_t> leaf_of_byte_;  // per byte of one instance: leaf index + 1, 0 none
};

// Field path "flags.brake" -> row key of instance k ("[k].flags.brake" when count > 1).
std::string overlay_key(const Overlay& o, uint64_t instance, const std::string& path);

// Reads a row's value from the tracker at now_ns; fade_seconds scales the glow.
RowValue overlay_row_value(const OverlayRow& row, const ChangeTracker& tracker, int64_t now_ns,
                           float fade_seconds);
// The value of a leaf field of an instance at `instance_addr`.
RowValue overlay_field_value(const Field& field, uint64_t instance_addr,
                             const ChangeTracker& tracker, int64_t now_ns, float fade_seconds);

// Writes `text` into a row's field through the editor: one Editor::write of the encoded
// bytes for ordinary fields, Editor::write_bits on each storage unit for bitfields.
Status overlay_write(Editor& editor, const SourceInfo& info, const Field& field,
                     uint64_t instance_addr, std::string_view text);

// Byte range [first, first + length) of a field of an instance (bitfields: their bytes).
ByteRange field_range(const Field& field, uint64_t instance_addr);

}  // namespace memview::gui
