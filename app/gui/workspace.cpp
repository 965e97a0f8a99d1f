#include "workspace.h"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "memview/file_read.h"
#include "memview/freeze.h"
#include "memview/json_bytes.h"

namespace memview::gui {

namespace {

using json = nlohmann::json;
constexpr int kFormat = 1;

const char* kind_name(DeclOrigin::Kind k) {
  switch (k) {
    case DeclOrigin::Kind::header:
      return "header";
    case DeclOrigin::Kind::text:
      return "text";
    case DeclOrigin::Kind::layout_json:
      return "layout";
  }
  return "header";
}

// Names, paths and texts are bytes: written with json_from_bytes, read with bytes_from_json.
json bytes(std::string_view s) {
  return json_from_bytes(s);
}

json bytes_list(const std::vector<std::string>& list) {
  json out = json::array();
  for (const std::string& s : list) out.push_back(bytes(s));
  return out;
}

// Type-checked reads: a wrong type is an error naming the key, never an exception.
struct Reader {
  std::string error;

  bool fail(std::string why) {
    if (error.empty()) error = std::move(why);
    return false;
  }
  bool str(const json& j, const char* key, std::string& out, const std::string& where) {
    auto it = j.find(key);
    if (it == j.end()) return true;
    Result<std::string> b = bytes_from_json(*it, fmt::format("{}.{}", where, key));
    if (!b) return fail(b.error().message);
    out = std::move(*b);
    return true;
  }
  bool u64(const json& j, const char* key, uint64_t& out, const std::string& where) {
    auto it = j.find(key);
    if (it == j.end()) return true;
    if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<int64_t>() >= 0)) {
      return fail(fmt::format("{}.{} must be a non-negative integer", where, key));
    }
    out = it->get<uint64_t>();
    return true;
  }
  bool boolean(const json& j, const char* key, bool& out, const std::string& where) {
    auto it = j.find(key);
    if (it == j.end()) return true;
    if (!it->is_boolean()) return fail(fmt::format("{}.{} must be true or false", where, key));
    out = it->get<bool>();
    return true;
  }
  bool strings(const json& j, const char* key, std::vector<std::string>& out,
               const std::string& where) {
    auto it = j.find(key);
    if (it == j.end()) return true;
    if (!it->is_array()) return fail(fmt::format("{}.{} must be a list of strings", where, key));
    for (const auto& e : *it) {
      Result<std::string> b = bytes_from_json(e, fmt::format("{}.{} entries", where, key));
      if (!b) return fail(b.error().message);
      out.push_back(std::move(*b));
    }
    return true;
  }
};

json watches_json(const std::vector<WorkspaceWatch>& watches) {
  json out = json::array();
  for (const WorkspaceWatch& w : watches) {
    out.push_back({{"address", bytes(w.address)},
                   {"name", bytes(w.name)},
                   {"freeze_mode", w.freeze_mode},
                   {"freeze_interval_ms", w.freeze_interval_ms},
                   {"freeze_value", bytes(w.freeze_value)},
                   {"frozen", w.frozen}});
  }
  return out;
}

void read_watches(Reader& rd, const json& js, const std::string& where,
                  std::vector<WorkspaceWatch>& out) {
  auto ws = js.find("watches");
  if (ws == js.end()) return;
  if (!ws->is_array()) {
    rd.fail(where + ".watches must be a list");
    return;
  }
  for (size_t k = 0; k < ws->size() && rd.error.empty(); ++k) {
    const json& jw = (*ws)[k];
    const std::string w = fmt::format("{}.watches[{}]", where, k);
    if (!jw.is_object()) {
      rd.fail(w + " must be an object");
      return;
    }
    WorkspaceWatch watch;
    rd.str(jw, "address", watch.address, w);
    if (watch.address.empty()) rd.fail(w + " needs an \"address\" (TYPE@OFFSET)");
    rd.str(jw, "name", watch.name, w);
    rd.str(jw, "freeze_mode", watch.freeze_mode, w);
    if (!freeze_mode_from_name(watch.freeze_mode)) {
      rd.fail(w + ".freeze_mode must be \"exact\", \"allow increase\" or \"allow decrease\"");
    }
    if (auto i = jw.find("freeze_interval_ms"); i != jw.end()) {
      if (!i->is_number() || !(i->get<double>() >= 1 && i->get<double>() <= 10'000)) {
        rd.fail(w + ".freeze_interval_ms must be a number from 1 to 10000");
      } else {
        watch.freeze_interval_ms = i->get<double>();
      }
    }
    rd.str(jw, "freeze_value", watch.freeze_value, w);
    rd.boolean(jw, "frozen", watch.frozen, w);
    out.push_back(std::move(watch));
  }
}

}  // namespace

std::string workspace_to_json(const Workspace& ws) {
  json j;
  j["memview_workspace"] = kFormat;
  j["view"] = {{"bytes_per_row", ws.bytes_per_row},
               {"theme", theme_name(ws.theme)},
               {"fade_seconds", ws.fade_seconds}};
  j["active"] = ws.active;
  json sources = json::array();
  for (const WorkspaceSource& s : ws.sources) {
    json js;
    if (s.demo) {
      js["demo"] = true;
    } else {
      js["spec"] = bytes(s.spec);
    }
    js["read_only"] = s.read_only;
    js["cursor"] = s.cursor;
    json overlays = json::array();
    for (const WorkspaceOverlay& o : s.overlays) {
      json jo;
      jo["title"] = bytes(o.title);
      jo["from"] = kind_name(o.origin.kind);
      switch (o.origin.kind) {
        case DeclOrigin::Kind::header:
          jo["header"] = bytes(o.origin.path);
          break;
        case DeclOrigin::Kind::text:
          jo["text"] = bytes(o.origin.text);
          break;
        case DeclOrigin::Kind::layout_json: {
          // The layout itself, not its path: gdb's layout files live in a runtime directory.
          json doc = json::parse(o.origin.text, nullptr, false);
          if (doc.is_discarded()) {
            jo["layout_text"] = bytes(o.origin.text);
          } else {
            jo["layout"] = std::move(doc);
          }
          if (!o.origin.path.empty()) jo["layout_path"] = bytes(o.origin.path);
          break;
        }
      }
      if (o.origin.kind != DeclOrigin::Kind::layout_json) {
        jo["type"] = bytes(o.type);
        jo["std"] = bytes(o.origin.options.standard);
        jo["include_dirs"] = bytes_list(o.origin.options.include_dirs);
        jo["defines"] = bytes_list(o.origin.options.defines);
      }
      jo["offset"] = o.offset;
      jo["count"] = o.count;
      jo["expanded"] = bytes_list(o.expanded);
      overlays.push_back(std::move(jo));
    }
    js["overlays"] = std::move(overlays);
    json bookmarks = json::array();
    for (const WorkspaceBookmark& b : s.bookmarks) {
      bookmarks.push_back({{"name", bytes(b.name)}, {"offset", b.offset}});
    }
    js["bookmarks"] = std::move(bookmarks);
    js["watches"] = watches_json(s.watches);
    sources.push_back(std::move(js));
  }
  j["sources"] = std::move(sources);
  return json_dump(j, 2) + "\n";
}

Result<Workspace> workspace_from_json(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return make_error(Errc::invalid_argument, "not valid JSON");
  if (!j.is_object() || !j.contains("memview_workspace")) {
    return make_error(Errc::invalid_argument,
                      "not a memview workspace (no \"memview_workspace\" key)");
  }
  if (!j["memview_workspace"].is_number_integer() || j["memview_workspace"].get<int>() != kFormat) {
    return make_error(Errc::unsupported,
                      fmt::format("workspace format {} is not supported (this viewer reads {})",
                                  json_dump(j["memview_workspace"]), kFormat));
  }
  Workspace ws;
  Reader rd;
  try {
    if (auto v = j.find("view"); v != j.end()) {
      if (!v->is_object()) return make_error(Errc::invalid_argument, "view must be an object");
      uint64_t bpr = 16;
      rd.u64(*v, "bytes_per_row", bpr, "view");
      if (bpr != 8 && bpr != 16 && bpr != 32) {
        rd.fail("view.bytes_per_row must be 8, 16 or 32");
      }
      ws.bytes_per_row = static_cast<int>(bpr);
      std::string theme = "dark";
      rd.str(*v, "theme", theme, "view");
      if (theme != "dark" && theme != "light") rd.fail("view.theme must be \"dark\" or \"light\"");
      ws.theme = theme == "light" ? Theme::light : Theme::dark;
      if (auto f = v->find("fade_seconds"); f != v->end()) {
        if (!f->is_number() || !(f->get<double>() >= 0.05 && f->get<double>() <= 30)) {
          rd.fail("view.fade_seconds must be a number from 0.05 to 30");
        } else {
          ws.fade_seconds = f->get<float>();
        }
      }
    }
    if (auto a = j.find("active"); a != j.end() && a->is_number_integer()) {
      ws.active = a->get<int>();
    }
    auto srcs = j.find("sources");
    if (srcs != j.end()) {
      if (!srcs->is_array()) return make_error(Errc::invalid_argument, "sources must be a list");
      for (size_t i = 0; i < srcs->size() && rd.error.empty(); ++i) {
        const json& js = (*srcs)[i];
        const std::string where = fmt::format("sources[{}]", i);
        if (!js.is_object()) {
          rd.fail(where + " must be an object");
          break;
        }
        WorkspaceSource s;
        rd.boolean(js, "demo", s.demo, where);
        rd.str(js, "spec", s.spec, where);
        if (!s.demo && s.spec.empty()) rd.fail(where + " needs a \"spec\" (or \"demo\": true)");
        rd.boolean(js, "read_only", s.read_only, where);
        rd.u64(js, "cursor", s.cursor, where);
        if (auto ov = js.find("overlays"); ov != js.end()) {
          if (!ov->is_array()) rd.fail(where + ".overlays must be a list");
          for (size_t k = 0; ov->is_array() && k < ov->size() && rd.error.empty(); ++k) {
            const json& jo = (*ov)[k];
            const std::string w = fmt::format("{}.overlays[{}]", where, k);
            if (!jo.is_object()) {
              rd.fail(w + " must be an object");
              break;
            }
            WorkspaceOverlay o;
            std::string from = "header";
            rd.str(jo, "from", from, w);
            rd.str(jo, "title", o.title, w);
            if (from == "header") {
              o.origin.kind = DeclOrigin::Kind::header;
              rd.str(jo, "header", o.origin.path, w);
              if (o.origin.path.empty()) rd.fail(w + " needs a \"header\" path");
            } else if (from == "text") {
              o.origin.kind = DeclOrigin::Kind::text;
              rd.str(jo, "text", o.origin.text, w);
            } else if (from == "layout") {
              o.origin.kind = DeclOrigin::Kind::layout_json;
              rd.str(jo, "layout_path", o.origin.path, w);
              if (auto l = jo.find("layout"); l != jo.end()) {
                o.origin.text = l->dump();
              } else {
                rd.str(jo, "layout_text", o.origin.text, w);
              }
              if (o.origin.text.empty()) rd.fail(w + " needs a \"layout\"");
            } else {
              rd.fail(w + ".from must be \"header\", \"text\" or \"layout\"");
            }
            if (o.origin.kind != DeclOrigin::Kind::layout_json) {
              rd.str(jo, "type", o.type, w);
              if (o.type.empty()) rd.fail(w + " needs a \"type\"");
              rd.str(jo, "std", o.origin.options.standard, w);
              rd.strings(jo, "include_dirs", o.origin.options.include_dirs, w);
              rd.strings(jo, "defines", o.origin.options.defines, w);
            }
            rd.u64(jo, "offset", o.offset, w);
            rd.u64(jo, "count", o.count, w);
            if (o.count == 0 || o.count > (uint64_t{1} << 24)) {
              rd.fail(w + ".count must be 1 to 16777216");
            }
            rd.strings(jo, "expanded", o.expanded, w);
            s.overlays.push_back(std::move(o));
          }
        }
        if (auto bm = js.find("bookmarks"); bm != js.end()) {
          if (!bm->is_array()) rd.fail(where + ".bookmarks must be a list");
          for (size_t k = 0; bm->is_array() && k < bm->size() && rd.error.empty(); ++k) {
            const json& jb = (*bm)[k];
            const std::string w = fmt::format("{}.bookmarks[{}]", where, k);
            if (!jb.is_object()) {
              rd.fail(w + " must be an object");
              break;
            }
            WorkspaceBookmark b;
            rd.str(jb, "name", b.name, w);
            rd.u64(jb, "offset", b.offset, w);
            s.bookmarks.push_back(std::move(b));
          }
        }
        read_watches(rd, js, where, s.watches);
        ws.sources.push_back(std::move(s));
      }
    }
  } catch (const std::exception& e) {
    return make_error(Errc::invalid_argument, fmt::format("malformed workspace: {}", e.what()));
  }
  if (!rd.error.empty()) return make_error(Errc::invalid_argument, rd.error);
  return ws;
}

Status save_workspace_file(const std::string& path, const Workspace& ws) {
  if (path.empty()) return make_error(Errc::invalid_argument, "no file name");
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return make_error(Errc::io, "cannot write " + tmp);
    out << workspace_to_json(ws);
    if (!out) return make_error(Errc::io, "cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return make_error(Errc::io, "cannot replace " + path);
  }
  return {};
}

Result<Workspace> load_workspace_file(const std::string& path) {
  // A regular file of sane size only: /dev/zero or a FIFO is refused, never read forever.
  Result<std::string> text = read_file_capped(path, kMaxTextFileBytes, "workspace");
  if (!text) return text.error();
  auto ws = workspace_from_json(*text);
  if (!ws.ok()) {
    return make_error(ws.error().code, fmt::format("workspace {}: {}", path, ws.error().message));
  }
  return ws;
}

}  // namespace memview::gui
