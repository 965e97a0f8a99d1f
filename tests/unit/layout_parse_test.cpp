// Parsing with libclang: headers and pasted declarations, diagnostics, type resolution and
// the shape of the computed layouts (flattening, nesting, bitfields, arrays, enums).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "memview/layout.h"

namespace memview {
namespace {

// A scratch directory for header files (some tests need real files and -I).
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/memview-layout-XXXXXX";
    const char* p = mkdtemp(tmpl);
    path_ = p ? p : "";
  }
  ~TempDir() {
    if (!path_.empty()) std::system(("rm -rf '" + path_ + "'").c_str());
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::string file = path_ + "/" + name;
    std::ofstream(file) << text;
    return file;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Layout must_layout(std::string_view decls, std::string_view type, const ParseOptions& o = {}) {
  Result<Declarations> d = parse_declarations(decls, o);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
  if (!d) return {};
  Result<Layout> l = d->layout(type);
  EXPECT_TRUE(l.ok()) << (l.ok() ? "" : l.error().message);
  return l ? *l : Layout{};
}

std::vector<std::string> paths(const Layout& l) {
  std::vector<std::string> out;
  for (const Field& f : l.fields) out.push_back(f.path);
  return out;
}

// Builds without libclang: parsing says so, clearly, instead of failing obscurely.
TEST(LayoutParseAvailability, ParsingWorksOrSaysItIsUnavailable) {
  Result<Declarations> d = parse_declarations("struct a { int x; };");
  if (layout_parser_available()) {
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(d->layout("struct a")->size, 4u);
  } else {
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code, Errc::unsupported);
    EXPECT_NE(d.error().message.find("not available in this build"), std::string::npos);
  }
}

class LayoutParse : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!layout_parser_available()) GTEST_SKIP() << "built without libclang";
  }
};

TEST_F(LayoutParse, PastedDeclarationsIncludeSystemHeaders) {
  // <stdint.h> pulls in <stddef.h>-style builtins from clang's resource directory.
  const Layout l = must_layout(
      "#include <stdint.h>\n#include <stddef.h>\n#include <stdbool.h>\n"
      "struct pkt { uint8_t kind; uint32_t len; size_t cap; bool ok; };",
      "struct pkt");
  EXPECT_EQ(l.type, "struct pkt");
  EXPECT_EQ(l.size, 24u);
  EXPECT_EQ(l.align, 8u);
  ASSERT_EQ(paths(l), (std::vector<std::string>{"kind", "len", "cap", "ok"}));
  EXPECT_EQ(l.fields[1].offset, 4u);
  EXPECT_EQ(l.fields[1].type, "uint32_t");
  EXPECT_EQ(l.fields[1].kind, FieldKind::unsigned_int);
  EXPECT_EQ(l.fields[2].offset, 8u);
  EXPECT_EQ(l.fields[3].kind, FieldKind::boolean);
}

TEST_F(LayoutParse, FatalErrorIsReportedWithLocation) {
  // libclang "succeeds" on a fatal error and hands out an empty 1-byte struct: the
  // engine must look at the diagnostics.
  Result<Declarations> d =
      parse_declarations("struct a { int x; };\n#include <no_such_header_here.h>\n");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, Errc::invalid_argument);
  EXPECT_EQ(d.error().message.rfind("pasted.h:2:10: fatal error: 'no_such_header_here.h' file "
                                    "not found",
                                    0),
            0u)
      << d.error().message;
}

TEST_F(LayoutParse, SyntaxErrorsListFileLineColumnAndMessage) {
  Result<Declarations> d =
      parse_declarations("struct a {\n  int x;\n  foo_t y;\n  bar_t z;\n};\n", {}, "mine.h");
  ASSERT_FALSE(d.ok());
  const std::string& m = d.error().message;
  EXPECT_EQ(m.rfind("mine.h:3:3: error: unknown type name 'foo_t'", 0), 0u) << m;
  EXPECT_NE(m.find("\nmine.h:4:3: error: unknown type name 'bar_t'"), std::string::npos) << m;
}

TEST_F(LayoutParse, HeaderFileNotFound) {
  Result<Declarations> d = parse_header_file("/nonexistent/memview/x.h");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, Errc::not_found);
  EXPECT_NE(d.error().message.find("/nonexistent/memview/x.h"), std::string::npos);
}

TEST_F(LayoutParse, HeaderFileWithIncludeDirsAndDefines) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  ASSERT_EQ(::mkdir((dir.path() + "/inc").c_str(), 0700), 0);
  dir.write("inc/sizes.h", "#define NAME_LEN (LEN * 2)\n");
  const std::string header =
      dir.write("main.h", "#include \"sizes.h\"\nstruct rec { char name[NAME_LEN]; int id; };\n");
  ParseOptions o;
  o.include_dirs = {dir.path() + "/inc"};
  o.defines = {"LEN=6"};
  Result<Layout> l = layout_from_header(header, "struct rec", o);
  ASSERT_TRUE(l.ok()) << l.error().message;
  ASSERT_EQ(l->fields.size(), 2u);
  EXPECT_EQ(l->fields[0].count, 12u);
  EXPECT_EQ(l->fields[0].kind, FieldKind::text);
  EXPECT_EQ(l->fields[1].offset, 12u);

  // Without -D the macro is undefined: a clear error, with the header's path.
  o.defines.clear();
  Result<Layout> bad = layout_from_header(header, "struct rec", o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("main.h:2:"), std::string::npos) << bad.error().message;
}

TEST_F(LayoutParse, ResolvesTagsTypedefsAndBareNames) {
  const char* decls =
      "struct foo { int a; };\n"
      "typedef struct foo foo_t;\n"
      "typedef struct { short s; } anon_t;\n"
      "union u { int i; float f; };\n"
      "typedef foo_t foo2_t;\n";
  Result<Declarations> d = parse_declarations(decls);
  ASSERT_TRUE(d.ok()) << d.error().message;
  for (const char* name : {"struct foo", "foo", "foo_t", "foo2_t", "  struct   foo "}) {
    Result<Layout> l = d->layout(name);
    ASSERT_TRUE(l.ok()) << name << ": " << l.error().message;
    EXPECT_EQ(l->size, 4u) << name;
    EXPECT_FALSE(l->is_union);
  }
  EXPECT_EQ(d->layout("foo")->type, "struct foo");
  EXPECT_EQ(d->layout("foo_t")->type, "foo_t");
  Result<Layout> u = d->layout("union u");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->is_union);
  EXPECT_EQ(u->fields[1].offset, 0u);
  EXPECT_EQ(d->layout("anon_t")->size, 2u);
  EXPECT_FALSE(d->layout("union foo").ok());  // wrong tag kind
}

TEST_F(LayoutParse, UnknownAndUnsuitableTypesAreClearErrors) {
  Result<Declarations> d = parse_declarations(
      "struct fwd;\ntypedef int myint;\nenum color { RED };\nstruct ok { int a; };\n");
  ASSERT_TRUE(d.ok()) << d.error().message;
  Result<Layout> l = d->layout("struct nope");
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().code, Errc::not_found);
  EXPECT_NE(l.error().message.find("unknown type 'struct nope'"), std::string::npos);
  EXPECT_EQ(d->layout("struct fwd").error().code, Errc::not_found);  // never defined
  EXPECT_NE(d->layout("myint").error().message.find("not a struct, union or class"),
            std::string::npos);
  EXPECT_FALSE(d->layout("enum color").ok());
  EXPECT_FALSE(d->layout("").ok());
  EXPECT_FALSE(d->layout("class ok").ok());  // class is C++ only
}

TEST_F(LayoutParse, TypesListsMainFileFirst) {
  Result<Declarations> d = parse_declarations(
      "#include <sys/types.h>\n#include <time.h>\nstruct b { int x; };\ntypedef struct b b_t;\n"
      "struct a { struct b y; };\nstruct incomplete;\n");
  ASSERT_TRUE(d.ok()) << d.error().message;
  const std::vector<TypeEntry>& t = d->types();
  ASSERT_GE(t.size(), 4u);
  EXPECT_EQ(t[0].name, "struct b");
  EXPECT_EQ(t[0].kind, "struct");
  EXPECT_EQ(t[0].line, 3u);
  EXPECT_TRUE(t[0].in_main_file);
  EXPECT_EQ(t[1].name, "b_t");
  EXPECT_EQ(t[1].kind, "typedef");
  EXPECT_EQ(t[2].name, "struct a");
  bool timespec = false;
  for (const TypeEntry& e : t) {
    EXPECT_NE(e.name, "struct incomplete");
    if (e.name == "struct timespec") {
      timespec = true;
      EXPECT_FALSE(e.in_main_file);
      EXPECT_EQ(e.size, 16u);
    }
  }
  EXPECT_TRUE(timespec);
}

TEST_F(LayoutParse, AnonymousMembersFlattenNamedMembersNest) {
  const Layout l = must_layout(
      "struct s {\n"
      "  int a;\n"
      "  struct { short b; union { char c; int d; }; };\n"
      "  struct { int e; struct { char f; } g; } h;\n"
      "  int : 3;\n"
      "  int : 0;\n"
      "  unsigned i : 5;\n"
      "};",
      "struct s");
  EXPECT_EQ(paths(l),
            (std::vector<std::string>{"a", "b", "c", "d", "h", "h.e", "h.g", "h.g.f", "i"}));
  EXPECT_EQ(l.find("b")->offset, 4u);
  EXPECT_EQ(l.find("c")->offset, 8u);
  EXPECT_EQ(l.find("d")->offset, 8u);
  EXPECT_EQ(l.find("b")->parent, -1);
  EXPECT_EQ(l.find("d")->depth, 0u);
  const Field* h = l.find("h");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->kind, FieldKind::record);
  EXPECT_EQ(h->type, "struct {...}");
  EXPECT_EQ(h->offset, 12u);
  EXPECT_EQ(l.find("h.g.f")->offset, 16u);
  EXPECT_EQ(l.find("h.g.f")->depth, 2u);
  EXPECT_EQ(l.fields[static_cast<size_t>(l.find("h.g.f")->parent)].path, "h.g");
  EXPECT_EQ(l.children(-1).size(), 6u);  // a b c d h i
  // the unnamed bitfields are padding: i starts after the :0 boundary
  EXPECT_EQ(l.find("i")->bit_offset, 24u * 8);
  EXPECT_EQ(l.find("i")->bit_width, 5u);
}

#define MV_STR2(...) #__VA_ARGS__
#define MV_STR(...) MV_STR2(__VA_ARGS__)
// Declared here for g++ (offsetof/sizeof/alignof) and pasted as text for the engine.
#define MV_PACKED_DECL                             \
  struct __attribute__((packed)) packed_rec {      \
    uint8_t tag;                                   \
    uint32_t word : 31;                            \
    uint64_t big;                                  \
    int16_t grid[3][2];                            \
    uint8_t raw[4];                                \
    char name[5];                                  \
    double aligned_d __attribute__((aligned(16))); \
    char tail[];                                   \
  }
MV_PACKED_DECL;

TEST_F(LayoutParse, PackedAlignedBitfieldsArraysAndFlexibleArrays) {
  const Layout l =
      must_layout("#include <stdint.h>\n" MV_STR(MV_PACKED_DECL) ";", "struct packed_rec");
  EXPECT_EQ(l.size, sizeof(packed_rec));
  EXPECT_EQ(l.align, alignof(packed_rec));
  const Field* word = l.find("word");
  EXPECT_EQ(word->bit_offset, 8u);
  EXPECT_EQ(word->bit_width, 31u);
  EXPECT_EQ(word->offset, 1u);
  EXPECT_EQ(word->size, 4u);
  EXPECT_EQ(l.find("big")->offset, offsetof(packed_rec, big));
  const Field* grid = l.find("grid");
  EXPECT_EQ(grid->offset, offsetof(packed_rec, grid));
  EXPECT_EQ(grid->count, 3u);
  EXPECT_EQ(grid->size, sizeof(packed_rec::grid));
  EXPECT_EQ(grid->kind, FieldKind::array);
  ASSERT_TRUE(grid->element);
  EXPECT_EQ(grid->element->count, 2u);
  EXPECT_EQ(grid->element->element->kind, FieldKind::signed_int);
  EXPECT_EQ(l.find("raw")->kind, FieldKind::array);  // uint8_t: bytes, not text
  EXPECT_EQ(l.find("name")->kind, FieldKind::text);
  EXPECT_EQ(l.find("name")->offset, offsetof(packed_rec, name));
  EXPECT_EQ(l.find("aligned_d")->offset, offsetof(packed_rec, aligned_d));
  const Field* tail = l.find("tail");
  EXPECT_EQ(tail->count, 0u);
  EXPECT_TRUE(tail->is_flexible_array());
  EXPECT_EQ(tail->size, 0u);
  EXPECT_EQ(tail->offset, offsetof(packed_rec, tail));
}

TEST_F(LayoutParse, KindsSignsAndEnumConstants) {
  const Layout l = must_layout(
      "#include <stdint.h>\n"
      "enum mode { OFF, ON = 5, AUTO = -1 };\n"
      "enum __attribute__((packed)) small { X = 1, Y = 200 };\n"
      "struct k { enum mode m; enum small s; enum mode mb : 4; float f; double d; long double ld;\n"
      "  void* p; const char* str; struct k* next; signed char sc; unsigned char uc; char c;\n"
      "  _Complex double z; __int128 wide; _Atomic int at; };",
      "struct k");
  const Field* m = l.find("m");
  EXPECT_EQ(m->kind, FieldKind::enumeration);
  EXPECT_TRUE(m->is_signed);
  ASSERT_EQ(m->constants().size(), 3u);
  EXPECT_EQ(m->constants()[1].name, "ON");
  EXPECT_EQ(m->constants()[2].value, -1);
  const Field* s = l.find("s");
  EXPECT_EQ(s->size, 1u);
  EXPECT_FALSE(s->is_signed);
  EXPECT_EQ(s->constants()[1].value, 200);
  EXPECT_EQ(l.find("mb")->bit_width, 4u);
  EXPECT_EQ(l.find("mb")->kind, FieldKind::enumeration);
  EXPECT_EQ(l.find("f")->kind, FieldKind::floating);
  EXPECT_EQ(l.find("ld")->kind, FieldKind::floating);
  EXPECT_EQ(l.find("ld")->size, 16u);
  for (const char* p : {"p", "str", "next"}) EXPECT_EQ(l.find(p)->kind, FieldKind::pointer) << p;
  EXPECT_EQ(l.find("next")->type, "struct k *");
  EXPECT_TRUE(l.find("sc")->is_signed);
  EXPECT_EQ(l.find("uc")->kind, FieldKind::unsigned_int);
  EXPECT_TRUE(l.find("c")->is_signed);  // x86-64: plain char is signed
  EXPECT_EQ(l.find("z")->kind, FieldKind::opaque);
  EXPECT_EQ(l.find("wide")->kind, FieldKind::opaque);
  EXPECT_EQ(l.find("at")->kind, FieldKind::signed_int);
}

TEST_F(LayoutParse, ArraysOfRecordsCarryTheElementLayout) {
  const Layout l = must_layout(
      "struct pt { short x, y; };\nstruct poly { int n; struct pt pts[4]; struct pt fam[]; };",
      "struct poly");
  EXPECT_EQ(paths(l), (std::vector<std::string>{"n", "pts", "fam"}));
  const Field* pts = l.find("pts");
  ASSERT_TRUE(pts->element && pts->element->record);
  EXPECT_EQ(pts->element->record->size, 4u);
  EXPECT_EQ(paths(*pts->element->record), (std::vector<std::string>{"x", "y"}));
  // the element layouts of the same type are shared, not copied
  EXPECT_EQ(pts->element->record.get(), l.find("fam")->element->record.get());
}

TEST_F(LayoutParse, CxxStandardLayoutClassesOnly) {
  ParseOptions cxx;
  cxx.standard = "c++17";
  const char* decls =
      "#include <cstdint>\n"
      "namespace net { struct hdr { std::uint16_t len; }; }\n"
      "class base { public: int a; };\n"
      "class derived : public base { public: void f(); };\n"
      "struct both : base { int b; };\n"
      "struct poly { virtual ~poly(); int x; };\n"
      "struct vb : virtual base { };\n"
      "using alias = net::hdr;\n"
      "template <class T> struct box { T v; char c; };\n"
      "typedef box<double> dbox;\n"
      "template struct box<double>;\n"
      "typedef box<char> cbox;\n";
  Result<Declarations> d = parse_declarations(decls, cxx);
  ASSERT_TRUE(d.ok()) << d.error().message;
  Result<Layout> l = d->layout("net::hdr");
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_EQ(l->size, 2u);
  EXPECT_TRUE(d->layout("struct net::hdr").ok());
  EXPECT_TRUE(d->layout("alias").ok());
  Result<Layout> der = d->layout("class derived");
  ASSERT_TRUE(der.ok()) << der.error().message;
  EXPECT_EQ(paths(*der), (std::vector<std::string>{"a"}));  // the base's member at offset 0
  EXPECT_NE(d->layout("both").error().message.find("not standard-layout"), std::string::npos);
  EXPECT_NE(d->layout("poly").error().message.find("virtual"), std::string::npos);
  EXPECT_NE(d->layout("vb").error().message.find("virtual base"), std::string::npos);
  Result<Layout> box = d->layout("dbox");
  ASSERT_TRUE(box.ok()) << box.error().message;
  EXPECT_EQ(box->size, 16u);
  EXPECT_EQ(box->fields[1].offset, 8u);
  // named but never instantiated: a clear error that says what to do
  EXPECT_NE(d->layout("cbox").error().message.find("never instantiates"), std::string::npos);
}

TEST_F(LayoutParse, LanguageStandardIsValidated) {
  ParseOptions o;
  o.standard = "c11; rm -rf /";
  EXPECT_EQ(parse_declarations("struct a { int x; };", o).error().code, Errc::invalid_argument);
  o.standard = "c99x";
  Result<Declarations> d = parse_declarations("struct a { int x; };", o);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("c99x"), std::string::npos) << d.error().message;
  o.standard = "gnu17";
  EXPECT_TRUE(parse_declarations("struct a { int x; };", o).ok());
}

TEST_F(LayoutParse, DefaultStandardIsTheCompilersOwn) {
  EXPECT_STREQ(default_standard("pasted.h"), "gnu17");
  EXPECT_STREQ(default_standard("/usr/include/x.h"), "gnu17");
  EXPECT_STREQ(default_standard("noext"), "gnu17");
  EXPECT_STREQ(default_standard("dir.hpp/x.h"), "gnu17");  // the directory's dot is no suffix
  EXPECT_STREQ(default_standard("a/b/net.hpp"), "gnu++17");
  EXPECT_STREQ(default_standard("x.hh"), "gnu++17");
  EXPECT_STREQ(default_standard("x.hxx"), "gnu++17");
  EXPECT_STREQ(default_standard("x.H"), "gnu++17");
  EXPECT_STREQ(default_standard("x.cpp"), "gnu++17");

  // With no options, a C header sees what gcc shows it with no flags (POSIX and BSD types
  // behind _DEFAULT_SOURCE), and a pasted "class" is refused with the option that allows it.
  Result<Declarations> c = parse_declarations(
      "#include <signal.h>\n#include <netinet/tcp.h>\nstruct s { struct sigaction sa; "
      "siginfo_t si; struct tcphdr th; };\n");
  ASSERT_TRUE(c.ok()) << c.error().message;
  Result<Layout> l = c->layout("struct s");
  ASSERT_TRUE(l.ok()) << l.error().message;
  ASSERT_TRUE(l->find("si") && l->find("th"));
  EXPECT_EQ(l->find("si")->offset, sizeof(struct sigaction));
  EXPECT_EQ(l->find("si")->size, sizeof(siginfo_t));
  EXPECT_EQ(l->find("th")->size, 20u);
  Result<Declarations> k = parse_declarations("class c { public: int x; };");
  ASSERT_FALSE(k.ok());

  // A C++ header name is C++ (gnu++17, which defines _GNU_SOURCE as g++ does).
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string hpp =
      dir.write("shape.hpp",
                "#include <sys/socket.h>\nclass shape { public: struct ucred who; double w; };\n");
  Result<Layout> cxx = layout_from_header(hpp, "shape");
  ASSERT_TRUE(cxx.ok()) << cxx.error().message;
  EXPECT_EQ(cxx->size, 24u);
  // glibc declares it inside extern "C" { } (__BEGIN_DECLS): found by name all the same.
  Result<Layout> ucred = layout_from_header(hpp, "struct ucred");
  ASSERT_TRUE(ucred.ok()) << ucred.error().message;
  EXPECT_EQ(ucred->size, 12u);
  // The same text in a .h file is C: no class, and no struct ucred without _GNU_SOURCE.
  const std::string h = dir.write("shape.h", "#include <sys/socket.h>\nstruct ucred u;\n");
  EXPECT_FALSE(layout_from_header(h, "struct ucred").ok());
  ParseOptions gnu;
  gnu.defines = {"_GNU_SOURCE"};
  EXPECT_TRUE(layout_from_header(h, "struct ucred", gnu).ok());
}

TEST_F(LayoutParse, WarningsAreKept) {
  Result<Declarations> d = parse_declarations("#warning careful\nstruct a { int x; };");
  ASSERT_TRUE(d.ok()) << d.error().message;
  ASSERT_EQ(d->warnings().size(), 1u);
  EXPECT_EQ(d->warnings()[0].text(), "pasted.h:1:2: warning: careful");
}

TEST_F(LayoutParse, ExponentialFieldCountIsRefusedQuickly) {
  // 2^24 leaf fields if expanded: the engine stops at its field budget.
  std::string decls = "struct a0 { int x; };\n";
  for (int i = 1; i <= 24; ++i)
    decls += "struct a" + std::to_string(i) + " { struct a" + std::to_string(i - 1) + " l, r; };\n";
  Result<Declarations> d = parse_declarations(decls);
  ASSERT_TRUE(d.ok()) << d.error().message;
  const auto start = std::chrono::steady_clock::now();
  Result<Layout> l = d->layout("struct a24");
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.error().message.find("more than"), std::string::npos);
  // Not a timing assertion on performance, a guard against a hang (generous bound).
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_TRUE(d->layout("struct a10").ok());
}

TEST_F(LayoutParse, ConcurrentParsesOnWorkerThreads) {
  const std::string decls =
      "#include <stdint.h>\n#include <sys/stat.h>\n"
      "struct w { uint64_t a; struct stat st; uint8_t bits : 3; };";
  const Layout reference = must_layout(decls, "struct w");
  ASSERT_FALSE(reference.fields.empty());
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::vector<int> agreed(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        Result<Declarations> d = parse_declarations(decls);
        if (!d) return;
        Result<Layout> l = d->layout("struct w");
        if (l && layout_to_json(*l) == layout_to_json(reference)) ++agreed[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(agreed[t], 5) << "thread " << t;
}

TEST_F(LayoutParse, DeclarationsMoveToAnotherThread) {
  Result<Declarations> parsed = parse_declarations("struct m { int a; char b; };");
  ASSERT_TRUE(parsed.ok());
  Declarations d = std::move(*parsed);
  Result<Layout> out = make_error(Errc::io, "not run");
  std::thread([&] { out = d.layout("struct m"); }).join();
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->size, 8u);
  Declarations empty;
  EXPECT_FALSE(empty.layout("struct m").ok());
  EXPECT_TRUE(empty.types().empty());
}

}  // namespace
}  // namespace memview
