// Parsing C/C++ declarations with libclang and computing struct layouts from clang's
// record layout (the same answer the compiler gives: packed/aligned attributes, bitfields,
// anonymous members, flexible arrays).
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>
#include <sys/stat.h>

#include "memview/file_read.h"
#include "memview/layout.h"

#if MEMVIEW_HAVE_LIBCLANG
#include "layout/libclang_loader.h"
#endif

namespace memview {

std::string Diagnostic::text() const {
  const char* sev = severity == Severity::fatal     ? "fatal error"
                    : severity == Severity::error   ? "error"
                    : severity == Severity::warning ? "warning"
                                                    : "note";
  if (file.empty()) return fmt::format("{}: {}", sev, message);
  return fmt::format("{}:{}:{}: {}: {}", file, line, column, sev, message);
}

const char* default_standard(std::string_view file_name) {
  // gcc's suffixes for C++ sources and headers (gcc -x c++ / c++-header); case matters.
  static const char* const kCxxSuffixes[] = {".hpp", ".hh",  ".hxx", ".h++", ".hp",
                                             ".HPP", ".tcc", ".H",   ".cpp", ".cc",
                                             ".cxx", ".c++", ".cp",  ".CPP", ".C"};
  const size_t dot = file_name.rfind('.');
  const size_t slash = file_name.find_last_of("/\\");
  if (dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash)) {
    const std::string_view suffix = file_name.substr(dot);
    for (const char* s : kCxxSuffixes) {
      if (suffix == s) return kDefaultCxxStandard;
    }
  }
  return kDefaultCStandard;
}

#if MEMVIEW_HAVE_LIBCLANG

namespace {

constexpr size_t kMaxFields = 200000;  // per layout, element layouts included
constexpr size_t kMaxReportedErrors = 10;

// libclang, loaded at run time (libclang_loader.h). parse() loads it before anything else;
// every other libclang call works on a Declarations, which only a successful parse makes.
const layout_detail::LibClang& clang() {
  return *layout_detail::load_libclang().value();
}

std::string take(CXString s) {
  const char* c = clang().getCString(s);
  std::string out = c ? c : "";
  clang().disposeString(s);
  return out;
}

// clang_visitChildren with a C++ callable; exceptions never cross libclang's C frames.
template <class F>
bool visit_children(CXCursor cursor, F&& f) {
  struct Ctx {
    F* fn;
    bool failed = false;
  } ctx{&f};
  clang().visitChildren(
      cursor,
      [](CXCursor c, CXCursor parent, CXClientData d) -> CXChildVisitResult {
        auto* ctx = static_cast<Ctx*>(d);
        try {
          return (*ctx->fn)(c, parent);
        } catch (...) {
          ctx->failed = true;
          return CXChildVisit_Break;
        }
      },
      &ctx);
  return !ctx.failed;
}

std::vector<CXCursor> record_fields(CXType record) {
  std::vector<CXCursor> out;
  struct Ctx {
    std::vector<CXCursor>* out;
    bool failed = false;
  } ctx{&out};
  clang().Type_visitFields(
      record,
      [](CXCursor c, CXClientData d) -> CXVisitorResult {
        auto* ctx = static_cast<Ctx*>(d);
        try {
          ctx->out->push_back(c);
          return CXVisit_Continue;
        } catch (...) {
          ctx->failed = true;
          return CXVisit_Break;
        }
      },
      &ctx);
  if (ctx.failed) throw std::bad_alloc();
  return out;
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// clang 14 on Debian finds <stddef.h> & co. only in its resource directory, which
// libclang derives from its own (different) install path: pass it explicitly.
const std::string& resource_dir() {
  static const std::string dir = [] {
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("MEMVIEW_CLANG_RESOURCE_DIR")) candidates.push_back(env);
#ifdef MEMVIEW_CLANG_RESOURCE_DIR
    candidates.push_back(MEMVIEW_CLANG_RESOURCE_DIR);
#endif
    candidates.push_back("/usr/lib/llvm-14/lib/clang/14.0.6");
    candidates.push_back("/usr/include/clang/14.0.6");
    for (const std::string& c : candidates) {
      if (file_exists(c + "/include/stddef.h")) return c;
    }
    return std::string();
  }();
  return dir;
}

// libclang's first index creation initialises LLVM globals (targets, crash recovery):
// serialise index creation and disposal; parses themselves run concurrently.
std::mutex& index_mutex() {
  static std::mutex m;
  return m;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// "struct  foo " -> "struct foo"
std::string normalise_name(std::string_view s) {
  std::string out;
  bool space = false;
  for (char ch : trim(s)) {
    if (std::isspace(static_cast<unsigned char>(ch))) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += ch;
  }
  if (out.rfind("::", 0) == 0) out.erase(0, 2);
  return out;
}

// clang spells unnamed records "struct (unnamed struct at f.h:3:5)" or
// "struct s::(anonymous at f.h:2:3)": show them as "struct {...}".
std::string tidy_spelling(std::string s) {
  for (;;) {
    size_t p = s.find("(unnamed ");
    if (p == std::string::npos) p = s.find("(anonymous ");
    if (p == std::string::npos) p = s.find("(anonymous)");
    if (p == std::string::npos) break;
    size_t e = s.find(')', p);
    if (e == std::string::npos) break;
    size_t q = p;  // also drop a qualifier "s::" right before it
    while (q >= 2 && s.compare(q - 2, 2, "::") == 0) {
      q -= 2;
      while (q > 0 && (std::isalnum(static_cast<unsigned char>(s[q - 1])) || s[q - 1] == '_')) --q;
    }
    s.replace(q, e + 1 - q, "{...}");
  }
  return s;
}

bool is_record_decl_kind(CXCursorKind k) {
  return k == CXCursor_StructDecl || k == CXCursor_UnionDecl || k == CXCursor_ClassDecl;
}

const char* record_keyword(CXCursorKind k) {
  return k == CXCursor_UnionDecl ? "union" : k == CXCursor_ClassDecl ? "class" : "struct";
}

std::string layout_error_name(long long code) {
  switch (code) {
    case CXTypeLayoutError_Incomplete:
      return "is incomplete (declared but not defined)";
    case CXTypeLayoutError_Dependent:
      return "is a dependent (template) type";
    case CXTypeLayoutError_NotConstantSize:
      return "has no constant size";
    case CXTypeLayoutError_Undeduced:
      return "is undeduced";
    default:
      return "has no computable layout";
  }
}

}  // namespace

struct Declarations::Impl {
  mutable std::mutex mutex;
  CXIndex index = nullptr;
  CXTranslationUnit tu = nullptr;
  std::string source_name;
  bool cxx = false;
  std::vector<Diagnostic> warnings;
  std::vector<TypeEntry> types;
  std::unordered_map<std::string, CXCursor> tags;     // "struct foo" (C), "ns::c" (C++)
  std::unordered_map<std::string, CXType> typedefs;   // "foo_t" / "ns::foo_t"
  std::unordered_map<std::string, std::string> bare;  // C: "foo" -> "struct foo"

  ~Impl() {
    if (tu) clang().disposeTranslationUnit(tu);
    if (index) {
      std::lock_guard<std::mutex> lock(index_mutex());
      clang().disposeIndex(index);
    }
  }
};

struct DeclarationsAccess {
  static Declarations make(std::unique_ptr<Declarations::Impl> impl) {
    return Declarations(std::move(impl));
  }
};

namespace {

Diagnostic to_diagnostic(CXDiagnostic d) {
  Diagnostic out;
  switch (clang().getDiagnosticSeverity(d)) {
    case CXDiagnostic_Fatal:
      out.severity = Diagnostic::Severity::fatal;
      break;
    case CXDiagnostic_Error:
      out.severity = Diagnostic::Severity::error;
      break;
    case CXDiagnostic_Warning:
      out.severity = Diagnostic::Severity::warning;
      break;
    default:
      out.severity = Diagnostic::Severity::note;
      break;
  }
  CXString file;
  unsigned line = 0, column = 0;
  clang().getPresumedLocation(clang().getDiagnosticLocation(d), &file, &line, &column);
  out.file = take(file);
  out.line = line;
  out.column = column;
  out.message = take(clang().getDiagnosticSpelling(d));
  return out;
}

// Walks the translation unit for named record definitions and typedefs.
void collect_types(Declarations::Impl& impl) {
  std::vector<TypeEntry> main_types, other_types;
  auto location_of = [](CXCursor c, TypeEntry& e) {
    CXSourceLocation loc = clang().getCursorLocation(c);
    CXString file;
    unsigned line = 0, column = 0;
    clang().getPresumedLocation(loc, &file, &line, &column);
    e.file = take(file);
    e.line = line;
    e.in_main_file = clang().Location_isFromMainFile(loc) != 0;
  };
  auto add_entry = [&](TypeEntry e) {
    (e.in_main_file ? main_types : other_types).push_back(std::move(e));
  };

  std::function<void(CXCursor, const std::string&)> walk = [&](CXCursor parent,
                                                               const std::string& scope) {
    std::vector<CXCursor> children;
    if (!visit_children(parent, [&](CXCursor c, CXCursor) {
          children.push_back(c);
          return CXChildVisit_Continue;
        }))
      throw std::bad_alloc();
    for (CXCursor c : children) {
      const CXCursorKind k = clang().getCursorKind(c);
      if (k == CXCursor_Namespace) {
        const std::string name = take(clang().getCursorSpelling(c));
        walk(c, name.empty() ? scope : scope + name + "::");
      } else if (k == CXCursor_LinkageSpec || k == CXCursor_UnexposedDecl) {
        // extern "C" { ... } (glibc's __BEGIN_DECLS): libclang 14 reports it as an
        // unexposed declaration; its members belong to the enclosing scope.
        walk(c, scope);
      } else if (is_record_decl_kind(k)) {
        const std::string name = take(clang().getCursorSpelling(c));
        const bool named = !name.empty() && !clang().Cursor_isAnonymous(c);
        if (named && clang().isCursorDefinition(c) && !clang().isInvalidDeclaration(c)) {
          const std::string key =
              impl.cxx ? scope + name : std::string(record_keyword(k)) + " " + name;
          if (impl.tags.emplace(key, c).second) {
            if (!impl.cxx) impl.bare.emplace(name, key);
            TypeEntry e;
            e.name = key;
            e.kind = record_keyword(k);
            const long long size = clang().Type_getSizeOf(clang().getCursorType(c));
            e.size = size > 0 ? static_cast<uint64_t>(size) : 0;
            location_of(c, e);
            if (size >= 0) add_entry(std::move(e));
          }
        }
        // Nested definitions: C puts them in the enclosing scope, C++ in the class's.
        walk(c, impl.cxx && named ? scope + name + "::" : scope);
      } else if (k == CXCursor_TypedefDecl || k == CXCursor_TypeAliasDecl) {
        const std::string name = scope + take(clang().getCursorSpelling(c));
        const CXType underlying = clang().getTypedefDeclUnderlyingType(c);
        if (impl.typedefs.emplace(name, underlying).second) {
          const CXType canonical = clang().getCanonicalType(underlying);
          if (canonical.kind == CXType_Record) {
            const long long size = clang().Type_getSizeOf(canonical);
            if (size >= 0) {
              TypeEntry e;
              e.name = name;
              e.kind = "typedef";
              e.size = static_cast<uint64_t>(size);
              location_of(c, e);
              add_entry(std::move(e));
            }
          }
        }
      }
    }
  };
  walk(clang().getTranslationUnitCursor(impl.tu), "");
  std::sort(other_types.begin(), other_types.end(),
            [](const TypeEntry& a, const TypeEntry& b) { return a.name < b.name; });
  impl.types = std::move(main_types);
  impl.types.insert(impl.types.end(), std::make_move_iterator(other_types.begin()),
                    std::make_move_iterator(other_types.end()));
}

Result<Declarations> parse(const std::string& main_file, const CXUnsavedFile* unsaved,
                           const ParseOptions& options) {
  // Only here is libclang loaded; without it, parsing fails and everything else still works.
  if (const Result<const layout_detail::LibClang*>& lib = layout_detail::load_libclang(); !lib)
    return lib.error();
  auto impl = std::make_unique<Declarations::Impl>();
  impl->source_name = main_file;
  const std::string standard =
      options.standard.empty() ? default_standard(main_file) : options.standard;
  static const char* const kStandards[] = {
      "c89",     "c90",     "c99",     "c11",     "c17",     "c18",    "c2x",     "gnu89",
      "gnu90",   "gnu99",   "gnu11",   "gnu17",   "gnu18",   "gnu2x",  "c++98",   "c++03",
      "c++11",   "c++14",   "c++17",   "c++20",   "c++2a",   "c++2b",  "gnu++98", "gnu++03",
      "gnu++11", "gnu++14", "gnu++17", "gnu++20", "gnu++2a", "gnu++2b"};
  if (std::find(std::begin(kStandards), std::end(kStandards), standard) == std::end(kStandards)) {
    return make_error(Errc::invalid_argument,
                      fmt::format("unknown language standard '{}' (use gnu17, c11, c17, "
                                  "c99, gnu11, gnu++17, c++17, c++20, ...)",
                                  standard));
  }
  impl->cxx = standard.find("++") != std::string::npos;

  // A header parsed as the main file: "#pragma once in main file" would be noise.
  std::vector<std::string> args = {"-x", impl->cxx ? "c++" : "c", "-std=" + standard,
                                   "-Wno-pragma-once-outside-header"};
  if (!resource_dir().empty()) {
    args.push_back("-resource-dir");
    args.push_back(resource_dir());
    args.push_back("-isystem");
    args.push_back(resource_dir() + "/include");
  }
  for (const std::string& dir : options.include_dirs) args.push_back("-I" + dir);
  for (const std::string& def : options.defines) {
    if (def.empty() || def.front() == '=')
      return make_error(Errc::invalid_argument, fmt::format("invalid define '{}'", def));
    args.push_back("-D" + def);
  }
  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const std::string& a : args) argv.push_back(a.c_str());

  {
    std::lock_guard<std::mutex> lock(index_mutex());
    // Crash recovery stays off (it defeats the sources' guarded reads of shrinking mappings):
    // the loader set LIBCLANG_DISABLE_CRASH_RECOVERY before libclang was loaded (createIndex
    // reads it) and the toggle turns recovery off explicitly as well.
    impl->index = clang().createIndex(/*excludeDeclarationsFromPCH=*/0, /*displayDiagnostics=*/0);
    clang().toggleCrashRecovery(0);
  }
  if (!impl->index) return make_error(Errc::io, "libclang could not create an index");

  const unsigned flags = CXTranslationUnit_SkipFunctionBodies;
  const CXErrorCode rc = clang().parseTranslationUnit2(
      impl->index, main_file.c_str(), argv.data(), static_cast<int>(argv.size()),
      const_cast<CXUnsavedFile*>(unsaved), unsaved ? 1 : 0, flags, &impl->tu);
  if (rc != CXError_Success || !impl->tu) {
    const char* why = rc == CXError_Crashed            ? "libclang crashed"
                      : rc == CXError_InvalidArguments ? "invalid arguments"
                      : rc == CXError_ASTReadError     ? "AST read error"
                                                       : "failure";
    return make_error(
        Errc::invalid_argument,
        fmt::format("{}: clang could not parse it ({}; check --std, -I and -D)", main_file, why));
  }

  // A fatal error (e.g. a missing #include) still yields a "successful" translation unit
  // with empty records: any error makes the parse fail.
  std::vector<Diagnostic> errors;
  const unsigned n = clang().getNumDiagnostics(impl->tu);
  for (unsigned i = 0; i < n; ++i) {
    CXDiagnostic d = clang().getDiagnostic(impl->tu, i);
    Diagnostic diag = to_diagnostic(d);
    clang().disposeDiagnostic(d);
    if (diag.severity >= Diagnostic::Severity::error) {
      errors.push_back(std::move(diag));
    } else if (diag.severity == Diagnostic::Severity::warning) {
      impl->warnings.push_back(std::move(diag));
    }
  }
  if (!errors.empty()) {
    std::string msg = errors.front().text();
    for (size_t i = 1; i < errors.size() && i <= kMaxReportedErrors; ++i)
      msg += "\n" + errors[i].text();
    if (errors.size() > kMaxReportedErrors + 1)
      msg += fmt::format("\n({} more errors)", errors.size() - kMaxReportedErrors - 1);
    return make_error(Errc::invalid_argument, std::move(msg));
  }
  collect_types(*impl);
  return DeclarationsAccess::make(std::move(impl));
}

// Computes a Layout from clang's record layout.
class LayoutBuilder {
 public:
  explicit LayoutBuilder(bool cxx) : cxx_(cxx) {}

  Status build(CXType record, Layout& out) {
    const CXType canonical = clang().getCanonicalType(record);
    Status st = check_record(canonical, out.type);
    if (!st) return st;
    out.size = static_cast<uint64_t>(clang().Type_getSizeOf(canonical));
    const long long align = clang().Type_getAlignOf(canonical);
    out.align = align > 0 ? static_cast<uint64_t>(align) : 1;
    out.is_union =
        clang().getCursorKind(clang().getTypeDeclaration(canonical)) == CXCursor_UnionDecl;
    return add_members(canonical, 0, "", -1, 0, out);
  }

 private:
  Error fail(std::string msg) { return make_error(Errc::invalid_argument, std::move(msg)); }

  Status count_field() {
    if (++fields_ > kMaxFields)
      return fail(fmt::format("the type has more than {} fields", kMaxFields));
    return {};
  }

  // Rejects what has no compiler-exact layout here: incomplete, dependent, invalid,
  // polymorphic or otherwise non-standard-layout classes.
  Status check_record(CXType canonical, const std::string& name) {
    if (canonical.kind != CXType_Record)
      return fail(fmt::format("'{}' is not a struct, union or class", name));
    const long long size = clang().Type_getSizeOf(canonical);
    if (size == CXTypeLayoutError_Incomplete && clang().Type_getNumTemplateArguments(canonical) > 0)
      return fail(
          fmt::format("'{}' is a class template specialization that the header never "
                      "instantiates (use it in a member or add 'template struct {};')",
                      name, tidy_spelling(take(clang().getTypeSpelling(canonical)))));
    if (size < 0) return fail(fmt::format("'{}' {}", name, layout_error_name(size)));
    CXCursor decl = clang().getCursorDefinition(clang().getTypeDeclaration(canonical));
    if (clang().Cursor_isNull(decl)) return fail(fmt::format("'{}' is incomplete", name));
    if (clang().isInvalidDeclaration(decl)) return fail(fmt::format("'{}' is invalid", name));
    return {};
  }

  // C++: base classes whose fields belong to the layout. In a standard-layout class all
  // data members are declared in one class of the hierarchy, which sits at offset 0.
  Result<std::vector<CXType>> bases_of(CXType canonical, const std::string& name) {
    std::vector<CXType> bases;
    if (!cxx_) return bases;
    CXCursor decl = clang().getCursorDefinition(clang().getTypeDeclaration(canonical));
    std::string problem;
    const bool ok = visit_children(decl, [&](CXCursor c, CXCursor) {
      const CXCursorKind k = clang().getCursorKind(c);
      if (k == CXCursor_CXXBaseSpecifier) {
        if (clang().isVirtualBase(c)) {
          problem = "has a virtual base class";
          return CXChildVisit_Break;
        }
        bases.push_back(clang().getCanonicalType(clang().getCursorType(c)));
      } else if ((k == CXCursor_CXXMethod || k == CXCursor_Destructor ||
                  k == CXCursor_ConversionFunction) &&
                 clang().CXXMethod_isVirtual(c)) {
        problem = "has virtual functions";
        return CXChildVisit_Break;
      }
      return CXChildVisit_Continue;
    });
    if (!ok) throw std::bad_alloc();
    if (!problem.empty())
      return fail(fmt::format("'{}' is not standard-layout: it {}", name, problem));
    return bases;
  }

  bool has_data_members(CXType canonical) { return !record_fields(canonical).empty(); }

  Status add_members(CXType canonical, uint64_t base_bits, const std::string& prefix, int parent,
                     unsigned depth, Layout& out) {
    if (depth > 256) return fail("records nest too deeply");
    const std::string name = tidy_spelling(take(clang().getTypeSpelling(canonical)));
    Result<std::vector<CXType>> bases = bases_of(canonical, name);
    if (!bases) return bases.error();
    const bool own_fields = has_data_members(canonical);
    int bases_with_fields = 0;
    for (CXType base : *bases) {
      Status st = check_record(base, tidy_spelling(take(clang().getTypeSpelling(base))));
      if (!st) return st;
      Result<bool> has = base_has_fields(base);
      if (!has) return has.error();
      if (*has) ++bases_with_fields;
    }
    if (bases_with_fields > 1 || (bases_with_fields == 1 && own_fields))
      return fail(fmt::format(
          "'{}' is not standard-layout: data members are declared in more than one class", name));
    for (CXType base : *bases) {
      Status st = add_members(base, base_bits, prefix, parent, depth, out);
      if (!st) return st;
    }

    const std::vector<CXCursor> fields = record_fields(canonical);
    const std::vector<long long> offsets = field_bit_offsets(canonical, fields);
    for (size_t i = 0; i < fields.size(); ++i) {
      const CXCursor fc = fields[i];
      if (clang().isInvalidDeclaration(fc)) return fail("invalid field declaration");
      const std::string field_name = take(clang().getCursorSpelling(fc));
      const long long off = offsets[i];
      if (off < 0)
        return fail(fmt::format("cannot compute the offset of '{}{}'", prefix, field_name));
      const uint64_t bits = base_bits + static_cast<uint64_t>(off);
      const CXType ftype = clang().getCursorType(fc);
      const CXType fcanon = clang().getCanonicalType(ftype);
      const bool bitfield = clang().Cursor_isBitField(fc) != 0;

      if (field_name.empty()) {
        if (bitfield) continue;  // unnamed bitfield: padding
        if (fcanon.kind == CXType_Record) {
          // Anonymous struct/union member: its members belong to the parent.
          Status st = check_record(fcanon, "anonymous member");
          if (!st) return st;
          st = add_members(fcanon, bits, prefix, parent, depth, out);
          if (!st) return st;
        }
        continue;
      }

      Status st = count_field();
      if (!st) return st;
      Field f;
      f.name = field_name;
      f.path = prefix + field_name;
      f.parent = parent;
      f.depth = depth;
      f.bit_offset = bits;
      f.offset = bits / 8;
      st = describe(ftype, f);
      if (!st) return st;
      if (bitfield) {
        const int width = clang().getFieldDeclBitWidth(fc);
        if (width <= 0) return fail(fmt::format("bad bit width for '{}'", f.path));
        f.bit_width = static_cast<unsigned>(width);
        // An __int128 bitfield of at most 64 bits holds an ordinary integer.
        const CXTypeKind k = clang().getCanonicalType(ftype).kind;
        if ((k == CXType_Int128 || k == CXType_UInt128) && f.bit_width <= 64) {
          f.kind = k == CXType_Int128 ? FieldKind::signed_int : FieldKind::unsigned_int;
          f.is_signed = k == CXType_Int128;
        }
      }
      const bool is_record = f.kind == FieldKind::record;
      out.fields.push_back(std::move(f));
      if (is_record) {
        const int index = static_cast<int>(out.fields.size() - 1);
        st = add_members(fcanon, bits, out.fields.back().path + ".", index, depth + 1, out);
        if (!st) return st;
      }
    }
    return {};
  }

  // True when the declaration carries an attribute (packed, aligned, no_unique_address,
  // ms_struct, ...): its layout is not the natural one.
  static bool has_attribute(CXCursor decl) {
    bool found = false;
    (void)visit_children(decl, [&](CXCursor c, CXCursor) {
      if (!clang().isAttribute(clang().getCursorKind(c))) return CXChildVisit_Continue;
      found = true;
      return CXChildVisit_Break;
    });
    return found;
  }

  // ABI alignment and size in bytes of a field's type; nullopt when clang has none.
  static std::optional<std::pair<uint64_t, uint64_t>> natural_shape(CXCursor field) {
    CXType t = clang().getCanonicalType(clang().getCursorType(field));
    uint64_t size = 0;
    if (t.kind == CXType_IncompleteArray) {  // a flexible array member: aligned like its element
      t = clang().getCanonicalType(clang().getArrayElementType(t));
    } else {
      const long long s = clang().Type_getSizeOf(t);
      if (s < 0) return std::nullopt;
      size = static_cast<uint64_t>(s);
    }
    const long long align = clang().Type_getAlignOf(t);
    if (align <= 0) return std::nullopt;
    return std::make_pair(static_cast<uint64_t>(align), size);
  }

  // The bit offset of each field of a record (negative: clang's layout error).
  //
  // clang_Cursor_getOffsetOfField re-validates every field of the record on each call, so
  // asking it for every field costs O(fields^2) (100,000 fields: about a minute). Fields
  // whose place follows from the natural rule (no attribute on the field or the record, no
  // #pragma pack: the record's alignment is the largest of its fields', not a bitfield and
  // not right after one) are placed by that rule: the next multiple of their alignment
  // after the previous field (0 in a union). The rest, and a sample of the predicted ones,
  // the last among them, and the record's size, are taken from clang; any disagreement
  // and every offset of the record comes from clang.
  std::vector<long long> field_bit_offsets(CXType record, const std::vector<CXCursor>& fields) {
    const size_t n = fields.size();
    std::vector<long long> out(n, -1);
    auto exact = [&](size_t i) { return clang().Cursor_getOffsetOfField(fields[i]); };
    auto all_exact = [&] {
      for (size_t i = 0; i < n; ++i) out[i] = exact(i);
      return out;
    };
    const CXCursor decl = clang().getCursorDefinition(clang().getTypeDeclaration(record));
    const long long record_align = clang().Type_getAlignOf(record);
    const long long record_size = clang().Type_getSizeOf(record);
    // Small records: asking clang for each offset costs little.
    if (n < 32 || record_align <= 0 || record_size < 0 || has_attribute(decl)) return all_exact();
    const bool is_union = clang().getCursorKind(decl) == CXCursor_UnionDecl;

    std::vector<std::optional<std::pair<uint64_t, uint64_t>>> shapes(n);
    uint64_t max_align = 1;
    for (size_t i = 0; i < n; ++i) {
      shapes[i] = natural_shape(fields[i]);
      if (!shapes[i]) return all_exact();
      const bool unnamed_bitfield = clang().Cursor_isBitField(fields[i]) &&
                                    take(clang().getCursorSpelling(fields[i])).empty();
      if (!unnamed_bitfield) max_align = std::max(max_align, shapes[i]->first);
    }
    // #pragma pack leaves no attribute behind, but caps the record's alignment.
    if (static_cast<uint64_t>(record_align) != max_align) return all_exact();

    std::vector<size_t> predicted;
    uint64_t end_bits = 0;  // end of the previous field (the furthest one in a union)
    bool after_special = false;
    for (size_t i = 0; i < n; ++i) {
      const bool bitfield = clang().Cursor_isBitField(fields[i]) != 0;
      const auto [align, size] = *shapes[i];
      if (bitfield || after_special || has_attribute(fields[i])) {
        out[i] = exact(i);
        if (out[i] < 0) return all_exact();
      } else {
        const uint64_t bits = is_union ? 0 : ((end_bits + 7) / 8 + align - 1) / align * align * 8;
        out[i] = static_cast<long long>(bits);
        predicted.push_back(i);
      }
      after_special = bitfield;
      const uint64_t field_end =
          static_cast<uint64_t>(out[i]) +
          (bitfield ? static_cast<uint64_t>(std::max(0, clang().getFieldDeclBitWidth(fields[i])))
                    : size * 8);
      end_bits = is_union ? std::max(end_bits, field_end) : field_end;
    }
    if (predicted.empty()) return out;
    // Checks: the record's size, the last predicted field and a spread of others.
    const uint64_t size_bits = static_cast<uint64_t>(record_size) * 8;
    const uint64_t align_bits = static_cast<uint64_t>(record_align) * 8;
    if ((end_bits + align_bits - 1) / align_bits * align_bits != size_bits) return all_exact();
    constexpr size_t kSamples = 8;
    for (size_t k = 0; k <= kSamples; ++k) {
      const size_t i = predicted[(predicted.size() - 1) * k / kSamples];
      if (exact(i) != out[i]) return all_exact();
    }
    return out;
  }

  Result<bool> base_has_fields(CXType base) {
    if (has_data_members(base)) return true;
    Result<std::vector<CXType>> bases =
        bases_of(base, tidy_spelling(take(clang().getTypeSpelling(base))));
    if (!bases) return bases.error();
    for (CXType b : *bases) {
      Result<bool> has = base_has_fields(b);
      if (!has) return has;
      if (*has) return true;
    }
    return false;
  }

  std::shared_ptr<const std::vector<EnumConstant>> enum_constants(CXType canonical) {
    CXCursor decl = clang().getTypeDeclaration(canonical);
    const std::string usr = take(clang().getCursorUSR(decl));
    auto it = enums_.find(usr);
    if (it != enums_.end()) return it->second;
    const CXType itype = clang().getCanonicalType(clang().getEnumDeclIntegerType(decl));
    const bool is_unsigned = itype.kind == CXType_UInt || itype.kind == CXType_ULong ||
                             itype.kind == CXType_ULongLong || itype.kind == CXType_UChar ||
                             itype.kind == CXType_UShort || itype.kind == CXType_Char_U ||
                             itype.kind == CXType_Bool;
    auto list = std::make_shared<std::vector<EnumConstant>>();
    if (!visit_children(decl, [&](CXCursor c, CXCursor) {
          if (clang().getCursorKind(c) == CXCursor_EnumConstantDecl) {
            EnumConstant e;
            e.name = take(clang().getCursorSpelling(c));
            e.value = is_unsigned
                          ? static_cast<int64_t>(clang().getEnumConstantDeclUnsignedValue(c))
                          : clang().getEnumConstantDeclValue(c);
            list->push_back(std::move(e));
          }
          return CXChildVisit_Continue;
        }))
      throw std::bad_alloc();
    enums_.emplace(usr, list);
    return list;
  }

  static bool signed_int_kind(CXTypeKind k) {
    return k == CXType_Char_S || k == CXType_SChar || k == CXType_WChar || k == CXType_Short ||
           k == CXType_Int || k == CXType_Long || k == CXType_LongLong;
  }
  static bool unsigned_int_kind(CXTypeKind k) {
    return k == CXType_Char_U || k == CXType_UChar || k == CXType_Char16 || k == CXType_Char32 ||
           k == CXType_UShort || k == CXType_UInt || k == CXType_ULong || k == CXType_ULongLong;
  }

  // Kind, size, sign, count, enumerators, element of a value of type t.
  Status describe(CXType t, Field& f) {
    f.type = tidy_spelling(take(clang().getTypeSpelling(t)));
    CXType c = clang().getCanonicalType(t);
    const long long size = clang().Type_getSizeOf(c);
    if (c.kind == CXType_IncompleteArray) {
      f.size = 0;
    } else if (size < 0) {
      return fail(fmt::format("'{}' of type '{}' {}", f.path.empty() ? f.name : f.path, f.type,
                              layout_error_name(size)));
    } else {
      f.size = static_cast<uint64_t>(size);
    }
    if (c.kind == CXType_Atomic) {
      const CXType value = clang().getCanonicalType(clang().Type_getValueType(c));
      if (clang().Type_getSizeOf(value) == size) c = value;
    }
    const CXTypeKind k = c.kind;
    if (k == CXType_Bool) {
      f.kind = FieldKind::boolean;
    } else if (signed_int_kind(k)) {
      f.kind = FieldKind::signed_int;
      f.is_signed = true;
    } else if (unsigned_int_kind(k)) {
      f.kind = FieldKind::unsigned_int;
    } else if (k == CXType_Float || k == CXType_Double ||
               (k == CXType_LongDouble && f.size == sizeof(long double))) {
      f.kind = FieldKind::floating;
      f.is_signed = true;
    } else if (k == CXType_Enum) {
      f.kind = FieldKind::enumeration;
      CXCursor decl = clang().getTypeDeclaration(c);
      const CXType itype = clang().getCanonicalType(clang().getEnumDeclIntegerType(decl));
      f.is_signed = signed_int_kind(itype.kind);
      f.enumerators = enum_constants(c);
      fields_ += f.enumerators->size() / 16;  // bounded memory for huge enums
    } else if (k == CXType_Pointer || k == CXType_BlockPointer || k == CXType_ObjCObjectPointer ||
               k == CXType_LValueReference || k == CXType_RValueReference || k == CXType_NullPtr) {
      f.kind = (f.size == 4 || f.size == 8) ? FieldKind::pointer : FieldKind::opaque;
    } else if (k == CXType_Record) {
      f.kind = FieldKind::record;
    } else if (k == CXType_ConstantArray || k == CXType_IncompleteArray) {
      // Keep the element's sugar (uint32_t) when the array is spelled directly.
      const CXType arr =
          (t.kind == CXType_ConstantArray || t.kind == CXType_IncompleteArray) ? t : c;
      const CXType elem_type = clang().getArrayElementType(arr);
      const CXType elem_canon = clang().getCanonicalType(elem_type);
      f.count = k == CXType_ConstantArray ? static_cast<uint64_t>(clang().getArraySize(c)) : 0;
      auto elem = std::make_shared<Field>();
      elem->name = "[]";
      Status st = describe(elem_type, *elem);
      if (!st) return st;
      if (elem->size == 0) return fail(fmt::format("'{}' has elements of size 0", f.type));
      f.kind = (elem_canon.kind == CXType_Char_S || elem_canon.kind == CXType_Char_U)
                   ? FieldKind::text
                   : FieldKind::array;
      f.is_signed = elem->is_signed;
      if (elem->kind == FieldKind::record) {
        Result<std::shared_ptr<const Layout>> rec = element_layout(elem_canon, elem->type);
        if (!rec) return rec.error();
        elem->record = *rec;
      }
      f.element = std::move(elem);
    } else {
      f.kind = FieldKind::opaque;
    }
    return {};
  }

  // Layout of a record used as an array element; computed once per type.
  Result<std::shared_ptr<const Layout>> element_layout(CXType canonical,
                                                       const std::string& spelling) {
    const std::string usr = take(clang().getCursorUSR(clang().getTypeDeclaration(canonical)));
    auto it = records_.find(usr);
    if (it != records_.end()) {
      if (!it->second) return Error{Errc::invalid_argument, "recursive record type"};
      return it->second;
    }
    records_.emplace(usr, nullptr);  // guards against recursion
    auto layout = std::make_shared<Layout>();
    layout->type = spelling;
    Status st = build(canonical, *layout);
    if (!st) return st.error();
    records_[usr] = layout;
    return std::shared_ptr<const Layout>(layout);
  }

  bool cxx_;
  size_t fields_ = 0;
  std::map<std::string, std::shared_ptr<const std::vector<EnumConstant>>> enums_;
  std::map<std::string, std::shared_ptr<const Layout>> records_;
};

}  // namespace

Declarations::Declarations() = default;
Declarations::~Declarations() = default;
Declarations::Declarations(Declarations&&) noexcept = default;
Declarations& Declarations::operator=(Declarations&&) noexcept = default;
Declarations::Declarations(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

const std::string& Declarations::source_name() const {
  static const std::string empty;
  return impl_ ? impl_->source_name : empty;
}
const std::vector<Diagnostic>& Declarations::warnings() const {
  static const std::vector<Diagnostic> empty;
  return impl_ ? impl_->warnings : empty;
}
const std::vector<TypeEntry>& Declarations::types() const {
  static const std::vector<TypeEntry> empty;
  return impl_ ? impl_->types : empty;
}

Result<Layout> Declarations::layout(std::string_view type_name) const {
  if (!impl_ || !impl_->tu) return make_error(Errc::invalid_argument, "nothing was parsed");
  std::lock_guard<std::mutex> lock(impl_->mutex);
  try {
    std::string name = normalise_name(type_name);
    if (name.empty()) return make_error(Errc::invalid_argument, "empty type name");
    // "struct x" / "union x" / "class x": the keyword selects the tag namespace.
    std::string keyword, bare_name = name;
    for (const char* kw : {"struct ", "union ", "class "}) {
      if (name.rfind(kw, 0) == 0) {
        keyword = std::string(kw, std::strlen(kw) - 1);
        bare_name = normalise_name(name.substr(std::strlen(kw)));
      }
    }
    if (name.rfind("enum ", 0) == 0)
      return make_error(Errc::invalid_argument,
                        fmt::format("'{}' is an enum, not a struct, union or class", name));
    CXType type{};
    bool found = false;
    std::string display = name;
    auto from_tag = [&](const std::string& key) {
      auto it = impl_->tags.find(key);
      if (it == impl_->tags.end()) return false;
      type = clang().getCursorType(it->second);
      return true;
    };
    if (!keyword.empty()) {
      if (impl_->cxx) {
        found = from_tag(bare_name);
        if (found &&
            (keyword == "union") !=
                (clang().getCursorKind(clang().getTypeDeclaration(type)) == CXCursor_UnionDecl))
          found = false;
        if (!found) {  // also a typedef used with a keyword in C++ ("struct T" for T)
          auto it = impl_->typedefs.find(bare_name);
          if (it != impl_->typedefs.end()) {
            type = it->second;
            found = true;
          }
        }
      } else {
        found = from_tag(keyword + " " + bare_name);
        if (!found && keyword == "class")
          return make_error(Errc::invalid_argument,
                            "'class' exists only in C++ (use --std gnu++17)");
      }
    } else {
      auto it = impl_->typedefs.find(name);
      if (it != impl_->typedefs.end()) {
        type = it->second;
        found = true;
      } else if (impl_->cxx) {
        found = from_tag(name);
      } else {
        auto b = impl_->bare.find(name);
        if (b != impl_->bare.end()) {
          found = from_tag(b->second);
          display = b->second;
        }
      }
    }
    if (!found) {
      return make_error(Errc::not_found,
                        fmt::format("unknown type '{}': no complete struct, union, class or "
                                    "typedef of that name in {}",
                                    name, impl_->source_name));
    }
    Layout out;
    out.type = display;
    LayoutBuilder builder(impl_->cxx);
    Status st = builder.build(type, out);
    if (!st) return st.error();
    return out;
  } catch (const std::exception& e) {
    return make_error(Errc::io, fmt::format("layout of '{}' failed: {}", type_name, e.what()));
  }
}

bool layout_parser_available() {
  return true;
}

Result<Declarations> parse_header_file(const std::string& path, const ParseOptions& options) {
  if (path.empty()) return make_error(Errc::invalid_argument, "empty header path");
  // Read here, then handed to clang as the main file's contents: a header that is not a
  // regular file, too big or unreadable is refused with the reason and the path (clang
  // would only say "failure"), and clang parses exactly the bytes checked.
  Result<std::string> contents = read_file_capped(path, kMaxHeaderBytes, "header");
  if (!contents) return contents.error();
  try {
    CXUnsavedFile unsaved{path.c_str(), contents->data(),
                          static_cast<unsigned long>(contents->size())};
    return parse(path, &unsaved, options);
  } catch (const std::exception& e) {
    return make_error(Errc::io, fmt::format("parsing '{}' failed: {}", path, e.what()));
  }
}

Result<Declarations> parse_declarations(std::string_view text, const ParseOptions& options,
                                        std::string_view name) {
  try {
    std::string file(name.empty() ? "pasted.h" : name);
    std::string contents(text);  // libclang wants a stable buffer for the whole parse
    CXUnsavedFile unsaved{file.c_str(), contents.data(),
                          static_cast<unsigned long>(contents.size())};
    return parse(file, &unsaved, options);
  } catch (const std::exception& e) {
    return make_error(Errc::io, fmt::format("parsing declarations failed: {}", e.what()));
  }
}

#else  // !MEMVIEW_HAVE_LIBCLANG

struct Declarations::Impl {};

namespace {
Error unavailable() {
  return make_error(Errc::unsupported,
                    "parsing C/C++ headers is not available in this build (built without "
                    "libclang); load a layout exported as JSON instead");
}
}  // namespace

Declarations::Declarations() = default;
Declarations::~Declarations() = default;
Declarations::Declarations(Declarations&&) noexcept = default;
Declarations& Declarations::operator=(Declarations&&) noexcept = default;
Declarations::Declarations(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
const std::string& Declarations::source_name() const {
  static const std::string empty;
  return empty;
}
const std::vector<Diagnostic>& Declarations::warnings() const {
  static const std::vector<Diagnostic> empty;
  return empty;
}
const std::vector<TypeEntry>& Declarations::types() const {
  static const std::vector<TypeEntry> empty;
  return empty;
}
Result<Layout> Declarations::layout(std::string_view) const {
  return unavailable();
}
bool layout_parser_available() {
  return false;
}
Result<Declarations> parse_header_file(const std::string&, const ParseOptions&) {
  return unavailable();
}
Result<Declarations> parse_declarations(std::string_view, const ParseOptions&, std::string_view) {
  return unavailable();
}

#endif  // MEMVIEW_HAVE_LIBCLANG

Result<Layout> layout_from_header(const std::string& path, std::string_view type_name,
                                  const ParseOptions& options) {
  Result<Declarations> decls = parse_header_file(path, options);
  if (!decls) return decls.error();
  return decls->layout(type_name);
}

}  // namespace memview
